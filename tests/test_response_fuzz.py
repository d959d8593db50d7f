"""Every failure is a ``BriaError``: hostile responses fed to every public method of both clients.

A property test answers every request of every public method of ``TailoredClient`` (enumerated from the
generated facade classes, so a new method fails :func:`test_every_public_method_has_a_call` until it gets
a row in :data:`CALLS`) with responses drawn by hypothesis: any status code (2xx including 204/206/299,
3xx with and without ``Location``, 4xx, 5xx), bodies that are not JSON, empty, JSON of the wrong type,
objects with fields missing or of the wrong type, huge strings, deeply nested JSON, status bodies that say
``COMPLETED`` without a result, ``error`` as a string, unknown statuses. Once the drawn script is used up,
the mock answers like the API would (so a flow can go past a bad answer and meet the next one), and after
:data:`CAP` requests it answers 503 (so no wait can spin forever).

Only ``errors.BriaError`` may escape; an ``APIStatusError`` (``ResponseFormatError`` included) names the
request it is about (method and path) and stays short; no message carries the token. The async client
runs a sample of the methods the same way. Explicit regression tests pin the cases of issue 13.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import io
import itertools
import json
import re
import tempfile
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from PIL import Image

from bria_tailored import AsyncTailoredClient, TailoredClient, _async_facade, _sync_facade, errors
from bria_tailored._operation import Operation
from bria_tailored._operations import OPERATIONS
from bria_tailored.polling import PollPolicy
from bria_tailored.storage import download as download_module
from bria_tailored.types import ImageResult, Job, UploadFailure

BASE = "https://api.bria.test"
FILES = "https://files.bria.test"
TOKEN = "tok-FUZZ-s3cr3t-9f8e7d"
STATUS_URL = f"{BASE}/v2/status/req-1"
#: Requests answered from the script or like the API; then 503 (bounds every wait and every workflow).
CAP = 40
#: ``timeout=`` of every waiter (sleeps are instant: a wait that never ends runs into the cap or this).
WAIT = 0.2
FAST = PollPolicy(0.01, 0.01)
NOW = "2024-05-01T12:00:00Z"


def _png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()

# --------------------------------------------------------------------------------- what the API says
PROJECT = {
    "id": 1,
    "project_name": "p",
    "status": "active",
    "created_at": NOW,
    "ip_medium": "illustration",
    "ip_type": "icons",
}
DATASET = {
    "id": 1,
    "project_id": 1,
    "name": "d",
    "status": "completed",
    "captions_update_status": "completed",
    "created_at": NOW,
    "updated_at": NOW,
    "upload_type": "basic",
    "visual_schema": "{}",
}
IMAGE = {
    "id": 2,
    "dataset_id": 1,
    "image_name": "a.png",
    "created_at": NOW,
    "updated_at": NOW,
    "caption": '{"a": 1}',
    "image_url": f"{FILES}/a.png",
}
MODEL = {
    "id": 1,
    "project_id": 1,
    "dataset_id": 1,
    "name": "m",
    "status": "Completed",
    "created_at": NOW,
    "training_mode": "fully_automated",
}
CHECKPOINT = {"checkpoint_step": 100, "created_at": NOW, "training_job_id": 1}
STATUS_DONE = {
    "request_id": "req-1",
    "status": "COMPLETED",
    "result": {
        "image_url": f"{FILES}/out.png",
        "video_url": f"{FILES}/out.mp4",
        "structured_prompt": '{"a": 1}',
        "seed": 7,
    },
}
MODELS: dict[str, object] = {
    "project:Project": PROJECT,
    "dataset:Dataset": DATASET,
    "dataset_image:DatasetImage": IMAGE,
    "model:Model": MODEL,
    "checkpoint:Checkpoint": CHECKPOINT,
    "checkpoint_list:CheckpointList": {"active_model_version": "100", "checkpoints": [CHECKPOINT]},
    "download_links:DownloadLinks": {"download_url": f"{FILES}/download.bin"},
    "bulk_upload_status:BulkUploadStatus": {
        "status": "completed",
        "progress_percentage": 100,
        "failed_images": [],
    },
    "status_response:StatusResponse": STATUS_DONE,
    "visual_schema_result:VisualSchemaResult": {"visual_schema": '{"style": "flat"}'},
    "structured_prompt_result:StructuredPromptResult": {"structured_prompt": '{"a": 1}'},
    "image_generation_result:ImageGenerationResult": {
        "image_url": f"{FILES}/out.png",
        "structured_prompt": "{}",
    },
    "accepted_job:AcceptedJob": {"request_id": "req-1", "status_url": STATUS_URL},
}


def _nodes_of(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """The path of every node of a JSON document, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _nodes_of(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _nodes_of(item, (*path, i))


def _route(op: Operation[Any]) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path)) + "$")


ROUTES = [(op, _route(op)) for op in OPERATIONS.values()]


def operation_of(request: httpx.Request) -> Operation[Any] | None:
    path = urllib.parse.unquote(request.url.path)
    for op, pattern in ROUTES:
        if op.method == request.method and pattern.match(path):
            return op
    return None


