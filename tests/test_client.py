"""The facade: every operation through both clients, errors, retries, rate limiting, validation, secrets."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import random
import struct
import threading
import traceback
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bria_tailored import AsyncTailoredClient, ImageResult, Job, TailoredClient, errors
from bria_tailored.ratelimit import TokenBucket
from bria_tailored.transport import RetryPolicy, parse_retry_after


def png(width: int = 300, height: int = 300) -> bytes:
    raw = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


PNG = png()
SCHEMA = json.dumps({"style": "flat"})
STAMPS = {"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"}
MODEL = {
    **STAMPS,
    "id": 5,
    "name": "m",
    "status": "Completed",
    "training_mode": "expert",
    "project_id": 1,
    "dataset_id": 2,
}
DATASET = {
    **STAMPS,
    "id": 2,
    "project_id": 1,
    "name": "d",
    "status": "draft",
    "captions_update_status": "completed",
}
PROJECT = {
    **STAMPS,
    "id": 1,
    "project_name": "p",
    "ip_medium": "illustration",
    "ip_type": "icons",
    "status": "active",
}
IMAGE = {
    **STAMPS,
    "id": 3,
    "dataset_id": 2,
    "caption": SCHEMA,
    "caption_source": "automatic",
    "image_name": "a.png",
}


class FakeAPI:
    """A mock transport answering every route with a canned body; records each request."""

    ROUTES: dict[tuple[str, str], tuple[int, Any]] = {
        ("POST", "/v1/tailored-gen/projects"): (201, PROJECT),
        ("GET", "/v1/tailored-gen/projects"): (200, [PROJECT]),
        ("GET", "/v1/tailored-gen/projects/1"): (200, PROJECT),
        ("PUT", "/v1/tailored-gen/projects/1"): (200, PROJECT),
        ("DELETE", "/v1/tailored-gen/projects/1"): (204, None),
        ("POST", "/v1/tailored-gen/datasets"): (201, DATASET),
        ("GET", "/v1/tailored-gen/datasets"): (200, [DATASET]),
        ("GET", "/v1/tailored-gen/projects/1/datasets"): (200, [DATASET]),
        ("GET", "/v1/tailored-gen/datasets/2"): (200, DATASET),
        ("PUT", "/v1/tailored-gen/datasets/2"): (200, {**DATASET, "status": "completed"}),
        ("DELETE", "/v1/tailored-gen/datasets/2"): (204, None),
        ("POST", "/v1/tailored-gen/datasets/2/clone"): (201, {**DATASET, "id": 9}),
        ("POST", "/v1/tailored-gen/datasets/2/images"): (201, IMAGE),
        ("GET", "/v1/tailored-gen/datasets/2/images"): (200, [IMAGE]),
        ("PUT", "/v1/tailored-gen/datasets/2/images"): (
            202,
            {**DATASET, "captions_update_status": "in_progress"},
        ),
        ("POST", "/v1/tailored-gen/datasets/2/images/bulk-upload"): (202, None),
        ("GET", "/v1/tailored-gen/datasets/2/images/bulk-upload/status"): (
            200,
            {"status": "completed", "progress_percentage": 100, "done": 6, "failed": 0, "failed_images": []},
        ),
        ("GET", "/v1/tailored-gen/datasets/2/images/3"): (200, IMAGE),
        ("PUT", "/v1/tailored-gen/datasets/2/images/3"): (200, IMAGE),
        ("DELETE", "/v1/tailored-gen/datasets/2/images/3"): (204, None),
        ("POST", "/v1/tailored-gen/generate_visual_schema"): (200, {"visual_schema": SCHEMA}),
        ("POST", "/v1/tailored-gen/refine_structured_prompt"): (200, {"structured_prompt": SCHEMA}),
        ("POST", "/v1/tailored-gen/models"): (201, {**MODEL, "status": "Created"}),
        ("GET", "/v1/tailored-gen/models"): (200, [MODEL]),
        ("GET", "/v1/tailored-gen/projects/1/models"): (200, [MODEL]),
        ("GET", "/v1/tailored-gen/models/5"): (200, MODEL),
        ("PUT", "/v1/tailored-gen/models/5"): (200, MODEL),
        ("DELETE", "/v1/tailored-gen/models/5"): (204, None),
        ("POST", "/v1/tailored-gen/models/5/start_training"): (200, {**MODEL, "status": "InProgress"}),
        ("POST", "/v1/tailored-gen/models/5/stop_training"): (200, None),
        ("GET", "/v1/tailored-gen/models/5/checkpoints"): (
            200,
            {
                "checkpoints": [{**STAMPS, "checkpoint_step": 500, "training_job_id": 1}],
                "active_model_version": "500",
            },
        ),
        ("GET", "/v1/tailored-gen/models/5/checkpoints/500"): (
            200,
            {**STAMPS, "checkpoint_step": 500, "training_job_id": 1},
        ),
        ("DELETE", "/v1/tailored-gen/models/5/checkpoints/500"): (204, None),
        ("GET", "/v1/tailored-gen/models/5/download"): (
            200,
            {"download_url": "https://cdn.example/m.safetensors"},
        ),
        ("POST", "/v1/tailored-gen/models/upload_model"): (200, {**MODEL, "id": 6}),
        ("GET", "/v1/datasets/2/download"): (200, {"download_url": "https://cdn.example/d.zip"}),
        ("POST", "/v2/image/generate/tailored"): (202, {"request_id": "r1", "status_url": "/v2/status/r1"}),
        ("POST", "/v2/structured_prompt/generate/tailored"): (202, {"request_id": "r2"}),
        ("POST", "/v2/video/generate/tailored/image-to-video"): (202, {"request_id": "r3"}),
        ("GET", "/v2/status/r1"): (
            200,
            {
                "request_id": "r1",
                "status": "COMPLETED",
                "result": {"image_url": "https://cdn.example/i.png", "seed": "7"},
            },
        ),
        ("GET", "/v2/status/r2"): (
            200,
            {"request_id": "r2", "status": "COMPLETED", "result": {"structured_prompt": SCHEMA}},
        ),
        ("GET", "/v2/status/r3"): (
            200,
            {"request_id": "r3", "status": "COMPLETED", "result": {"video_url": "https://cdn.example/v.mp4"}},
        ),
    }

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, payload = self.ROUTES.get((request.method, request.url.path), (404, {"message": "no route"}))
        if payload is None:
            return httpx.Response(status)
        return httpx.Response(status, json=payload)

    def body(self, index: int = -1) -> Any:
        content = self.requests[index].content
        return json.loads(content) if content else None


# (label, call, method, path, body subset, check of the result)
OPS: list[tuple[str, Callable[[Any], Any], str, str, dict[str, Any] | None, Callable[[Any], bool]]] = [
    (
        "projects.create",
        lambda c: c.projects.create(project_name="p", ip_medium="illustration", ip_type="icons"),
        "POST",
        "/v1/tailored-gen/projects",
        {"project_name": "p", "ip_type": "icons"},
        lambda r: r.id == 1,
    ),
    (
        "projects.list",
        lambda c: c.projects.list(),
        "GET",
        "/v1/tailored-gen/projects",
        None,
        lambda r: r[0].id == 1,
    ),
    (
        "projects.get",
        lambda c: c.projects.get(1),
        "GET",
        "/v1/tailored-gen/projects/1",
        None,
        lambda r: r.project_name == "p",
    ),
    (
        "projects.update",
        lambda c: c.projects.update(1, project_description="new"),
        "PUT",
        "/v1/tailored-gen/projects/1",
        {"project_description": "new"},
        lambda r: r.id == 1,
    ),
    (
        "projects.delete",
        lambda c: c.projects.delete(1),
        "DELETE",
        "/v1/tailored-gen/projects/1",
        None,
        lambda r: r is None,
    ),
    (
        "datasets.create",
        lambda c: c.datasets.create(project_id=1, name="d"),
        "POST",
        "/v1/tailored-gen/datasets",
        {"project_id": 1, "name": "d"},
        lambda r: r.id == 2,
    ),
    (
        "datasets.list",
        lambda c: c.datasets.list(),
        "GET",
        "/v1/tailored-gen/datasets",
        None,
        lambda r: len(r) == 1,
    ),
    (
        "datasets.list(project)",
        lambda c: c.datasets.list(1),
        "GET",
        "/v1/tailored-gen/projects/1/datasets",
        None,
        lambda r: r[0].id == 2,
    ),
    (
        "datasets.get",
        lambda c: c.datasets.get(2, max_images=10),
        "GET",
        "/v1/tailored-gen/datasets/2",
        None,
        lambda r: r.name == "d",
    ),
    (
        "datasets.complete",
        lambda c: c.datasets.complete(2),
        "PUT",
        "/v1/tailored-gen/datasets/2",
        {"status": "completed"},
        lambda r: r.status.value == "completed",
    ),
    (
        "datasets.delete",
        lambda c: c.datasets.delete(2),
        "DELETE",
        "/v1/tailored-gen/datasets/2",
        None,
        lambda r: r is None,
    ),
    (
        "datasets.clone",
        lambda c: c.datasets.clone(2, name="copy"),
        "POST",
        "/v1/tailored-gen/datasets/2/clone",
        {"name": "copy"},
        lambda r: r.id == 9,
    ),
    (
        "images.upload",
        lambda c: c.datasets.images.upload(2, PNG, image_name="a.png"),
        "POST",
        "/v1/tailored-gen/datasets/2/images",
        {"file": base64.b64encode(PNG).decode(), "image_name": "a.png"},
        lambda r: r.id == 3,
    ),
    (
        "images.list",
        lambda c: c.datasets.images.list(2),
        "GET",
        "/v1/tailored-gen/datasets/2/images",
        None,
        lambda r: r[0].id == 3,
    ),
    (
        "datasets.regenerate_captions",
        lambda c: c.datasets.regenerate_captions(2),
        "PUT",
        "/v1/tailored-gen/datasets/2/images",
        None,
        lambda r: r.captions_update_status.value == "in_progress",
    ),
    (
        "datasets.bulk_upload",
        lambda c: c.datasets.bulk_upload(2, zip_url="https://files.example/x.zip"),
        "GET",
        "/v1/tailored-gen/datasets/2/images/bulk-upload/status",
        None,
        lambda r: r.status.done == 6,
    ),
    (
        "images.get",
        lambda c: c.datasets.images.get(2, 3),
        "GET",
        "/v1/tailored-gen/datasets/2/images/3",
        None,
        lambda r: r.image_name == "a.png",
    ),
    (
        "images.update_caption",
        lambda c: c.datasets.images.update_caption(2, 3, caption=SCHEMA),
        "PUT",
        "/v1/tailored-gen/datasets/2/images/3",
        {"caption": SCHEMA},
        lambda r: r.id == 3,
    ),
    (
        "images.delete",
        lambda c: c.datasets.images.delete(2, 3),
        "DELETE",
        "/v1/tailored-gen/datasets/2/images/3",
        None,
        lambda r: r is None,
    ),
    (
        "datasets.bulk_upload_status",
        lambda c: c.datasets.bulk_upload_status(2),
        "GET",
        "/v1/tailored-gen/datasets/2/images/bulk-upload/status",
        None,
        lambda r: r.progress_percentage == 100,
    ),
    (
        "datasets.generate_visual_schema",
        lambda c: c.datasets.generate_visual_schema([PNG] * 5),
        "POST",
        "/v1/tailored-gen/generate_visual_schema",
        None,
        lambda r: json.loads(r) == {"style": "flat"},
    ),
    (
        "datasets.refine_structured_prompt",
        lambda c: c.datasets.refine_structured_prompt(
            2, structured_prompt=SCHEMA, instruction="name is Lucy"
        ),
        "POST",
        "/v1/tailored-gen/refine_structured_prompt",
        {"dataset_id": 2, "instruction": "name is Lucy"},
        lambda r: r == SCHEMA,
    ),
    (
        "models.create",
        lambda c: c.models.create(name="m", dataset_id=2, training_mode="expert"),
        "POST",
        "/v1/tailored-gen/models",
        {"name": "m", "dataset_id": 2, "training_mode": "expert"},
        lambda r: r.status.value == "Created",
    ),
    (
        "models.list",
        lambda c: c.models.list(),
        "GET",
        "/v1/tailored-gen/models",
        None,
        lambda r: r[0].id == 5,
    ),
    (
        "models.list(project)",
        lambda c: c.models.list(1),
        "GET",
        "/v1/tailored-gen/projects/1/models",
        None,
        lambda r: r[0].id == 5,
    ),
    (
        "models.get",
        lambda c: c.models.get(5),
        "GET",
        "/v1/tailored-gen/models/5",
        None,
        lambda r: r.name == "m",
    ),
    (
        "models.update",
        lambda c: c.models.update(5, description="x"),
        "PUT",
        "/v1/tailored-gen/models/5",
        {"description": "x"},
        lambda r: r.id == 5,
    ),
    (
        "models.delete",
        lambda c: c.models.delete(5),
        "DELETE",
        "/v1/tailored-gen/models/5",
        None,
        lambda r: r is None,
    ),
    (
        "models.start_training",
        lambda c: c.models.start_training(5, rank=64, total_training_steps=1000),
        "POST",
        "/v1/tailored-gen/models/5/start_training",
        {"rank": 64, "total_training_steps": 1000},
        lambda r: r.status.value == "InProgress",
    ),
    (
        "models.stop_training",
        lambda c: c.models.stop_training(5),
        "POST",
        "/v1/tailored-gen/models/5/stop_training",
        None,
        lambda r: r is None,
    ),
    (
        "checkpoints.list",
        lambda c: c.models.checkpoints.list(5),
        "GET",
        "/v1/tailored-gen/models/5/checkpoints",
        None,
        lambda r: r.checkpoints[0].checkpoint_step == 500,
    ),
    (
        "checkpoints.get",
        lambda c: c.models.checkpoints.get(5, 500),
        "GET",
        "/v1/tailored-gen/models/5/checkpoints/500",
        None,
        lambda r: r.training_job_id == 1,
    ),
    (
        "checkpoints.delete",
        lambda c: c.models.checkpoints.delete(5, 500),
        "DELETE",
        "/v1/tailored-gen/models/5/checkpoints/500",
        None,
        lambda r: r is None,
    ),
    (
        "models.download",
        lambda c: c.models.download(5),
        "GET",
        "/v1/tailored-gen/models/5/download",
        None,
        lambda r: r.download_url.endswith(".safetensors"),
    ),
    (
        "models.upload",
        lambda c: c.models.upload(model_url="https://files.example/m.safetensors", project_id=1),
        "POST",
        "/v1/tailored-gen/models/upload_model",
        {"model_url": "https://files.example/m.safetensors", "project_id": 1},
        lambda r: r.id == 6,
    ),
    (
        "datasets.download",
        lambda c: c.datasets.download(2),
        "GET",
        "/v1/datasets/2/download",
        None,
        lambda r: r.download_url.endswith(".zip"),
    ),
    (
        "generate.image",
        lambda c: c.generate.image(5, "a cat", seed=7),
        "GET",
        "/v2/status/r1",
        None,
        lambda r: isinstance(r, ImageResult) and r.seed == 7,
    ),
    (
        "generate.structured_prompt",
        lambda c: c.generate.structured_prompt(5, "a cat"),
        "GET",
        "/v2/status/r2",
        None,
        lambda r: r.as_dict() == {"style": "flat"},
    ),
    (
        "generate.video",
        lambda c: c.generate.video(5, "https://cdn.example/i.png"),
        "GET",
        "/v2/status/r3",
        None,
        lambda r: r.video_url.endswith(".mp4"),
    ),
    (
        "status.get",
        lambda c: c.status.get("r1"),
        "GET",
        "/v2/status/r1",
        None,
        lambda r: r.status.value == "COMPLETED",
    ),
]


def sync_client(api: FakeAPI, **kwargs: Any) -> TailoredClient:
    http = httpx.Client(transport=httpx.MockTransport(api))
    return TailoredClient("test-token", base_url="https://api.test", http_client=http, **kwargs)


def test_the_table_covers_all_40_operations() -> None:
    import sys

    sys.path.insert(0, "scripts")
    import normalize_spec as ns

    spec = json.loads(open("generated/openapi.json").read())
    templated = {(m.upper(), p) for p, m, _ in ns.operations(spec)}

    def matches(method: str, path: str) -> bool:
        import re

        for m, template in templated:
            pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
            if m == method and re.match(pattern, path):
                return True
        return False

    sent = set()
    api = FakeAPI()
    with sync_client(api) as client:
        for _, fn, *_ in OPS:
            fn(client)
    for request in api.requests:
        for m, template in templated:
            import re

            if m == request.method and re.match(
                "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$", request.url.path
            ):
                sent.add((m, template))
    assert sent == templated, templated - sent


@pytest.mark.parametrize("label,fn,method,path,body,check", OPS, ids=[o[0] for o in OPS])
def test_every_operation_sync(label: str, fn: Any, method: str, path: str, body: Any, check: Any) -> None:
    api = FakeAPI()
    with sync_client(api) as client:
        result = fn(client)
    assert check(result), result
    matching = [r for r in api.requests if r.method == method and r.url.path == path]
    assert matching, [(r.method, r.url.path) for r in api.requests]
    request = matching[-1]
    assert request.headers["api_token"] == "test-token"
    assert request.headers["user-agent"].startswith("bria-tailored/")
    if body:
        sent = json.loads(request.content)
        assert {k: sent.get(k) for k in body} == body


@pytest.mark.parametrize("label,fn,method,path,body,check", OPS, ids=[o[0] for o in OPS])
async def test_every_operation_async(
    label: str, fn: Any, method: str, path: str, body: Any, check: Any
) -> None:
    api = FakeAPI()
    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    async with AsyncTailoredClient("test-token", base_url="https://api.test", http_client=http) as client:
        result = await fn(client)
    await http.aclose()
    assert check(result), result
    assert any(r.method == method and r.url.path == path for r in api.requests)
    if body:
        request = [r for r in api.requests if r.method == method and r.url.path == path][-1]
        sent = json.loads(request.content)
        assert {k: sent.get(k) for k in body} == body


def test_query_parameters_are_sent() -> None:
    api = FakeAPI()
    with sync_client(api) as client:
        client.datasets.get(2, max_images=10)
        client.datasets.list(1, include_models=True)
    assert api.requests[0].url.params["max_images"] == "10"
    assert api.requests[1].url.params["include_models"] == "true"


def test_wait_false_returns_a_job_and_sync_envelope_is_understood() -> None:
    api = FakeAPI()
    with sync_client(api) as client:
        job = client.generate.image(5, "a cat", wait=False)
        assert job == Job("r1", "/v2/status/r1", "image")
    inline = {"result": {"image_url": "https://cdn.example/x.png", "structured_prompt": SCHEMA, "seed": 3}}
    for payload in (inline, inline["result"]):

        def handler(request: httpx.Request, payload: Any = payload) -> httpx.Response:
            return httpx.Response(200, json=payload)

        client = TailoredClient(
            "t", base_url="https://api.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
        )
        result = client.generate.image(5, "a cat", sync=True)
        assert result.image_url == "https://cdn.example/x.png" and result.structured_prompt == SCHEMA


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "status,body,cls,text",
    [
        (
            400,
            {
                "errors": [
                    {
                        "msg": "Input should be <= 5000",
                        "field_name": "total_training_steps",
                        "field_input": "9",
                    }
                ]
            },
            errors.BadRequestError,
            "total_training_steps: Input should be <= 5000",
        ),
        (401, None, errors.AuthenticationError, "401"),
        (
            403,
            "Quota exceeded: Free users can make up to 1000 requests in total. Please upgrade your plan.",
            errors.QuotaExceededError,
            "Quota exceeded",
        ),
        (
            403,
            "Access denied: Your subscription does not include access",
            errors.PermissionDeniedError,
            "Access denied",
        ),
        (404, "Checkpoint not found", errors.NotFoundError, "Checkpoint not found"),
        (
            409,
            {"message": "Cannot delete a model that is currently in training"},
            errors.ConflictError,
            "in training",
        ),
        (412, None, errors.PreconditionFailedError, "412"),
        (413, None, errors.PayloadTooLargeError, "413"),
        (415, None, errors.UnsupportedMediaTypeError, "415"),
        (422, {"message": "moderation"}, errors.UnprocessableEntityError, "moderation"),
        (500, "<html>oops</html>", errors.InternalServerError, "oops"),
    ],
)
def test_error_statuses_map_to_typed_errors(status: int, body: Any, cls: type, text: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status)
        if isinstance(body, str) and body.startswith("<"):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    client = TailoredClient(
        "t",
        base_url="https://api.test",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(cls) as info:
        client.models.delete(5)
    error = info.value
    assert error.status_code == status
    assert "DELETE /v1/tailored-gen/models/5" in str(error) and text in str(error)
    if status == 400:
        assert error.field_errors[0].field == "total_training_steps"


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIA_API_TOKEN", raising=False)
    with pytest.raises(errors.BriaError, match="BRIA_API_TOKEN"):
        TailoredClient()
    monkeypatch.setenv("BRIA_API_TOKEN", "from-env")
    monkeypatch.setenv("BRIA_BASE_URL", "http://127.0.0.1:9")
    assert TailoredClient().base_url == "http://127.0.0.1:9"


def test_unknown_enum_and_extra_fields_parse() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={**MODEL, "status": "Archived", "lora_scale_hint": "p", "training_version": "2"}
        )

    client = TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    model = client.models.get(5)
    assert model.status == "Archived" and model.additional_properties["lora_scale_hint"] == "p"
    assert model.training_version == "2"  # a documented field, and a value outside its enum still parses


# ----------------------------------------------------------------------------------------------- retries
class Script:
    """A transport answering from a script of responses/exceptions, counting calls."""

    def __init__(self, *steps: Any) -> None:
        self.steps = list(steps)
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, tuple):
            return httpx.Response(step[0], headers=step[1], json={"message": "x"})
        return httpx.Response(step, json=MODEL if step < 300 else {"message": "boom"})


def scripted_client(script: Script, sleeps: list[float], max_retries: int = 3) -> TailoredClient:
    http = httpx.Client(transport=httpx.MockTransport(script))
    client = TailoredClient("t", base_url="https://x.test", max_retries=max_retries, http_client=http)
    client._engine.sleep = sleeps.append  # the engine performs every Sleep a plan asks for
    client._conn.rng.seed(1)
    return client


def test_retry_after_is_honoured_on_429() -> None:
    sleeps: list[float] = []
    script = Script((429, {"Retry-After": "7"}), 200)
    assert scripted_client(script, sleeps).models.get(5).id == 5
    assert sleeps == [7.0] and len(script.calls) == 2


def test_429_is_retried_even_for_post() -> None:
    sleeps: list[float] = []
    script = Script((429, {"Retry-After": "1"}), 201)
    scripted_client(script, sleeps).models.create(name="m", dataset_id=2)
    assert len(script.calls) == 2


def test_post_after_500_is_not_retried() -> None:
    sleeps: list[float] = []
    script = Script(500, 201)
    with pytest.raises(errors.InternalServerError):
        scripted_client(script, sleeps).models.create(name="m", dataset_id=2)
    assert len(script.calls) == 1 and sleeps == []


def test_get_after_503_is_retried_max_retries_then_raises() -> None:
    sleeps: list[float] = []
    script = Script(503)
    with pytest.raises(errors.InternalServerError):
        scripted_client(script, sleeps, max_retries=3).models.get(5)
    assert len(script.calls) == 4 and len(sleeps) == 3
    assert all(0 <= s <= RetryPolicy().max_delay for s in sleeps)


def test_connection_error_retried_on_get_raised_on_post() -> None:
    sleeps: list[float] = []
    script = Script(httpx.ConnectError("refused"), 200)
    assert scripted_client(script, sleeps).models.get(5).id == 5
    assert len(script.calls) == 2
    post = Script(httpx.ConnectError("refused"), 201)
    with pytest.raises(errors.APIConnectionError):
        scripted_client(post, []).models.create(name="m", dataset_id=2)
    assert len(post.calls) == 1


def test_retry_after_http_date_and_cap() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("garbage") is None
    policy = RetryPolicy(max_retry_after=30)
    assert (
        policy.decide(
            "GET", 0, random.Random(0), status_code=429, headers=httpx.Headers({"retry-after": "999"})
        )
        == 30
    )


# ---------------------------------------------------------------------------------------------- limiter
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now


def test_limiter_bounds_calls_across_threads() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)  # 1 per second
    waits: list[float] = []

    def worker() -> None:
        for _ in range(5):
            waits.append(bucket.reserve())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 calls at 60/min with a burst of 1: the last must wait at least 19 s.
    assert max(waits) >= 19.0 - 1e-9
    assert sorted(waits) == pytest.approx([float(i) for i in range(20)])


async def test_limiter_bounds_calls_across_tasks() -> None:
    clock = FakeClock()
    bucket = TokenBucket(120, clock=clock)  # 2 per second

    async def task() -> float:
        await asyncio.sleep(0)
        return bucket.reserve()

    waits = await asyncio.gather(*(task() for _ in range(10)))
    assert max(waits) >= 4.5 - 1e-9


def test_limiter_is_used_by_the_transport() -> None:
    sleeps: list[float] = []
    clock = FakeClock()
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=MODEL)))
    client = TailoredClient("t", base_url="https://x.test", http_client=http, requests_per_minute=30)
    client._pool.limiter = TokenBucket(30, clock=clock)
    client._setup(client._config, client._pool, client._deadline)
    client._engine.sleep = sleeps.append
    for _ in range(3):
        client.models.get(5)
    assert sleeps == pytest.approx([2.0, 4.0])


# ------------------------------------------------------------------------------------------- validation
def _gif() -> bytes:
    return b"GIF89a" + b"\x00" * 100


BAD_INPUTS: list[tuple[Callable[[TailoredClient], Any], str]] = [
    (lambda c: c.projects.create(project_name="p", ip_medium="photography", ip_type="icons"), "ip_type"),
    (lambda c: c.projects.create(project_name="p", ip_medium="video", ip_type="other"), "ip_medium"),
    (
        lambda c: c.projects.create(project_name="p", ip_medium="illustration", ip_type="defined_character"),
        "ip_name",
    ),
    (
        lambda c: c.projects.create(project_name="p", ip_medium="illustration", ip_type="object_variants"),
        "ip_description",
    ),
    (lambda c: c.projects.create(project_name="", ip_medium="illustration", ip_type="other"), "project_name"),
    (lambda c: c.projects.get(0), "project_id"),
    (lambda c: c.projects.get("abc"), "project_id"),
    (lambda c: c.projects.update(1), "project_name"),
    (lambda c: c.datasets.create(project_id=1, name="d", upload_type="huge"), "upload_type"),
    (lambda c: c.datasets.get(2, max_images=500), "max_images"),
    (lambda c: c.datasets.get(2, max_images=0), "max_images"),
    (lambda c: c.datasets.update(2, visual_schema="{not json"), "visual_schema"),
    (lambda c: c.datasets.update(2, status="archived"), "status"),
    (lambda c: c.datasets.generate_visual_schema([PNG] * 4), "images"),
    (lambda c: c.datasets.generate_visual_schema([PNG] * 11), "images"),
    (
        lambda c: c.datasets.refine_structured_prompt(2, structured_prompt="nope", instruction="x"),
        "structured_prompt",
    ),
    (
        lambda c: c.datasets.refine_structured_prompt(2, structured_prompt=SCHEMA, instruction=" "),
        "instruction",
    ),
    (lambda c: c.datasets.images.upload(2, _gif()), "source"),
    (lambda c: c.datasets.images.upload(2, png(100, 100)), "source"),
    (lambda c: c.datasets.images.upload(2, png(600, 600), increase_resolution=False), "source"),
    (lambda c: c.datasets.images.upload(2, PNG[:-20]), "source"),
    (lambda c: c.datasets.images.upload(2, "https://x.example/a.gif"), "source"),
    (lambda c: c.datasets.images.upload(2, io.StringIO("text")), "source"),
    (lambda c: c.datasets.images.update_caption(2, 3, caption=SCHEMA, regenerate=True), "caption"),
    (lambda c: c.datasets.images.update_caption(2, 3), "caption"),
    (lambda c: c.datasets.images.update_caption(2, 3, caption="plain words"), "caption"),
    (lambda c: c.datasets.bulk_upload(2), "zip_url"),
    (lambda c: c.datasets.bulk_upload(2, zip_url="archive.zip"), "zip_url"),
    (lambda c: c.models.create(name="m", dataset_id=2, training_mode="turbo"), "training_mode"),
    (lambda c: c.models.start_training(5, rank=2), "rank"),
    (lambda c: c.models.start_training(5, rank=512), "rank"),
    (lambda c: c.models.start_training(5, learning_rate=0.5), "learning_rate"),
    (lambda c: c.models.start_training(5, total_training_steps=6000), "total_training_steps"),
    (lambda c: c.models.start_training(5, checkpoint_interval=50), "checkpoint_interval"),
    (lambda c: c.models.start_training(5, lr_warmup_steps=2000), "lr_warmup_steps"),
    (lambda c: c.models.start_training(5, lr_scheduler="exponential"), "lr_scheduler"),
    (lambda c: c.models.start_training(5, epochs=3), "epochs"),
    (lambda c: c.models.start_training(5, training_mode="fully_automated", rank=64), "rank"),
    (lambda c: c.models.upload(model_url="https://x.example/model.ckpt", project_id=1), "model_url"),
    (
        lambda c: c.models.upload(
            model_url="https://x.example/m.safetensors",
            project_id=1,
            project_parameters={"project_name": "p"},
        ),
        "project_id",
    ),
    (lambda c: c.generate.image(5), "prompt"),
    (lambda c: c.generate.image(5, structured_prompt=SCHEMA), "seed"),
    (lambda c: c.generate.image(5, structured_prompt="{bad"), "structured_prompt"),
    (lambda c: c.generate.image(5, "cat", guidance_scale=2), "guidance_scale"),
    (lambda c: c.generate.image(5, "cat", steps_num=51), "steps_num"),
    (lambda c: c.generate.image(5, "cat", tailored_model_influence=2.0), "tailored_model_influence"),
    (lambda c: c.generate.image(5, "cat", aspect_ratio="2:1"), "aspect_ratio"),
    (lambda c: c.generate.image(5, "cat", seed="seven"), "seed"),
    (lambda c: c.generate.image(None, "cat"), "tailored_model_id"),
    (lambda c: c.generate.structured_prompt(5), "prompt"),
    (lambda c: c.generate.video(5, _gif()), "image"),
    (lambda c: c.status.wait(""), "job"),
]


def refusing_client() -> TailoredClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing should be sent, got {request.method} {request.url}")

    return TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(refuse))
    )


@pytest.mark.parametrize("fn,field", BAD_INPUTS, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_INPUTS)])
def test_bad_inputs_raise_validation_error_before_sending(fn: Any, field: str) -> None:
    with pytest.raises(errors.ValidationError) as info:
        fn(refusing_client())
    assert info.value.field.startswith(field), str(info.value)
    assert str(info.value).startswith(field)
    assert isinstance(info.value, ValueError)


def test_client_configuration_is_validated() -> None:
    for kwargs, field in [
        ({"timeout": None}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
        ({"base_url": "engine.prod.bria-api.com"}, "base_url"),
    ]:
        with pytest.raises(errors.ValidationError, match=field):
            TailoredClient("t", **kwargs)


# ---------------------------------------------------------------------------------------------- secrets
def test_token_never_appears_in_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    canary = "CANARY-TOKEN-7f3a9c"
    caplog.set_level(logging.DEBUG)
    for name in ("", "bria_tailored", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["api_token"] == canary
        return httpx.Response(401, json={"message": f"bad token {canary}"})

    sleeps: list[float] = []
    client = TailoredClient(
        canary, base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client._engine.sleep = sleeps.append
    seen = [repr(client), str(client), repr(client._conn), repr(client._config), repr(client.projects)]
    try:
        client.models.get(5)
    except errors.AuthenticationError as exc:
        seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    else:
        raise AssertionError("expected AuthenticationError")
    seen += [record.getMessage() for record in caplog.records]
    assert not [s for s in seen if canary in s]


async def test_async_client_makes_the_same_retry_decisions() -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    script = Script((503, {"Retry-After": "2"}), httpx.ConnectError("reset"), 200)
    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    async with AsyncTailoredClient("t", base_url="https://x.test", http_client=http) as client:
        client._engine.sleep = fake_sleep
        assert (await client.models.get(5)).id == 5
        assert len(script.calls) == 3 and sleeps[0] == 2.0 and len(sleeps) == 2
        script.calls.clear()
        script.steps = [500, 201]
        with pytest.raises(errors.InternalServerError):
            await client.models.create(name="m", dataset_id=2)
        assert len(script.calls) == 1
    await http.aclose()
