"""Property-based tests of the request validators, through the facade.

For generated arguments to facade methods, a call either goes through (exactly one request, answered
here with a canned response) or raises :class:`ValidationError` before anything is sent; never another
exception. Where the spec makes a value plainly invalid (an id that is not a positive integer, a value
outside an enum or a range, a JSON-string field that is not a JSON object), ``ValidationError`` is
required. The client's transport is an in-memory recorder: nothing leaves the process.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bria_tailored import TailoredClient
from bria_tailored.errors import ResponseFormatError, ValidationError
from bria_tailored.validation import _resolve, component  # pyright: ignore[reportPrivateUsage]

SETTINGS = settings(
    max_examples=int(os.environ.get("BRIA_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class Recorder:
    """An httpx handler that records requests and answers them with minimal valid bodies."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.content:
            json.loads(request.content)  # what we send is strict JSON (no NaN or Infinity)
        if request.method == "POST" and path.startswith("/v2/"):
            return httpx.Response(
                202, json={"request_id": "r-1", "status_url": "http://x.invalid/v2/status/r-1"}
            )
        if request.method == "POST" and path.rsplit("/", 1)[-1] in ("projects", "datasets", "models"):
            return httpx.Response(201, json={"id": 1})
        if request.method == "GET" and path.endswith(("/projects", "/datasets", "/models")):
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"id": 1})


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def client(recorder: Recorder) -> Iterator[TailoredClient]:
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    with TailoredClient("tok", base_url="http://127.0.0.1:9", http_client=http, max_retries=0) as c:
        yield c
    http.close()


def outcome(recorder: Recorder, call: Callable[[], Any]) -> str:
    """``"valid"`` (exactly one request went out) or ``"invalid"`` (ValidationError, no request).

    The canned answers are minimal bodies, not full models: a ``ResponseFormatError`` after the one request
    still means the arguments passed validation.
    """
    recorder.requests.clear()
    try:
        call()
    except ValidationError:
        assert recorder.requests == [], "a request was sent before ValidationError"
        return "invalid"
    except ResponseFormatError:
        pass
    assert len(recorder.requests) == 1, recorder.requests
    return "valid"


# ------------------------------------------------------------------------------------------ strategies
def prop(schema: str, field: str) -> dict[str, Any]:
    """A property of a request schema in the repaired spec, with ``$ref``/``allOf`` resolved."""
    return _resolve(component(schema)["properties"][field])


def enum_of(schema: str, field: str) -> list[str]:
    return list(prop(schema, field)["enum"])


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # NaN is left out here: it is a known gap, tested on its own below (test_unencodable_values_...).
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
texts = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", "\t\n", "ok", "é 漢字", "a\x00b"]))
json_objects = st.dictionaries(
    st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=3
).map(json.dumps)
json_strings = st.one_of(
    json_objects, st.sampled_from(["[]", "1", '"s"', "{", "null", "{'a': 1}", ""]), texts
)
ids = st.one_of(
    st.integers(min_value=-3, max_value=2**63),
    st.sampled_from(["1", "42", "007", "0", "-1", "1.5", " 3", "٣", "abc", ""]),
    junk,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def choice_or_junk(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), texts, junk)


def number_in(schema: str, field: str, kind: str) -> st.SearchStrategy[Any]:
    spec = prop(schema, field)
    lo, hi = spec.get("minimum", -(10**6)), spec.get("maximum", 10**6)
    inside: st.SearchStrategy[Any] = (
        st.integers(min_value=int(lo), max_value=int(hi)) if kind == "integer" else st.floats(lo, hi)
    )
    edges = st.sampled_from([lo, hi, lo - 1, hi + 1, -0.0, math.inf, -math.inf])
    return st.one_of(inside, edges, st.integers(min_value=-(10**7), max_value=10**7), junk)