def documented(request: httpx.Request) -> tuple[int, object]:
    """What the API documents for this request: (status, JSON body or None for an empty body)."""
    if request.url.host != httpx.URL(BASE).host:
        return 200, None  # a file download (answered with bytes by ``file_response``)
    op = operation_of(request)
    if op is None:
        return 404, {"message": "no such route"}
    code = 202 if 202 in op.responses else min(op.responses)
    kind, target = op.responses[code]
    if kind == "empty":
        return code, None
    body = MODELS[target]
    return code, [body] if kind == "list" else body


class Streamed(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives like one from the network (not already read), for both kinds of client."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.content), 65536):
            yield self.content[i : i + 65536]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def respond(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    hdrs = {"content-length": str(len(content)), **(headers or {})}
    return httpx.Response(status, headers=hdrs, stream=Streamed(content))


def file_body(request: httpx.Request) -> tuple[bytes, dict[str, str]]:
    if request.url.path.endswith(".png"):
        return PNG, {"content-type": "image/png"}
    return b"\x00weights-or-zip\x00" * 4, {"content-type": "application/octet-stream"}


# ----------------------------------------------------------------------------- hostile answers
HUGE = "x" * 300_000
DEEP = 100_000
RAW_BODIES = [
    b"",
    b"not json",
    b"<html><body>502 Bad Gateway</body></html>",
    b"\xff\xfe\x00\x81 binary",
    b"{",
    b'{"id": }',
    b"null",
    b"true",
    b"0",
    b"-1.5e400",
    b"NaN",
    b"[]",
    b'"a string"',
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    json.dumps(HUGE).encode(),
    json.dumps({"message": HUGE, "status": HUGE, "request_id": HUGE}).encode(),
    json.dumps({"message": f"bad api_token {TOKEN}", "detail": TOKEN}).encode(),
]
STATUS_BODIES: list[object] = [
    {"status": "COMPLETED"},
    {"request_id": "req-1", "status": "COMPLETED"},
    {"request_id": "req-1", "status": "COMPLETED", "result": {}},
    {"request_id": "req-1", "status": "COMPLETED", "result": None},
    {"request_id": "req-1", "status": "COMPLETED", "result": "https://x/y.png"},
    {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": 5, "video_url": ["a"]}},
    {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": "", "seed": "1e999"}},
    {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": f"{FILES}/o.png", "seed": 1e400}},
    {
        "request_id": "req-1",
        "status": "COMPLETED",
        "result": {"structured_prompt": {"deep": [1, {"a": None}]}},
    },
    {"request_id": "req-1", "status": "ERROR", "error": "boom"},
    {"request_id": "req-1", "status": "ERROR", "error": ["boom"]},
    {"request_id": "req-1", "status": "ERROR", "error": 5},
    {"request_id": "req-1", "status": "ERROR", "error": {"message": {"nested": True}, "code": [1]}},
    {"request_id": "req-1", "status": "UNKNOWN"},
    {"request_id": "req-1", "status": "QUEUED_FOR_GPU"},
    {"request_id": "req-1", "status": None},
    {"request_id": "req-1", "status": 3},
    {"request_id": None, "status": "IN_PROGRESS"},
    {"status": "failed", "failed_images": "all of them"},
    {"status": "failed", "failed_images": [1, None, {"filename": 3}]},
    {"status": "Failed"},
    {"status": "Stopped"},
    {"status": "Trainingish", "id": 1, "name": "m", "project_id": 1, "created_at": NOW},
    {"captions_update_status": "in_progress"},
    {"request_id": 12345, "status_url": f"{BASE}/v2/status/12345"},
    {"request_id": "", "status_url": STATUS_URL},
    {"request_id": "req-1", "status_url": "https://evil.test/v2/status/req-1"},
    {"request_id": "req-1", "status_url": 7},
    {"status_url": STATUS_URL},
    {"result": {}},
    {"result": {"image_url": None}},
    {"download_url": None},
    {"download_url": "file:///etc/passwd"},
    {"download_url": 5},
    {"visual_schema": None},
    {"visual_schema": 5},
    {"structured_prompt": ["x"]},
]
STATUS_CODES = [
    200, 201, 202, 203, 204, 205, 206, 226, 299,
    300, 301, 302, 303, 304, 307, 308,
    400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 418, 422, 429, 499,
    500, 502, 503, 504, 599,
]  # fmt: skip
LOCATIONS = ["https://evil.test/steal", "/v1/tailored-gen/projects/2", "", "//evil.test/x", "ftp://x/y"]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "COMPLETED", "in_progress", "Completed", "2024-13-45T99:99:99", "not-a-date", NOW])
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
SPECIAL_VALUES: list[object] = [
    HUGE, float("inf"), float("-inf"), float("nan"), 1e308, 2**64, -(2**63), -1, 0, True, None, "", " ",
    "\x00", "1e999", "NaN", "{}", "[]", "not json", [], {}, [None], {"": None}, "ftp://x/y", "file:///etc/passwd",
    "https://evil.test/x", "javascript:alert(1)",
]  # fmt: skip
#: Every field name the documented bodies use (a mutation aims at one of these half of the time).
FIELDS = sorted(
    {str(path[-1]) for body in MODELS.values() for path in _nodes_of(body) if isinstance(path[-1], str)}
    | {"status", "error", "result", "failed_images", "images", "models", "model_ids", "training_parameters"}
)
hostile_values = st.sampled_from(SPECIAL_VALUES) | json_values


@dataclass(frozen=True)
class Mutation:
    """Drop, or replace, a node of the documented body: the ``target``-th in document order, or the
    first one named ``target`` (the whole body when it has no such field)."""

    target: int | str
    drop: bool
    value: object = None


@dataclass(frozen=True)
class Answer:
    """One drawn response: status (None: the documented one), headers, and how the body is made."""

    status: int | None
    headers: tuple[tuple[str, str], ...]
    kind: str  # "documented" | "mutated" | "raw" | "json" | "status"
    raw: bytes = b""
    value: object = None
    mutations: tuple[Mutation, ...] = ()

    def __repr__(self) -> str:  # falsifying examples stay readable (bodies can be megabytes)
        body = self.raw if self.kind == "raw" else self.value if self.kind != "mutated" else self.mutations
        shown = repr(body)
        shown = shown if len(shown) <= 160 else f"{shown[:120]}...<{len(shown)} chars>"
        return f"Answer({self.status}, {self.headers!r}, {self.kind}, {shown})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints examples with this
        printer.text(repr(self))


mutations = st.builds(Mutation, st.integers(0, 40) | st.sampled_from(FIELDS), st.booleans(), hostile_values)
headers = st.lists(
    st.tuples(st.just("location"), st.sampled_from(LOCATIONS))
    | st.tuples(
        st.just("retry-after"), st.sampled_from(["0", "-5", "abc", "1e9", "Wed, 21 Oct 2015 07:28:00 GMT"])
    )
    | st.tuples(st.just("content-type"), st.sampled_from(["application/json", "text/html", "image/png"])),
    max_size=2,
).map(tuple)
statuses = st.none() | st.sampled_from(STATUS_CODES)
answers = st.one_of(
    st.builds(Answer, statuses, headers, st.just("documented")),
    st.builds(
        Answer,
        statuses,
        headers,
        st.just("mutated"),
        mutations=st.lists(mutations, min_size=1, max_size=3).map(tuple),
    ),
    st.builds(
        Answer, statuses, headers, st.just("raw"), raw=st.sampled_from(RAW_BODIES) | st.binary(max_size=24)
    ),
    st.builds(Answer, statuses, headers, st.just("json"), value=json_values),
    st.builds(Answer, statuses, headers, st.just("status"), value=st.sampled_from(STATUS_BODIES)),
)
scripts = st.lists(answers, min_size=1, max_size=5)


def mutate(body: object, changes: tuple[Mutation, ...]) -> object:
    body = json.loads(json.dumps(body))
    for change in changes:
        nodes = list(_nodes_of(body))
        if isinstance(change.target, str):
            nodes = [path for path in nodes if path[-1] == change.target]
        # A copy of the value each time: the same object inserted twice (or into itself) makes a cycle.
        value = copy.deepcopy(change.value)
        if not nodes:
            if isinstance(body, dict) and isinstance(change.target, str) and not change.drop:
                body[change.target] = value
                continue
            return value
        index = change.target if isinstance(change.target, int) else 0
        *parent_path, last = nodes[index % len(nodes)]
        parent: Any = body
        for step in parent_path:
            parent = parent[step]
        if change.drop:
            del parent[last]
        else:
            parent[last] = value
    return body


def render(answer: Answer, request: httpx.Request) -> httpx.Response:
    code, body = documented(request)
    status = answer.status if answer.status is not None else code
    hdrs = dict(answer.headers)
    if answer.kind == "documented":
        if body is None and request.url.host != httpx.URL(BASE).host:
            content, file_headers = file_body(request)
            return respond(status, content, {**file_headers, **hdrs})
        content = b"" if body is None else json.dumps(body).encode()
    elif answer.kind == "mutated":
        content = json.dumps(mutate(body if body is not None else {}, answer.mutations)).encode()
    elif answer.kind == "raw":
        content = answer.raw
    else:
        content = json.dumps(answer.value).encode()
    hdrs.setdefault("content-type", "application/json")
    return respond(status, content, hdrs)


@dataclass
class Server:
    """The mock behind both clients: the script first, then the documented answers, then 503s."""

    script: list[Answer]
    seen: list[tuple[str, str, str]] = field(default_factory=lambda: [])
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            n = len(self.seen)
            self.seen.append((request.method, request.url.host, urllib.parse.unquote(request.url.path)))
        if n >= CAP:
            return respond(503, b'{"message": "the fuzz server has had enough"}')
        if n < len(self.script):
            return render(self.script[n], request)
        if request.url.host != httpx.URL(BASE).host:
            return respond(200, *file_body(request))
        code, body = documented(request)
        return respond(code, b"" if body is None else json.dumps(body).encode())

    def names(self) -> set[str]:
        return {f"{method} {path}" for method, _, path in self.seen}


# ---------------------------------------------------------------------------------- one call each
@dataclass(frozen=True)
class Ctx:
    tmp: Path
    images: Path
    run: int


CallFn = Callable[[Any, Ctx], Any]
URLS = [f"{FILES}/img-{i}.png" for i in range(5)]

#: One valid call of each public method (``Class.method`` of the generated sync facade). The same lambdas
#: serve the async client (they then return coroutines).
CALLS: dict[str, CallFn] = {
    "Projects.create": lambda c, x: c.projects.create(
        project_name="p", ip_medium="illustration", ip_type="icons"
    ),
    "Projects.list": lambda c, x: c.projects.list(),
    "Projects.get": lambda c, x: c.projects.get(1),
    "Projects.update": lambda c, x: c.projects.update(1, project_name="q"),
    "Projects.delete": lambda c, x: c.projects.delete(1),
    "Images.upload": lambda c, x: c.datasets.images.upload(1, URLS[0]),
    "Images.upload_many": lambda c, x: c.datasets.images.upload_many(1, URLS[:3], concurrency=2),
    "Images.list": lambda c, x: c.datasets.images.list(1),
    "Images.get": lambda c, x: c.datasets.images.get(1, 2),
    "Images.update_caption": lambda c, x: c.datasets.images.update_caption(1, 2, caption='{"a": 1}'),
    "Images.delete": lambda c, x: c.datasets.images.delete(1, 2),
    "Datasets.create": lambda c, x: c.datasets.create(project_id=1, name="d"),
    "Datasets.list": lambda c, x: c.datasets.list(1, include_models=True),
    "Datasets.get": lambda c, x: c.datasets.get(1),
    "Datasets.update": lambda c, x: c.datasets.update(1, name="n"),
    "Datasets.complete": lambda c, x: c.datasets.complete(1),
    "Datasets.delete": lambda c, x: c.datasets.delete(1),
    "Datasets.clone": lambda c, x: c.datasets.clone(1, name="c"),
    "Datasets.generate_visual_schema": lambda c, x: c.datasets.generate_visual_schema(URLS),
    "Datasets.refine_structured_prompt": lambda c, x: c.datasets.refine_structured_prompt(
        1, structured_prompt='{"a": 1}', instruction="bluer"
    ),
    "Datasets.regenerate_captions": lambda c, x: c.datasets.regenerate_captions(1),
    "Datasets.wait_for_captions": lambda c, x: c.datasets.wait_for_captions(1, timeout=WAIT, policy=FAST),
    "Datasets.bulk_upload": lambda c, x: c.datasets.bulk_upload(
        1, zip_url=f"{FILES}/set.zip", timeout=WAIT, policy=FAST
    ),
    "Datasets.bulk_upload_status": lambda c, x: c.datasets.bulk_upload_status(1),
    "Datasets.wait_for_bulk_upload": lambda c, x: c.datasets.wait_for_bulk_upload(
        1, timeout=WAIT, policy=FAST
    ),
    "Datasets.download": lambda c, x: c.datasets.download(1, to=x.tmp / "datasets", key=f"d-{x.run}.zip"),
    "Checkpoints.list": lambda c, x: c.models.checkpoints.list(1),
    "Checkpoints.get": lambda c, x: c.models.checkpoints.get(1, 100),
    "Checkpoints.delete": lambda c, x: c.models.checkpoints.delete(1, 100),
    "Models.create": lambda c, x: c.models.create(name="m", dataset_id=1),
    "Models.list": lambda c, x: c.models.list(1),
    "Models.get": lambda c, x: c.models.get(1),
    "Models.update": lambda c, x: c.models.update(1, name="n"),
    "Models.delete": lambda c, x: c.models.delete(1),
    "Models.start_training": lambda c, x: c.models.start_training(1),
    "Models.stop_training": lambda c, x: c.models.stop_training(1),
    "Models.wait_for_training": lambda c, x: c.models.wait_for_training(1, timeout=WAIT, policy=FAST),
    "Models.download": lambda c, x: c.models.download(1, to=x.tmp / "models", key=f"m-{x.run}.safetensors"),
    "Models.upload": lambda c, x: c.models.upload(model_url=f"{FILES}/m.safetensors", project_id=1),
    "Generate.image": lambda c, x: c.generate.image(1, "a cat", timeout=WAIT, policy=FAST),
    "Generate.structured_prompt": lambda c, x: c.generate.structured_prompt(
        1, "a cat", timeout=WAIT, policy=FAST
    ),
    "Generate.video": lambda c, x: c.generate.video(1, URLS[0], timeout=WAIT, policy=FAST),
    "Status.get": lambda c, x: c.status.get("req-1"),
    "Status.wait": lambda c, x: c.status.wait(Job("req-1", STATUS_URL), timeout=WAIT, policy=FAST),
    "Status.wait_all": lambda c, x: c.status.wait_all(
        [Job("req-1", STATUS_URL), Job("req-2"), Job("req-3", STATUS_URL, "video")],
        timeout=WAIT,
        policy=FAST,
        return_exceptions=True,
    ),
    "ClientMethods.save": lambda c, x: c.save(
        ImageResult(f"{FILES}/out.png", request_id="r"), x.tmp / "saved"
    ),
    "ClientMethods.train": lambda c, x: c.train(
        x.images,
        project=1,
        state=x.tmp / f"state-{x.run}.json",
        poll_policy=FAST,
        timeout=WAIT,
        concurrency=2,
    ),
    "ClientMethods.request": lambda c, x: c.request("get-project", path_params={"project_id": 1}),
    "Batch.generate": lambda c, x: c.batch.generate(
        [{"id": "a", "prompt": "a cat", "seed": 1}, {"id": "b", "prompt": "a dog", "seed": 2}],
        tailored_model_id=1,
        out=x.tmp / f"batch-{x.run}",
        timeout=WAIT,
    ),
}
#: Other paths through the same methods: inline generation, a bare request id, a sync wait_all.
VARIANTS: dict[str, CallFn] = {
    "Generate.image[sync]": lambda c, x: c.generate.image(1, "a cat", sync=True),
    "Generate.structured_prompt[sync]": lambda c, x: c.generate.structured_prompt(1, "a cat", sync=True),
    "Generate.image[no-wait]": lambda c, x: c.generate.image(1, "a cat", wait=False),
    "Status.wait[request id]": lambda c, x: c.status.wait("req-1", timeout=WAIT, policy=FAST),
    "Status.wait_all[raise]": lambda c, x: c.status.wait_all(
        [Job("req-1", STATUS_URL), Job("req-2")], timeout=WAIT, policy=FAST
    ),
    "Images.upload_many[raise]": lambda c, x: c.datasets.images.upload_many(
        1, URLS[:2], return_exceptions=False
    ),
    "Models.download[links]": lambda c, x: c.models.download(1),
    "Datasets.download[links]": lambda c, x: c.datasets.download(1),
    "Datasets.list[all]": lambda c, x: c.datasets.list(),
    "Models.list[all]": lambda c, x: c.models.list(),
    "ClientMethods.request[status]": lambda c, x: c.request("get-status", path_params={"request_id": "r"}),
}
ASYNC_SAMPLE = [
    "Projects.get",
    "Datasets.list",
    "Images.upload_many",
    "Models.download",
    "Generate.image",
    "Status.wait",
    "Status.wait_all",
    "Datasets.wait_for_bulk_upload",
    "ClientMethods.save",
]


def public_methods(module: Any) -> set[str]:
    """``Class.method`` for every public method of the facade classes a generated module defines."""
    found: set[str] = set()
    for cls_name, cls in vars(module).items():
        if not inspect.isclass(cls) or cls.__module__ != module.__name__:
            continue
        for name, member in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(member):
                found.add(f"{cls_name}.{name}")
    return found


def test_every_public_method_has_a_call() -> None:
    methods = public_methods(_sync_facade)
    assert len(methods) >= 45
    assert methods == set(CALLS), (
        f"add a row to CALLS for {sorted(methods - set(CALLS))}; remove {sorted(set(CALLS) - methods)}"
    )
    asynchronous = {name.removeprefix("Async") for name in public_methods(_async_facade)}
    assert asynchronous == {name.removeprefix("Async") for name in methods}


# ------------------------------------------------------------------------------------ checking
_runs = itertools.count()


def check_error(exc: BaseException, server: Server) -> None:
    """What every escaping error must be: a BriaError, naming its request, short, token-free."""
    if not isinstance(exc, errors.BriaError):
        raise exc  # the test fails with the raw exception and its traceback
    text = str(exc)
    assert TOKEN not in text and TOKEN not in repr(exc), f"{type(exc).__name__} leaks the token"
    if isinstance(exc, errors.APIStatusError):
        names = server.names()
        assert any(text.startswith(name) for name in names), (
            f"{type(exc).__name__} does not name its request ({sorted(names)}): {text[:300]!r}"
        )
    if isinstance(exc, errors.ResponseFormatError):
        assert f"{exc.method} {exc.path}" in server.names(), (exc.method, exc.path)
        assert len(text) <= 4000, f"ResponseFormatError message of {len(text)} chars: {text[:300]!r}..."


def check_result(result: object) -> None:
    """Failures a method returns instead of raising (upload_many, wait_all) must be BriaErrors too."""
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, UploadFailure):
            assert isinstance(item.error, errors.BriaError), repr(item.error)
        elif isinstance(item, BaseException):
            assert isinstance(item, errors.BriaError), repr(item)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Ctx:
    tmp = tmp_path_factory.mktemp("fuzz")
    images = tmp / "images"
    images.mkdir()
    for i in range(5):
        Image.new("RGB", (300, 300), (40 * i, 90, 160)).save(images / f"img-{i}.png")
    return Ctx(tmp, images, 0)


def _no_sleep(seconds: float) -> None:
    return None


async def _no_sleep_async(seconds: float) -> None:
    return None


def run_sync(call: CallFn, script: list[Answer], ctx: Ctx) -> None:
    server = Server(script)
    transport = httpx.MockTransport(server)
    files = httpx.Client(transport=transport)
    with mock.patch.object(download_module, "default_http_client", lambda: files):
        client = TailoredClient(
            TOKEN,
            base_url=BASE,
            max_retries=0,
            request_deadline=5,
            http_client=httpx.Client(transport=transport),
        )
        client._engine.sleep = _no_sleep
        try:
            result = call(client, Ctx(ctx.tmp, ctx.images, next(_runs)))
        except Exception as exc:
            check_error(exc, server)
        else:
            check_result(result)
        finally:
            client.close()


def run_async(call: CallFn, script: list[Answer], ctx: Ctx) -> None:
    server = Server(script)
    transport = httpx.MockTransport(server)
    files = httpx.Client(transport=transport)

    async def main() -> None:
        client = AsyncTailoredClient(
            TOKEN,
            base_url=BASE,
            max_retries=0,
            request_deadline=5,
            http_client=httpx.AsyncClient(transport=transport),
        )
        client._engine.sleep = _no_sleep_async
        async with client:
            try:
                result = await call(client, Ctx(ctx.tmp, ctx.images, next(_runs)))
            except Exception as exc:
                check_error(exc, server)
            else:
                check_result(result)

    with mock.patch.object(download_module, "default_http_client", lambda: files):
        asyncio.run(main())


FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
    report_multiple_bugs=False,
    # No shrinking: a failing run stays as quick as a passing one; examples print compactly anyway.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
SLOW = {"Batch.generate": 40, "ClientMethods.train": 40, "Images.upload_many": 60, "Status.wait_all": 60}


#: Failing examples carry megabyte bodies: the note() above prints them compactly instead.
QUIET_REPR = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@QUIET_REPR
@pytest.mark.parametrize("name", sorted({**CALLS, **VARIANTS}))
def test_only_bria_errors_escape(name: str, workdir: Ctx) -> None:
    call = {**CALLS, **VARIANTS}[name]

    @settings(FUZZ, max_examples=SLOW.get(name, 100))
    @given(script=scripts)
    def fuzz(script: list[Answer]) -> None:
        note(f"the mock answered: {script!r}")
        run_sync(call, script, workdir)

    fuzz()


@QUIET_REPR
@pytest.mark.parametrize("name", ASYNC_SAMPLE)
def test_only_bria_errors_escape_async(name: str, workdir: Ctx) -> None:
    call = CALLS[name]

    @settings(FUZZ, max_examples=40)
    @given(script=scripts)
    def fuzz(script: list[Answer]) -> None:
        note(f"the mock answered: {script!r}")
        run_async(call, script, workdir)

    fuzz()


# ------------------------------------------------------------------------ explicit regressions
def answer(status: int, body: object = None, *, raw: bytes | None = None, **hdrs: str) -> Answer:
    if raw is not None:
        return Answer(status, tuple(hdrs.items()), "raw", raw=raw)
    return Answer(status, tuple(hdrs.items()), "json", value=body)


def fails(call: CallFn, *script: Answer, ctx: Ctx | None = None) -> tuple[errors.BriaError, Server]:
    """Run ``call`` on a sync client against ``script``; return the BriaError it must raise."""
    server = Server(list(script))
    transport = httpx.MockTransport(server)
    client = TailoredClient(
        TOKEN, base_url=BASE, max_retries=0, request_deadline=5, http_client=httpx.Client(transport=transport)
    )
    client._engine.sleep = _no_sleep
    here = ctx or Ctx(Path(tempfile.gettempdir()), Path(tempfile.gettempdir()), next(_runs))
    with client:
        try:
            result = call(client, here)
        except errors.BriaError as exc:
            check_error(exc, server)
            return exc, server
    raise AssertionError(f"no error raised; the call returned {result!r}")


WAIT_STATUS_URL: CallFn = lambda c, x: c.status.wait(Job("req-1", STATUS_URL), timeout=5, policy=FAST)  # noqa: E731
WAIT_ID: CallFn = lambda c, x: c.status.wait("req-1", timeout=5, policy=FAST)  # noqa: E731
GET_STATUS: CallFn = lambda c, x: c.status.get("req-1")  # noqa: E731
WAIT_ALL: CallFn = lambda c, x: c.status.wait_all([Job("req-1", STATUS_URL)], timeout=5, policy=FAST)  # noqa: E731


@pytest.mark.parametrize(
    "how", [WAIT_STATUS_URL, WAIT_ID, WAIT_ALL], ids=["status_url", "request_id", "wait_all"]
)
@pytest.mark.parametrize(
    ("status", "raw"),
    [
        (200, b"<html>gateway</html>"),
        (200, b""),
        (200, b"{}"),
        (200, b"[]"),
        (200, b'["COMPLETED"]'),
        (200, b'"COMPLETED"'),
        (200, b"null"),
        (200, b"[" * DEEP + b"]" * DEEP),
        (206, b"\xff\xfe"),
    ],
    ids=["html", "empty", "empty-object", "list", "list-of-status", "string", "null", "deep", "binary-206"],
)
def test_malformed_status_responses_raise_response_format_error(how: CallFn, status: int, raw: bytes) -> None:
    exc, _ = fails(how, answer(status, raw=raw))
    assert isinstance(exc, errors.ResponseFormatError), repr(exc)
    assert str(exc).startswith("GET /v2/status/req-1 -> "), str(exc)
    assert exc.status_code == status


@pytest.mark.parametrize(
    "how", [WAIT_STATUS_URL, WAIT_ID, GET_STATUS], ids=["status_url", "request_id", "get"]
)
@pytest.mark.parametrize(
    "body",
    [
        {"request_id": "req-1", "status": "ERROR", "error": "the GPU caught fire"},
        {"request_id": "req-1", "status": "ERROR", "error": ["the GPU caught fire"]},
        {"request_id": "req-1", "status": "ERROR", "error": 500},
    ],
    ids=["string", "list", "number"],
)
def test_error_of_the_wrong_type_is_a_bria_error(how: CallFn, body: object) -> None:
    exc, _ = fails(how, answer(200, body))
    assert isinstance(exc, errors.ResponseFormatError | errors.JobFailedError), repr(exc)
    if isinstance(exc, errors.JobFailedError):
        assert exc.request_id == "req-1"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "COMPLETED"},
        {"request_id": "req-1", "status": "COMPLETED"},
        {"request_id": "req-1", "status": "COMPLETED", "result": {}},
        {"request_id": "req-1", "status": "COMPLETED", "result": {"seed": 3, "image_url": ""}},
        {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": None}},
        {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": 42}},
    ],
    ids=["bare", "no-result", "empty-result", "empty-url", "null-url", "number-url"],
)
@pytest.mark.parametrize(
    "how", [WAIT_STATUS_URL, WAIT_ID, WAIT_ALL], ids=["status_url", "request_id", "wait_all"]
)
def test_completed_without_a_result_url_is_a_bria_error(how: CallFn, body: object) -> None:
    exc, _ = fails(how, answer(200, body))
    assert isinstance(exc, errors.ResponseFormatError | errors.JobFailedError), repr(exc)
    if isinstance(body, dict) and "request_id" in body:
        assert "image_url" in str(exc), str(exc)


def test_completed_video_job_without_video_url() -> None:
    body = {"request_id": "req-1", "status": "COMPLETED", "result": {"image_url": f"{FILES}/x.png"}}
    exc, _ = fails(
        lambda c, x: c.status.wait(Job("req-1", STATUS_URL, "video"), timeout=5), answer(200, body)
    )
    assert isinstance(exc, errors.ResponseFormatError | errors.JobFailedError), repr(exc)
    assert "video_url" in str(exc)


@pytest.mark.parametrize("seed", [1e400, -1e400, "1e999"], ids=["inf", "-inf", "huge-string"])
@pytest.mark.parametrize("how", [WAIT_STATUS_URL, WAIT_ID], ids=["status_url", "request_id"])
def test_an_absurd_seed_in_a_result_does_not_crash(how: CallFn, seed: object) -> None:
    body = {
        "request_id": "req-1",
        "status": "COMPLETED",
        "result": {"image_url": f"{FILES}/x.png", "seed": seed},
    }
    server = Server([answer(200, body)])
    with TailoredClient(
        TOKEN, base_url=BASE, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(server))
    ) as client:
        try:
            result = how(client, Ctx(Path("."), Path("."), 0))
        except errors.BriaError:
            return  # refusing the result is fine; an OverflowError is not
    assert isinstance(result, ImageResult) and result.image_url == f"{FILES}/x.png"


