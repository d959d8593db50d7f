"""Nothing is sent (so nothing is billed) before every argument has been checked (issue 14, item 5).

The public surface is read from the generated sync facade (``bria_tailored._sync_facade``): every public
method of every facade class reachable from a ``TailoredClient`` is found by introspection, so a method
added to a plan group is picked up here at once (and fails :func:`test_every_public_method_has_a_valid_call`
until it gets a valid call in :data:`VALID`). For each method, the valid call is first checked to pass
validation (it reaches the mock transport), then every parameter of its signature in turn is replaced by
hostile values (NaN, infinities, -1, 0, huge ints, booleans, empty and blank strings, wrong types, None
where None is not allowed). Each hostile call must raise ``ValidationError`` (or ``TypeError``) and send
nothing: the client's ``http_client`` is an ``httpx.Client`` on a ``MockTransport`` that records requests.
"""

from __future__ import annotations

import inspect
import math
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bria_tailored import AsyncTailoredClient, TailoredClient, _sync_facade, errors
from bria_tailored.polling import PollPolicy
from bria_tailored.types import ImageResult, Job, StructuredPromptResult

NAN, INF = math.nan, math.inf
HUGE = 10**100
FAST = PollPolicy(0.01, 0.02)


# ------------------------------------------------------------------------------------------ fixtures
def png(width: int = 300, height: int = 300, shade: int = 40) -> bytes:
    raw = b"".join(b"\x00" + bytes([shade, 80, 120]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


PNG = png()
SCHEMA = '{"style": "flat"}'


class Recorder:
    """Records every request and answers 418, so a call that got through stops at its first request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(418, json={"message": "the test transport answers nothing"})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[TailoredClient]:
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    with TailoredClient("tok", base_url="https://api.test", http_client=http, max_retries=0) as c:
        yield c
    http.close()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(5):
        (folder / f"img{i}.png").write_bytes(png(shade=30 * i))
    return folder


# ------------------------------------------------------------------------------ the public surface
def facade_methods(root: object) -> dict[str, Callable[..., Any]]:
    """``{"datasets.images.upload": bound method, ...}`` for every public method of every facade class of
    ``_sync_facade`` reachable from ``root`` (the client itself is a ``ClientMethods``)."""
    classes = tuple(
        cls
        for _, cls in inspect.getmembers(_sync_facade, inspect.isclass)
        if cls.__module__ == _sync_facade.__name__
    )
    found: dict[str, Callable[..., Any]] = {}

    def walk(obj: object, prefix: str) -> None:
        for cls in type(obj).__mro__:
            if cls not in classes:
                continue
            for name, member in vars(cls).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    found[prefix + name] = getattr(obj, name)
        for attr, value in vars(obj).items():
            if not attr.startswith("_") and isinstance(value, classes):
                walk(value, f"{prefix}{attr}.")

    walk(root, "")
    return found


def test_the_facade_has_every_group() -> None:
    """The enumeration sees every facade class (a guard on :func:`facade_methods` itself)."""
    with TailoredClient("tok", base_url="https://api.test") as client:
        names = set(facade_methods(client))
    groups = {name.rsplit(".", 1)[0] for name in names if "." in name}
    assert groups == {
        "batch",
        "projects",
        "datasets",
        "datasets.images",
        "models",
        "models.checkpoints",
        "generate",
        "status",
    }
    assert {"save", "train", "request"} <= names


# ------------------------------------------------------------------------------ one valid call each
Args = tuple[tuple[Any, ...], dict[str, Any]]


def source_file(tmp: Path) -> Path:
    """A result to save that needs no network: a local file (a URL the user gives may be a path)."""
    path = tmp / "result.png"
    if not path.exists():
        path.write_bytes(PNG)
    return path


def valid_calls(tmp: Path, images: Path) -> dict[str, Args]:
    """A call of each public method that passes validation (and so reaches the transport)."""
    return {
        "projects.create": ((), {"project_name": "p", "ip_medium": "illustration", "ip_type": "icons"}),
        "projects.list": ((), {}),
        "projects.get": ((1,), {}),
        "projects.update": ((1,), {"project_name": "p2"}),
        "projects.delete": ((1,), {}),
        "datasets.create": ((), {"project_id": 1, "name": "d"}),
        "datasets.list": ((1,), {}),
        "datasets.get": ((2,), {"max_images": 5}),
        "datasets.update": ((2,), {"name": "d2", "visual_schema": SCHEMA}),
        "datasets.complete": ((2,), {}),
        "datasets.delete": ((2,), {}),
        "datasets.clone": ((2,), {"name": "copy"}),
        "datasets.generate_visual_schema": (([PNG] * 5,), {}),
        "datasets.refine_structured_prompt": ((2,), {"structured_prompt": SCHEMA, "instruction": "bolder"}),
        "datasets.regenerate_captions": ((2,), {}),
        "datasets.wait_for_captions": ((2,), {"timeout": 5, "policy": FAST}),
        "datasets.bulk_upload": ((2,), {"zip_url": "https://files.example/a.zip", "wait": False}),
        "datasets.bulk_upload_status": ((2,), {}),
        "datasets.wait_for_bulk_upload": ((2,), {"timeout": 5, "policy": FAST}),
        "datasets.download": ((2,), {"to": str(tmp / "out")}),
        "datasets.images.upload": ((2, PNG), {"image_name": "a.png"}),
        "datasets.images.upload_many": ((2, [PNG]), {"concurrency": 1, "return_exceptions": False}),
        "datasets.images.list": ((2,), {}),
        "datasets.images.get": ((2, 3), {}),
        "datasets.images.update_caption": ((2, 3), {"caption": SCHEMA}),
        "datasets.images.delete": ((2, 3), {}),
        "models.create": ((), {"name": "m", "dataset_id": 2}),
        "models.list": ((1,), {}),
        "models.get": ((5,), {}),
        "models.update": ((5,), {"name": "m2"}),
        "models.delete": ((5,), {}),
        "models.start_training": ((5,), {"training_mode": "expert", "rank": 64}),
        "models.stop_training": ((5,), {}),
        "models.wait_for_training": ((5,), {"timeout": 5, "policy": FAST}),
        "models.download": ((5,), {"to": str(tmp / "out")}),
        "models.upload": ((), {"model_url": "https://files.example/m.safetensors", "project_id": 1}),
        "models.checkpoints.list": ((5,), {}),
        "models.checkpoints.get": ((5, 500), {}),
        "models.checkpoints.delete": ((5, 500), {}),
        "generate.image": ((5, "a fox"), {"seed": 7, "timeout": 5, "policy": FAST}),
        "generate.structured_prompt": ((5, "a fox"), {"timeout": 5, "policy": FAST}),
        "generate.video": ((5, "https://cdn.example/i.png"), {"timeout": 5, "policy": FAST}),
        "status.get": (("r1",), {}),
        "status.wait": (("r1",), {"timeout": 5, "policy": FAST}),
        "status.wait_all": (([Job("r1"), Job("r2")],), {"timeout": 5, "policy": FAST}),
        "save": ((str(source_file(tmp)), str(tmp / "saved")), {"seed": 3, "request_id": "r1"}),
        "train": ((str(images),), {"project": 1, "state": str(tmp / "state.json"), "timeout": 60}),
        "request": (("get-project",), {"path_params": {"project_id": 1}}),
        "batch.generate": (
            ([{"id": "a", "prompt": "a fox", "seed": 1}],),
            {"tailored_model_id": 5, "out": str(tmp / "batch"), "timeout": 5},
        ),
    }


def test_every_public_method_has_a_valid_call(client: TailoredClient, tmp_path: Path, images: Path) -> None:
    assert set(facade_methods(client)) == set(valid_calls(tmp_path, images))


# ----------------------------------------------------------------------------------- hostile values
IDS: list[Any] = [-1, 0, HUGE, 2**63, True, False, 1.5, 5.0, NAN, INF, "abc", "1 ", " 1", "", " ", "-1", "+1", "1.5",
       "٣", "²", "1" * 40, b"1", [1], object()]  # fmt: skip
TIMEOUTS: list[Any] = [NAN, INF, -INF, -1, -0.001, HUGE * 10**300, "10", "", True, [], object()]
FLAGS: list[Any] = [1, 0, "yes", "", "False", NAN, [], object()]
ENUMS: list[Any] = ["nope", "", " ", 1, True, NAN, object()]
NAMES: list[Any] = ["", " ", "\t\n", 1, True, NAN, b"x", ["a"], object(), "a\ud800"]
FREE_TEXT: list[Any] = [1, True, NAN, b"x", ["a"], object(), "a\ud800"]
JSON_TEXT: list[Any] = ["", " ", "{", "[]", "1", "null", "{'a': 1}", 1, True, {"a": 1}, object()]
REQUEST_IDS: list[Any] = ["", " ", "\n", "a b", " r1", "r1\n", ".", "..", "x" * 300, "r\x00", 1, True, b"r1",
               Job(""), Job(" "), Job("r1", kind=cast(Any, "music")), object()]  # fmt: skip
SOURCES: list[Any] = [1, True, "", " ", "http://", "https:// x", "/nonexistent/x.png", b"", b"not an image",
           object(), ["a.png"]]  # fmt: skip
SEQUENCES: list[Any] = ["abc", b"abc", 1, object(), {"a": 1}]
DESTINATIONS: list[Any] = [1, "", " ", b"out", object(), ["out"]]
WAIT_OPTIONS: dict[str, list[Any]] = {
    "timeout": TIMEOUTS,
    "on_progress": [1, "print", object()],
    "policy": ["fast", 1, {"min_interval": 1}, object()],
    "poll_policy": ["fast", 1, object()],
    "stats": ["x", 1, object()],
}

#: Bad values by parameter name (``"method:param"`` keys override a name for one method).
BAD: dict[str, list[Any]] = {
    **{
        name: IDS
        for name in ("project_id", "dataset_id", "image_id", "model_id", "step", "tailored_model_id")
    },
    **WAIT_OPTIONS,
    "seed": [HUGE, 2**63, -(2**63) - 1, True, 1.5, NAN, INF, "7", "", object()],
    "concurrency": [0, -1, 65, HUGE, True, 1.5, NAN, "8", object()],
    "max_images": [0, 201, -1, HUGE, True, 1.5, NAN, "5", object()],
    **{
        name: FLAGS
        for name in (
            "wait",
            "sync",
            "increase_resolution",
            "return_exceptions",
            "keep_staged",
            "regenerate",
            "content_moderation",
            "prompt_content_moderation",
            "visual_output_content_moderation",
            "include_models",
            "include_models_ids",
            "include_training_parameters",
        )
    },  # fmt: skip
    **{
        name: ENUMS
        for name in ("ip_medium", "ip_type", "upload_type", "status", "training_mode", "aspect_ratio")
    },
    **{
        name: NAMES
        for name in (
            "project_name",
            "ip_name",
            "ip_description",
            "name",
            "image_name",
            "model_name",
            "instruction",
            "prompt",
            "via",
            "key",
        )
    },  # fmt: skip
    **{name: FREE_TEXT for name in ("project_description", "description", "negative_prompt")},
    **{name: JSON_TEXT for name in ("structured_prompt", "caption", "visual_schema")},
    "guidance_scale": [2, 6, HUGE, True, 4.5, NAN, "4", object()],
    "steps_num": [19, 51, HUGE, True, 30.5, NAN, "30", object()],
    "tailored_model_influence": [-0.1, 1.6, NAN, INF, True, "1", object()],
    "source": SOURCES,
    "image": [*SOURCES, ImageResult(image_url=""), ImageResult(image_url="http://")],
    **{name: SEQUENCES for name in ("sources", "images", "jobs", "context_images")},
    "generate_visual_schema:images": [*SEQUENCES, [PNG] * 4, [PNG] * 11, [PNG] * 4 + [""], [1] * 5],
    "status.wait_all:jobs": [*SEQUENCES, [""], [" "], [1], [None], [Job("")]],
    "request_id": REQUEST_IDS,
    "job_or_request_id": REQUEST_IDS,
    "zip_url": [
        "",
        " ",
        "http://",
        "https://",
        "archive.zip",
        "nosuch://x/a.zip",
        "http://x:99999/a.zip",
        1,
        object(),
    ],  # fmt: skip
    "model_url": ["", " ", "http://", "m.safetensors", "nosuch://x/m.safetensors", 1, object()],
    "project_parameters": [1, "x", ["a"], {"ip_type": "nope"}, {"project_name": 1}, object()],
    "to": DESTINATIONS,
    "result_or_url": [1, True, "", " ", object(), StructuredPromptResult("{}"), b"http://x/y.png"],
    "save:model_id": IDS,
    "save:prompt": [1, True, b"x", object()],
    "save:structured_prompt": [1, True, b"x", object()],
    "created_at": ["2024-01-01", 1, object()],
    "operation_id": ["", " ", "launch-rockets", 1, True, object()],
    "path_params": [
        1,
        "x",
        {"project_id": -1},
        {"project_id": "abc"},
        {"project_id": HUGE},
        {"nope": 1},
        {},
        {1: 1},
    ],  # fmt: skip
    "query": [1, "x", {"nope": 1}],
    "json": [1, {"a": 1}, object()],
    "train:source": [1, True, b"x", "", object(), ["a"]],
    "project": [-1, 0, HUGE, True, 1.5, NAN, "", " ", "1 ", "٣", object()],
}

#: Bad keyword options for ``**options``-style parameters, by method.
BAD_KEYWORDS: dict[str, list[dict[str, Any]]] = {
    "train": [
        *({"timeout": v} for v in TIMEOUTS),
        *({"concurrency": v} for v in BAD["concurrency"]),
        *({"poll_policy": v} for v in WAIT_OPTIONS["poll_policy"]),
        *({"on_progress": v} for v in WAIT_OPTIONS["on_progress"]),
        {"nope": 1},
        {"training_mode": "turbo"},
        {"training_mode": "expert", "rank": 2},
        {"rank": 64},  # expert parameters need training_mode="expert"
        {"training_mode": "expert", "learning_rate": NAN},
        {"ip_type": "nope"},
        {"ip_medium": 1},
        {"dataset_name": ""},
        {"model_name": " "},
        {"model_description": 1},
        {"refine": 1},
        {"refine": [""]},
        {"state": 1},
        {"via": ""},
        {"upload_type": "huge"},
        {"wait_lock": "yes"},
    ],
    "models.start_training": [
        {"rank": 2},
        {"rank": HUGE},
        {"rank": True},
        {"rank": NAN},
        {"learning_rate": NAN},
        {"learning_rate": INF},
        {"learning_rate": "0.001"},
        {"total_training_steps": 0},
        {"lr_scheduler": "exponential"},
        {"epochs": 3},
    ],
}


def bad_values(method: str, param: inspect.Parameter) -> list[Any]:
    """The hostile values for one parameter: by ``method:param``, then by name; None where not allowed."""
    short = method.rsplit(".", 1)[-1]
    values = BAD.get(f"{method}:{param.name}") or BAD.get(f"{short}:{param.name}") or BAD.get(param.name)
    if values is None:
        values = [object()]  # a parameter this table does not know yet: at least a wrong type
    annotation = str(param.annotation)
    if "None" not in annotation and "object" not in annotation and None not in values:
        values = [*values, None]
    return list(values)


def hostile_calls(
    methods: dict[str, Callable[..., Any]], valid: dict[str, Args]
) -> Iterator[tuple[str, str, Any, Callable[[], Any]]]:
    """``(method, parameter, value, call)`` for every hostile value of every parameter of every method."""
    for method, fn in sorted(methods.items()):
        args, kwargs = valid[method]
        signature = inspect.signature(fn)
        for param in signature.parameters.values():
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                continue
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                for extra in BAD_KEYWORDS.get(method, []):
                    yield method, f"**{param.name}", extra, _call(fn, args, {**kwargs, **extra})
                continue
            for value in bad_values(method, param):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                bound.arguments[param.name] = value
                yield method, param.name, value, _call(fn, bound.args, bound.kwargs)


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Any]:
    return lambda: fn(*args, **kwargs)


# ----------------------------------------------------------------------------------------- the tests
def test_each_valid_call_passes_validation(
    client: TailoredClient, recorder: Recorder, tmp_path: Path, images: Path
) -> None:
    """The baseline: each valid call reaches the network, so a hostile variant that sends nothing was
    refused because of the one value that changed."""
    methods, valid = facade_methods(client), valid_calls(tmp_path, images)
    for method, fn in sorted(methods.items()):
        args, kwargs = valid[method]
        recorder.requests.clear()
        try:
            fn(*args, **kwargs)
        except (errors.ValidationError, TypeError) as exc:
            raise AssertionError(f"the valid call of {method} was refused: {exc!r}") from exc
        except Exception:
            pass  # the test transport's 418
        if method != "save":  # save downloads with its own plain HTTP client, never the API's
            assert recorder.requests, f"the valid call of {method} sent nothing"


def test_no_bad_argument_reaches_the_network(
    client: TailoredClient, recorder: Recorder, tmp_path: Path, images: Path
) -> None:
    methods, valid = facade_methods(client), valid_calls(tmp_path, images)
    failures: list[str] = []
    count = 0
    for method, param, value, call in hostile_calls(methods, valid):
        count += 1
        recorder.requests.clear()
        try:
            call()
        except (errors.ValidationError, TypeError):
            pass
        except Exception as exc:  # noqa: BLE001 (any other outcome is the failure being looked for)
            failures.append(f"{method}({param}={value!r}) raised {type(exc).__name__}: {exc}"[:300])
        else:
            failures.append(f"{method}({param}={value!r}) was accepted")
        if recorder.requests:
            sent = ", ".join(f"{r.method} {r.url.path}" for r in recorder.requests)
            failures.append(f"{method}({param}={value!r}) sent {sent}"[:300])
    assert count > 1000
    assert not failures, "\n".join(failures)


def test_bad_values_raise_validation_error_naming_the_field(
    client: TailoredClient, recorder: Recorder, tmp_path: Path, images: Path
) -> None:
    """Stricter than the property above: a bad value is a ValidationError (never a raw TypeError,
    ValueError, AttributeError or OverflowError from inside the SDK)."""
    methods, valid = facade_methods(client), valid_calls(tmp_path, images)
    raw: list[str] = []
    for method, param, value, call in hostile_calls(methods, valid):
        try:
            call()
        except errors.ValidationError:
            pass
        except Exception as exc:  # noqa: BLE001
            raw.append(f"{method}({param}={value!r}): {type(exc).__name__}: {exc}"[:300])
    assert not raw, "\n".join(raw)


# ---------------------------------------------------------------------------- properties (hypothesis)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
)


def _outcome(recorder: Recorder, call: Callable[[], Any]) -> str:
    recorder.requests.clear()
    try:
        call()
    except errors.ValidationError:
        assert recorder.requests == [], "a request was sent before ValidationError"
        return "invalid"
    except errors.APIStatusError:
        pass
    assert len(recorder.requests) == 1, recorder.requests
    return "sent"


@PROPERTY
@given(timeout=anything)
def test_generate_checks_timeout_before_the_billed_post(
    client: TailoredClient, recorder: Recorder, timeout: Any
) -> None:
    ok = timeout is None or (
        isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and 0 <= timeout < math.inf
    )
    result = _outcome(recorder, lambda: client.generate.image(5, "a fox", timeout=timeout))
    assert result == ("sent" if ok else "invalid")


@PROPERTY
@given(model_id=anything, step=anything)
def test_ids_are_positive_int64(client: TailoredClient, recorder: Recorder, model_id: Any, step: Any) -> None:
    def is_id(value: Any) -> bool:
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**63

    result = _outcome(recorder, lambda: client.models.checkpoints.get(model_id, step))
    assert result == ("sent" if is_id(model_id) and is_id(step) else "invalid")


@PROPERTY
@given(seed=anything)
def test_seed_fits_the_spec_integer(client: TailoredClient, recorder: Recorder, seed: Any) -> None:
    ok = seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and -(2**63) <= seed < 2**63)
    result = _outcome(recorder, lambda: client.generate.structured_prompt(5, "a fox", seed=seed, wait=False))
    assert result == ("sent" if ok else "invalid")


# ------------------------------------------------------------------------------------- named cases
@pytest.mark.parametrize("timeout", [-1, NAN, INF, "10", True])
def test_generate_with_a_bad_timeout_sends_nothing(
    client: TailoredClient, recorder: Recorder, timeout: Any
) -> None:
    for call in (
        lambda: client.generate.image(5, "a fox", timeout=timeout),
        lambda: client.generate.structured_prompt(5, "a fox", timeout=timeout),
        lambda: client.generate.video(5, "https://cdn.example/i.png", timeout=timeout),
        lambda: client.generate.image(5, "a fox", wait=False, timeout=timeout),
    ):
        with pytest.raises(errors.ValidationError) as info:
            call()
        assert info.value.field == "timeout"
    assert recorder.requests == []


@pytest.mark.parametrize(
    "kwargs,field",
    [({"policy": "fast"}, "policy"), ({"on_progress": 1}, "on_progress"), ({"seed": 10**100}, "seed")],
)
def test_generate_checks_the_wait_before_the_submit(
    client: TailoredClient, recorder: Recorder, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.ValidationError) as info:
        client.generate.image(5, "a fox", **kwargs)
    assert info.value.field == field
    assert recorder.requests == []


@pytest.mark.parametrize("timeout", [-1, NAN, INF, "10"])
def test_train_with_a_bad_timeout_creates_nothing(
    client: TailoredClient, recorder: Recorder, images: Path, tmp_path: Path, timeout: Any
) -> None:
    state = tmp_path / "state.json"
    with pytest.raises(errors.ValidationError) as info:
        client.train(str(images), project="New", ip_type="icons", ip_medium="illustration",
                     state=str(state), timeout=timeout)  # fmt: skip
    assert info.value.field == "timeout"
    assert recorder.requests == []
    assert not state.exists()


@pytest.mark.parametrize("request_id", ["", " ", "\t"])
def test_empty_request_ids_are_refused(client: TailoredClient, recorder: Recorder, request_id: str) -> None:
    with pytest.raises(errors.ValidationError):
        client.status.get(request_id)
    with pytest.raises(errors.ValidationError):
        client.status.wait(request_id)
    with pytest.raises(errors.ValidationError):
        client.status.wait(Job(request_id))
    assert recorder.requests == []


@pytest.mark.parametrize("value", [-1, 0, "abc", "1 ", HUGE, True, 1.5])
def test_bad_ids_are_refused_everywhere(client: TailoredClient, recorder: Recorder, value: Any) -> None:
    calls: list[Callable[[], object]] = [
        lambda: client.projects.get(value),
        lambda: client.datasets.images.get(1, value),
        lambda: client.models.checkpoints.delete(1, value),
        lambda: client.generate.image(value, "a fox"),
        lambda: client.request("get-model", path_params={"model_id": value}),
    ]
    for call in calls:
        with pytest.raises(errors.ValidationError):
            call()
    assert recorder.requests == []


# ------------------------------------------------------------------------------------ client options
@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"base_url": "engine.prod.bria-api.com"}, "base_url"),
        ({"base_url": "http://"}, "base_url"),
        ({"base_url": "ftp://files.example"}, "base_url"),
        ({"base_url": "https://api.test:99999"}, "base_url"),
        ({"base_url": "https://api.test/?x=1"}, "base_url"),
        ({"base_url": ""}, "base_url"),
        ({"base_url": " "}, "base_url"),
        ({"base_url": 1}, "base_url"),
        ({"timeout": NAN}, "timeout"),
        ({"timeout": INF}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"timeout": httpx.Timeout(NAN)}, "timeout.connect"),
        ({"timeout": httpx.Timeout(5.0, read=-1)}, "timeout.read"),
        ({"requests_per_minute": NAN}, "requests_per_minute"),
        ({"requests_per_minute": INF}, "requests_per_minute"),
        ({"requests_per_minute": -5}, "requests_per_minute"),
        ({"requests_per_minute": True}, "requests_per_minute"),
        ({"requests_per_minute": HUGE * 10**300}, "requests_per_minute"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retries": 2.0}, "max_retries"),
        ({"max_retries": NAN}, "max_retries"),
    ],
)
def test_client_options_are_checked(kwargs: dict[str, Any], field: str) -> None:
    for cls in (TailoredClient, AsyncTailoredClient):
        with pytest.raises(errors.ValidationError) as info:
            cls("tok", **kwargs)
        assert info.value.field == field


def test_bad_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIA_BASE_URL", "localhost:8787")
    with pytest.raises(errors.ValidationError):
        TailoredClient("tok")


def test_with_options_is_checked_too(client: TailoredClient) -> None:
    with pytest.raises(errors.ValidationError):
        client.with_options(timeout=NAN)
    with pytest.raises(errors.ValidationError):
        client.with_options(max_retries=-1)


# ---------------------------------------------------------------------------------------- async client
async def test_async_client_validates_at_await_and_sends_nothing(tmp_path: Path, images: Path) -> None:
    recorder = Recorder()
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncTailoredClient(
        "tok", base_url="https://api.test", http_client=http, max_retries=0
    ) as typed:
        client: Any = typed  # the calls below break the annotations on purpose
        calls: list[Callable[[], Any]] = [
            lambda: client.generate.image(5, "a fox", timeout=-1),
            lambda: client.generate.video(5, "https://cdn.example/i.png", timeout=NAN),
            lambda: client.generate.structured_prompt(5, "a fox", policy="fast"),
            lambda: client.status.get(""),
            lambda: client.status.wait(" "),
            lambda: client.status.wait_all([Job("r1")], stats="x"),
            lambda: client.projects.get(-1),
            lambda: client.datasets.images.upload(2, PNG, increase_resolution="yes"),
            lambda: client.datasets.images.upload_many(2, [PNG], concurrency=0),
            lambda: client.datasets.bulk_upload(2, zip_url="http://", wait=False),
            lambda: client.models.wait_for_training(10**100),
            lambda: client.models.download(5, to=1),
            lambda: client.request("get-project", path_params={"project_id": "1 "}),
            lambda: client.save(1, str(tmp_path / "out")),
            lambda: client.train(str(images), project=1, state=str(tmp_path / "s.json"), timeout=-1),
        ]
        for call in calls:
            coroutine = call()  # nothing runs (or raises) until it is awaited
            assert inspect.iscoroutine(coroutine)
            with pytest.raises(errors.ValidationError):
                await coroutine
    await http.aclose()
    assert recorder.requests == []


async def test_async_client_refuses_the_whole_table(tmp_path: Path, images: Path) -> None:
    """The first two hostile values of every parameter of every method, through the async facade."""
    recorder = Recorder()
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncTailoredClient(
        "tok", base_url="https://api.test", http_client=http, max_retries=0
    ) as client:
        with TailoredClient("tok", base_url="https://api.test") as sync_client:
            sync_names = set(facade_methods(sync_client))
        methods: dict[str, Callable[..., Any]] = {}
        for name in sync_names:
            target: Any = client
            for part in name.split("."):
                target = getattr(target, part)
            methods[name] = target
        seen: dict[tuple[str, str], int] = {}
        failures: list[str] = []
        for method, param, value, call in hostile_calls(methods, valid_calls(tmp_path, images)):
            if seen.setdefault((method, param), 0) >= 2:
                continue
            seen[(method, param)] += 1
            try:
                await call()
            except (errors.ValidationError, TypeError):
                pass
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{method}({param}={value!r}): {type(exc).__name__}: {exc}"[:300])
            else:
                failures.append(f"{method}({param}={value!r}) was accepted")
    await http.aclose()
    assert not failures, "\n".join(failures)
    assert recorder.requests == []