def is_id(value: Any) -> bool:
    """The id rule of ``validation.check_id``: 1 to 2**63-1, as an int or a string of ASCII digits."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**63


def in_range(schema: str, field: str, value: Any, kind: str) -> bool:
    spec = prop(schema, field)
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind == "number" else int):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return bool(spec.get("minimum", -math.inf) <= value <= spec.get("maximum", math.inf))


def is_json_object(value: Any) -> bool:
    try:
        return isinstance(value, str) and isinstance(json.loads(value), dict)
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------- tests
IP_MEDIUM = enum_of("ProjectCreate", "ip_medium")
IP_TYPE = enum_of("ProjectCreate", "ip_type")


@SETTINGS
@given(
    project_name=st.one_of(texts, junk),
    ip_medium=choice_or_junk(IP_MEDIUM),
    ip_type=choice_or_junk(IP_TYPE),
    project_description=maybe(st.one_of(texts, junk)),
    ip_name=maybe(texts),
    ip_description=maybe(st.one_of(texts, junk)),
)
def test_projects_create(recorder: Recorder, client: TailoredClient, **kwargs: Any) -> None:
    result = outcome(recorder, lambda: client.projects.create(**kwargs))
    if kwargs["ip_medium"] not in IP_MEDIUM or kwargs["ip_type"] not in IP_TYPE:
        assert result == "invalid"
    if not isinstance(kwargs["project_name"], str) or not kwargs["project_name"].strip():
        assert result == "invalid"


@SETTINGS
@given(
    project_id=ids,
    project_name=maybe(st.one_of(texts, junk)),
    ip_name=maybe(texts),
    ip_description=maybe(texts),
)
def test_projects_get_and_update(
    recorder: Recorder, client: TailoredClient, project_id: Any, **kwargs: Any
) -> None:
    got = outcome(recorder, lambda: client.projects.get(project_id))
    assert got == ("valid" if is_id(project_id) else "invalid")
    updated = outcome(recorder, lambda: client.projects.update(project_id, **kwargs))
    if not is_id(project_id) or all(v is None for v in kwargs.values()):
        assert updated == "invalid"


ASPECT_RATIOS = enum_of("ImageGenerationRequest", "aspect_ratio")


@SETTINGS
@given(
    model_id=st.one_of(st.integers(min_value=-2, max_value=10**6), texts, junk),
    prompt=maybe(st.one_of(texts, junk)),
    structured_prompt=maybe(json_strings),
    negative_prompt=maybe(st.one_of(texts, junk)),
    seed=maybe(st.one_of(st.integers(min_value=-(2**40), max_value=2**40), junk)),
    aspect_ratio=maybe(choice_or_junk(ASPECT_RATIOS)),
    guidance_scale=maybe(number_in("ImageGenerationRequest", "guidance_scale", "integer")),
    steps_num=maybe(number_in("ImageGenerationRequest", "steps_num", "integer")),
    tailored_model_influence=maybe(number_in("ImageGenerationRequest", "tailored_model_influence", "number")),
    prompt_content_moderation=maybe(st.one_of(st.booleans(), junk)),
)
def test_generate_image(recorder: Recorder, client: TailoredClient, model_id: Any, **kwargs: Any) -> None:
    result = outcome(recorder, lambda: client.generate.image(model_id, wait=False, **kwargs))
    if kwargs["aspect_ratio"] is not None and kwargs["aspect_ratio"] not in ASPECT_RATIOS:
        assert result == "invalid"
    for field in ("guidance_scale", "steps_num"):
        if kwargs[field] is not None and not in_range(
            "ImageGenerationRequest", field, kwargs[field], "integer"
        ):
            assert result == "invalid"
    influence = kwargs["tailored_model_influence"]
    if influence is not None and not in_range(
        "ImageGenerationRequest", "tailored_model_influence", influence, "number"
    ):
        assert result == "invalid"
    if kwargs["structured_prompt"] is not None and not is_json_object(kwargs["structured_prompt"]):
        assert result == "invalid"
    if kwargs["prompt"] is None and kwargs["structured_prompt"] is None:
        assert result == "invalid"


@SETTINGS
@given(
    model_id=st.one_of(st.integers(min_value=-2, max_value=10**6), texts, junk),
    prompt=maybe(st.one_of(texts, junk)),
    structured_prompt=maybe(json_strings),
    seed=maybe(st.one_of(st.integers(), junk)),
)
def test_generate_structured_prompt(
    recorder: Recorder, client: TailoredClient, model_id: Any, **kwargs: Any
) -> None:
    result = outcome(recorder, lambda: client.generate.structured_prompt(model_id, wait=False, **kwargs))
    if kwargs["structured_prompt"] is not None and not is_json_object(kwargs["structured_prompt"]):
        assert result == "invalid"


TRAINING_FIELDS = {
    "rank": "integer",
    "learning_rate": "number",
    "total_training_steps": "integer",
    "checkpoint_interval": "integer",
    "lr_warmup_steps": "integer",
}
LR_SCHEDULERS = enum_of("TrainingRequest", "lr_scheduler")
expert_params = st.fixed_dictionaries(
    {},
    optional={
        **{name: number_in("TrainingRequest", name, kind) for name, kind in TRAINING_FIELDS.items()},
        "lr_scheduler": choice_or_junk(LR_SCHEDULERS),
        "epochs": st.integers(),  # not a training parameter
    },
)


@SETTINGS
@given(
    model_id=ids,
    training_mode=maybe(choice_or_junk(["fully_automated", "expert"])),
    params=expert_params,
)
def test_models_start_training(
    recorder: Recorder, client: TailoredClient, model_id: Any, training_mode: Any, params: dict[str, Any]
) -> None:
    result = outcome(
        recorder, lambda: client.models.start_training(model_id, training_mode=training_mode, **params)
    )
    if not is_id(model_id) or "epochs" in params:
        assert result == "invalid"
    for name, kind in TRAINING_FIELDS.items():
        if (
            name in params
            and params[name] is not None
            and not in_range("TrainingRequest", name, params[name], kind)
        ):
            assert result == "invalid"
    if params.get("lr_scheduler") is not None and params["lr_scheduler"] not in LR_SCHEDULERS:
        assert result == "invalid"


@SETTINGS
@given(
    name=st.one_of(texts, junk),
    dataset_id=ids,
    training_mode=maybe(choice_or_junk(["fully_automated", "expert"])),
    description=maybe(st.one_of(texts, junk)),
)
def test_models_create(recorder: Recorder, client: TailoredClient, **kwargs: Any) -> None:
    result = outcome(recorder, lambda: client.models.create(**kwargs))
    if not is_id(kwargs["dataset_id"]):
        assert result == "invalid"


@SETTINGS
@given(
    dataset_id=ids, max_images=maybe(st.one_of(st.integers(-5, 400), st.sampled_from([0, 1, 200, 201]), junk))
)
def test_datasets_get_max_images(
    recorder: Recorder, client: TailoredClient, dataset_id: Any, max_images: Any
) -> None:
    result = outcome(recorder, lambda: client.datasets.get(dataset_id, max_images=max_images))
    valid_max = max_images is None or (
        isinstance(max_images, int) and not isinstance(max_images, bool) and 1 <= max_images <= 200
    )
    assert result == ("valid" if is_id(dataset_id) and valid_max else "invalid")


@SETTINGS
@given(
    project_id=ids,
    name=st.one_of(texts, junk),
    upload_type=maybe(choice_or_junk(["basic", "advanced"])),
    include_models=maybe(st.one_of(st.booleans(), junk)),
)
def test_datasets_create_and_list(
    recorder: Recorder,
    client: TailoredClient,
    project_id: Any,
    name: Any,
    upload_type: Any,
    include_models: Any,
) -> None:
    created = outcome(
        recorder, lambda: client.datasets.create(project_id=project_id, name=name, upload_type=upload_type)
    )
    if not is_id(project_id) or (upload_type is not None and upload_type not in ("basic", "advanced")):
        assert created == "invalid"
    outcome(recorder, lambda: client.datasets.list(project_id, include_models=include_models))


@SETTINGS
@given(
    dataset_id=ids,
    name=maybe(st.one_of(texts, junk)),
    visual_schema=maybe(json_strings),
    status=maybe(choice_or_junk(["draft", "completed"])),
)
def test_datasets_update(recorder: Recorder, client: TailoredClient, dataset_id: Any, **kwargs: Any) -> None:
    result = outcome(recorder, lambda: client.datasets.update(dataset_id, **kwargs))
    if kwargs["visual_schema"] is not None and not is_json_object(kwargs["visual_schema"]):
        assert result == "invalid"
    if kwargs["status"] is not None and kwargs["status"] not in ("draft", "completed"):
        assert result == "invalid"


@SETTINGS
@given(dataset_id=ids, image_id=ids, caption=maybe(json_strings), regenerate=st.one_of(st.booleans(), junk))
def test_images_update_caption(
    recorder: Recorder, client: TailoredClient, dataset_id: Any, image_id: Any, caption: Any, regenerate: Any
) -> None:
    result = outcome(
        recorder,
        lambda: client.datasets.images.update_caption(
            dataset_id, image_id, caption=caption, regenerate=regenerate
        ),
    )
    if not (is_id(dataset_id) and is_id(image_id)):
        assert result == "invalid"
    if caption is not None and (regenerate or not is_json_object(caption)):
        assert result == "invalid"
    if caption is None and not regenerate:
        assert result == "invalid"


# ------------------------------------------------------------------------------ unencodable values
# No JSON request can carry NaN/Infinity or lone surrogates: the validators must reject them rather
# than let httpx fail while encoding the body.
UNENCODABLE: dict[str, Callable[[TailoredClient], Any]] = {
    "nan-influence": lambda c: c.generate.image(1, "a fox", tailored_model_influence=math.nan, wait=False),
    "nan-learning-rate": lambda c: c.models.start_training(1, learning_rate=math.nan),
    "surrogate-name": lambda c: c.projects.create(
        project_name="a\ud800", ip_medium="illustration", ip_type="icons"
    ),
    "surrogate-prompt": lambda c: c.generate.image(1, "a \udcff fox", wait=False),
}


@pytest.mark.parametrize("call", list(UNENCODABLE.values()), ids=list(UNENCODABLE))
def test_unencodable_values_are_rejected_before_sending(
    recorder: Recorder, client: TailoredClient, call: Callable[[TailoredClient], Any]
) -> None:
    assert outcome(recorder, lambda: call(client)) == "invalid"