@pytest.mark.parametrize("seed", [1e400, -1e400], ids=["inf", "-inf"])
def test_an_absurd_seed_in_an_inline_answer_does_not_crash(seed: float) -> None:
    body = {"result": {"image_url": f"{FILES}/x.png", "seed": seed}, "request_id": "r"}
    server = Server([answer(200, body)])
    with TailoredClient(
        TOKEN, base_url=BASE, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(server))
    ) as client:
        try:
            result = client.generate.image(1, "a cat", sync=True)
        except errors.BriaError:
            return
    assert isinstance(result, ImageResult) and result.image_url == f"{FILES}/x.png"


@pytest.mark.parametrize(
    "body",
    [{}, {"result": {}}, {"result": None}, {"request_id": "r", "result": {"image_url": ""}}],
    ids=["empty", "empty-result", "null-result", "empty-url"],
)
def test_inline_sync_answer_without_image_url(body: object) -> None:
    exc, _ = fails(lambda c, x: c.generate.image(1, "a cat", sync=True), answer(200, body))
    assert isinstance(exc, errors.ResponseFormatError), repr(exc)
    assert str(exc).startswith("POST /v2/image/generate/tailored -> 200"), str(exc)


@pytest.mark.parametrize(
    "body",
    [
        {"status_url": STATUS_URL, "note": "zzz-marker"},
        {"request_id": None, "note": "zzz-marker"},
        {"request_id": "", "note": "zzz-marker"},
        {"request_id": ["req-1"], "note": "zzz-marker"},
        {"request_id": {"id": "req-1"}, "note": "zzz-marker"},
    ],
    ids=["missing", "null", "empty", "list", "object"],
)
@pytest.mark.parametrize("op", ["image", "structured_prompt", "video"])
def test_accepted_job_without_request_id(op: str, body: object) -> None:
    def submit(c: Any, x: Ctx) -> Any:
        if op == "video":
            return c.generate.video(1, URLS[0], wait=False)
        return getattr(c.generate, op)(1, "a cat", wait=False)

    exc, server = fails(submit, answer(202, body))
    assert len(server.seen) == 1  # nothing was polled
    assert isinstance(exc, errors.ResponseFormatError), f"{type(exc).__name__}: {exc}"
    assert str(exc).startswith(f"POST {server.seen[0][2]} -> 202"), str(exc)
    assert "zzz-marker" in str(exc), f"no excerpt of the body in {str(exc)!r}"
    assert exc.method == "POST" and exc.path == server.seen[0][2]


GETS: dict[str, tuple[CallFn, str]] = {
    "projects.get": (lambda c, x: c.projects.get(1), "/v1/tailored-gen/projects/1"),
    "projects.list": (lambda c, x: c.projects.list(), "/v1/tailored-gen/projects"),
    "datasets.get": (lambda c, x: c.datasets.get(1), "/v1/tailored-gen/datasets/1"),
    "images.list": (lambda c, x: c.datasets.images.list(1), "/v1/tailored-gen/datasets/1/images"),
    "models.get": (lambda c, x: c.models.get(1), "/v1/tailored-gen/models/1"),
    "checkpoints.list": (lambda c, x: c.models.checkpoints.list(1), "/v1/tailored-gen/models/1/checkpoints"),
    "bulk_upload_status": (
        lambda c, x: c.datasets.bulk_upload_status(1),
        "/v1/tailored-gen/datasets/1/images/bulk-upload/status",
    ),
    "models.download": (lambda c, x: c.models.download(1), "/v1/tailored-gen/models/1/download"),
    "status.get": (GET_STATUS, "/v2/status/req-1"),
    "status.wait": (WAIT_STATUS_URL, "/v2/status/req-1"),
    "request": (
        lambda c, x: c.request("get-model", path_params={"model_id": 1}),
        "/v1/tailored-gen/models/1",
    ),
}


@pytest.mark.parametrize("what", sorted(GETS))
@pytest.mark.parametrize(
    "response",
    [
        answer(301, raw=b"", location="https://evil.test/steal"),
        answer(302, raw=b"moved", location="/elsewhere"),
        answer(307, raw=b""),
        answer(304, raw=b""),
        answer(300, {"choices": []}),
        answer(204, raw=b""),
        answer(201, raw=b""),
        answer(201, 5),
        answer(201, "created"),
        answer(200, raw=b""),
    ],
    ids=["301-off-origin", "302-relative", "307-no-location", "304", "300", "204", "201-empty", "201-number",
         "201-string", "200-empty"],
)  # fmt: skip
def test_unexpected_status_or_empty_body_on_a_get(what: str, response: Answer) -> None:
    call, path = GETS[what]
    exc, server = fails(call, response)
    assert isinstance(exc, errors.ResponseFormatError), f"{type(exc).__name__}: {exc}"
    assert str(exc).startswith(f"GET {path} -> {response.status}"), str(exc)
    assert [host for _, host, _ in server.seen] == ["api.bria.test"]  # no redirect was followed
    if dict(response.headers).get("location", "").startswith("https://evil.test"):
        assert "evil.test" in str(exc)


@pytest.mark.parametrize(
    "raw",
    [b"[" * DEEP + b"]" * DEEP, b'{"message":' * DEEP + b"1" + b"}" * DEEP],
    ids=["deep-array", "deep-object"],
)
@pytest.mark.parametrize("status", [200, 404, 500])
def test_deeply_nested_json_is_a_bria_error(raw: bytes, status: int) -> None:
    exc, _ = fails(lambda c, x: c.projects.get(1), answer(status, raw=raw))
    expected = errors.ResponseFormatError if status < 300 else errors.APIStatusError
    assert isinstance(exc, expected), f"{type(exc).__name__}: {exc}"
    assert str(exc).startswith(f"GET /v1/tailored-gen/projects/1 -> {status}"), str(exc)


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_a_huge_value_gives_a_short_message(field: str) -> None:
    exc, _ = fails(lambda c, x: c.projects.get(1), answer(200, {**PROJECT, field: HUGE}))
    assert isinstance(exc, errors.ResponseFormatError)
    assert len(str(exc)) <= 4000, f"a {len(str(exc))}-character message: {str(exc)[:200]!r}..."


@pytest.mark.parametrize(
    "body",
    [{}, {"download_url": None}, {"download_url": 5}, {"download_url": ["x"]}],
    ids=["empty", "null", "number", "list"],
)
@pytest.mark.parametrize("kind", ["models", "datasets"])
def test_download_links_without_a_url(kind: str, body: object, tmp_path: Path) -> None:
    def call(c: Any, x: Ctx) -> Any:
        return getattr(c, kind).download(1, to=tmp_path, key="out.bin")

    exc, server = fails(call, answer(200, body))
    assert "download_url" in str(exc), str(exc)
    # a missing field of a success response names the operation, like every ResponseFormatError
    assert str(exc).startswith(f"GET {server.seen[0][2]} -> 200"), f"{type(exc).__name__}: {exc}"


def test_the_async_client_reports_a_bad_status_url_answer_the_same_way() -> None:
    server = Server([answer(200, raw=b"[]")])

    async def main() -> errors.BriaError:
        client = AsyncTailoredClient(
            TOKEN,
            base_url=BASE,
            max_retries=0,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        )
        async with client:
            try:
                await client.status.wait(Job("req-1", STATUS_URL), timeout=5, policy=FAST)
            except errors.BriaError as exc:
                return exc
        raise AssertionError("no error")

    exc = asyncio.run(main())
    assert isinstance(exc, errors.ResponseFormatError)
    assert str(exc).startswith("GET /v2/status/req-1 -> 200")


@pytest.mark.parametrize(
    "body",
    [
        {"request_id": "r" * 70_000},
        {"request_id": "req-1", "status_url": f"{BASE}/v2/status/" + "r" * 70_000},
        {"request_id": "req-1", "status_url": f"{BASE}/v2/status/req-1\n"},
        {"request_id": "req-1", "status_url": f"{BASE}/v2/status/req\x00-1"},
    ],
    ids=["huge-request-id", "huge-status-url", "newline-in-status-url", "nul-in-status-url"],
)
def test_an_accepted_job_whose_status_url_is_not_a_url(body: object) -> None:
    exc, server = fails(lambda c, x: c.generate.image(1, "a cat", timeout=5, policy=FAST), answer(202, body))
    text = str(exc)
    assert (
        text.startswith("POST /v2/image/generate/tailored -> 202")
        or "status_url" in text
        or "request_id" in text
    ), f"{type(exc).__name__}: {text[:300]}"
