"""Every operation of generated/openapi.json through the facade, replayed from a cassette recorded against the
sandbox.

Each test builds the state it needs with facade calls, makes the call under test, and asserts the request
the client sent (method, path, query, body fields) and the parsed response. Cassettes live in
``tests/cassettes/test_cassettes_operations/``; re-record them with ``python scripts/record_cassettes.py``.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bria_tailored import ImageResult, Job, StructuredPromptResult, VideoResult
from bria_tailored.polling import PollPolicy

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

FAST = PollPolicy(0.05, 0.5)
SCHEMA = json.dumps({"style": "flat vector icon", "palette": ["#ff6600", "#1a1a1a"]})
CAPTION = json.dumps({"subject": "a fox", "style": "flat vector icon"})


def _spec_file() -> Path:
    """generated/openapi.json of this checkout (or of the checkout the generated package comes from)."""
    here = Path(__file__).parents[1] / "generated" / "openapi.json"
    if here.is_file():
        return here
    import bria_tailored_api

    return Path(bria_tailored_api.__file__).parents[1] / "openapi.json"


SPEC = json.loads(_spec_file().read_text())
SPEC_PATHS = {
    op["operationId"]: path
    for path, item in SPEC["paths"].items()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
}


def path_of(operation_id: str, **params: object) -> str:
    """The operation's path as generated/openapi.json says, with its parameters filled in."""
    return SPEC_PATHS[operation_id].format(**params)


def png(width: int, height: int, shade: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([shade, 80, 120]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


IMAGES = [png(300, 300, 40 * i) for i in range(6)]


def images_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(6):
            data = png(1024, 1024, 40 * index)  # bulk uploads need 1024x1024 at least
            archive.writestr(zipfile.ZipInfo(f"icon-{index}.png", (2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def safetensors() -> bytes:
    header = json.dumps({"lora.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\x00" * 16


# ------------------------------------------------------------------------------------ state builders
class World:
    """Builds what an operation needs with facade calls (all recorded in the test's cassette)."""

    def __init__(self, client: Any, target: Any) -> None:
        self.c = client
        self.target = target
        self.ids: dict[str, Any] = {}

    def project(self) -> Any:
        project = self.c.projects.create(project_name="Icons", ip_medium="illustration", ip_type="icons")
        self.ids["project"] = project.id
        return project

    def dataset(self, upload_type: str | None = None) -> Any:
        project = self.project()
        dataset = self.c.datasets.create(project_id=project.id, name="icons", upload_type=upload_type)
        self.ids["dataset"] = dataset.id
        return dataset

    def filled_dataset(self, count: int = 5) -> Any:
        dataset = self.dataset()
        self.c.datasets.update(dataset.id, visual_schema=SCHEMA)
        uploaded = self.c.datasets.images.upload_many(dataset.id, IMAGES[:count], concurrency=1)
        self.ids["image"] = uploaded[0].id
        self.c.datasets.wait_for_captions(dataset.id, timeout=30, policy=FAST)
        return dataset

    def completed_dataset(self) -> Any:
        dataset = self.filled_dataset()
        self.c.datasets.complete(dataset.id)
        return dataset

    def advanced_dataset(self) -> Any:
        dataset = self.dataset(upload_type="advanced")
        self.ids["zip_url"] = self.target.host_files({"icons.zip": images_zip()}) + "/icons.zip"
        return dataset

    def bulk_uploaded(self) -> Any:
        dataset = self.advanced_dataset()
        self.c.datasets.bulk_upload(dataset.id, zip_url=self.ids["zip_url"], wait=False)
        self.c.datasets.wait_for_bulk_upload(dataset.id, timeout=30, policy=FAST)
        return dataset

    def model(self, training_mode: str | None = None) -> Any:
        dataset = self.completed_dataset()
        model = self.c.models.create(name="icons-v1", dataset_id=dataset.id, training_mode=training_mode)
        self.ids["model"] = model.id
        return model

    def trained(self, expert: bool = False) -> Any:
        model = self.model("expert" if expert else None)
        params = {"total_training_steps": 1000, "checkpoint_interval": 500, "rank": 16} if expert else {}
        self.c.models.start_training(model.id, **params)
        return self.c.models.wait_for_training(model.id, timeout=60, policy=FAST)

    def image_job(self) -> Any:
        model = self.trained()
        job = self.c.generate.image(model.id, "a fox", seed=5, wait=False)
        self.ids["job"] = job
        return job


# ------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Op:
    operation_id: str
    setup: Callable[[World], Any]
    call: Callable[[Any, World], Any]
    method: str
    path: Callable[[dict[str, Any]], str]
    check: Callable[[Any, World], bool]
    query: dict[str, str] | None = None
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    sandbox: dict[str, Any] | None = None


def _nothing(w: World) -> None:
    return None


OPS: list[Op] = [
    # ---------------------------------------------------------------- projects
    Op(
        "create-project",
        _nothing,
        lambda c, w: c.projects.create(
            project_name="Brand icons", ip_medium="illustration", ip_type="icons", project_description="d"
        ),
        "POST",
        lambda i: path_of("create-project"),
        lambda r, w: r.id >= 1 and r.project_name == "Brand icons" and r.ip_type.value == "icons",
        body=lambda i: {"project_name": "Brand icons", "ip_medium": "illustration", "ip_type": "icons"},
    ),
    Op(
        "get-projects",
        World.project,
        lambda c, w: c.projects.list(),
        "GET",
        lambda i: path_of("get-projects"),
        lambda r, w: [p.id for p in r] == [w.ids["project"]],
    ),
    Op(
        "get-project",
        World.project,
        lambda c, w: c.projects.get(w.ids["project"]),
        "GET",
        lambda i: path_of("get-project", project_id=i["project"]),
        lambda r, w: r.id == w.ids["project"] and r.project_name == "Icons",
    ),
    Op(
        "update-project",
        World.project,
        lambda c, w: c.projects.update(w.ids["project"], project_name="Icons 2", project_description="new"),
        "PUT",
        lambda i: path_of("update-project", project_id=i["project"]),
        lambda r, w: r.project_name == "Icons 2",
        body=lambda i: {"project_name": "Icons 2", "project_description": "new"},
    ),
    Op(
        "delete-project",
        World.project,
        lambda c, w: c.projects.delete(w.ids["project"]),
        "DELETE",
        lambda i: path_of("delete-project", project_id=i["project"]),
        lambda r, w: r is None,
    ),
    Op(
        "get-datasets-by-project",
        World.dataset,
        lambda c, w: c.datasets.list(w.ids["project"], include_models=True),
        "GET",
        lambda i: path_of("get-datasets-by-project", project_id=i["project"]),
        lambda r, w: [d.id for d in r] == [w.ids["dataset"]],
        query={"include_models": "true", "include_models_ids": "false"},
    ),
    Op(
        "get-models-by-project",
        World.model,
        lambda c, w: c.models.list(w.ids["project"]),
        "GET",
        lambda i: path_of("get-models-by-project", project_id=i["project"]),
        lambda r, w: [m.id for m in r] == [w.ids["model"]],
    ),
    # ---------------------------------------------------------------- datasets
    Op(
        "create-dataset",
        World.project,
        lambda c, w: c.datasets.create(project_id=w.ids["project"], name="icons"),
        "POST",
        lambda i: path_of("create-dataset"),
        lambda r, w: r.project_id == w.ids["project"] and r.status.value == "draft",
        body=lambda i: {"project_id": i["project"], "name": "icons"},
    ),
    Op(
        "get-datasets",
        World.dataset,
        lambda c, w: c.datasets.list(),
        "GET",
        lambda i: path_of("get-datasets"),
        lambda r, w: [d.id for d in r] == [w.ids["dataset"]],
    ),
    Op(
        "get-dataset",
        World.filled_dataset,
        lambda c, w: c.datasets.get(w.ids["dataset"], max_images=2),
        "GET",
        lambda i: path_of("get-dataset", dataset_id=i["dataset"]),
        lambda r, w: r.id == w.ids["dataset"] and r.name == "icons",
        query={"max_images": "2"},
    ),
    Op(
        "update-dataset",
        World.dataset,
        lambda c, w: c.datasets.update(w.ids["dataset"], name="renamed", visual_schema=SCHEMA),
        "PUT",
        lambda i: path_of("update-dataset", dataset_id=i["dataset"]),
        lambda r, w: r.name == "renamed" and json.loads(r.visual_schema) == json.loads(SCHEMA),
        body=lambda i: {"name": "renamed", "visual_schema": SCHEMA},
    ),
    Op(
        "delete-dataset",
        World.dataset,
        lambda c, w: c.datasets.delete(w.ids["dataset"]),
        "DELETE",
        lambda i: path_of("delete-dataset", dataset_id=i["dataset"]),
        lambda r, w: r is None,
    ),
    Op(
        "clone-dataset",
        World.completed_dataset,
        lambda c, w: c.datasets.clone(w.ids["dataset"], name="copy"),
        "POST",
        lambda i: path_of("clone-dataset", dataset_id=i["dataset"]),
        lambda r, w: r.id != w.ids["dataset"] and r.name == "copy" and r.status.value == "draft",
        body=lambda i: {"name": "copy"},
    ),
    Op(
        "download-dataset",
        World.bulk_uploaded,
        lambda c, w: c.datasets.download(w.ids["dataset"]),
        "GET",
        lambda i: path_of("download-dataset", dataset_id=i["dataset"]),
        lambda r, w: r.download_url.startswith(w.target.base_url) and ".zip" in r.download_url,
    ),
    Op(
        "generate-visual-schema",
        _nothing,
        lambda c, w: c.datasets.generate_visual_schema(IMAGES[:5]),
        "POST",
        lambda i: path_of("generate-visual-schema"),
        lambda r, w: isinstance(json.loads(r), dict),
    ),
    Op(
        "refine-structured-prompt",
        World.dataset,
        lambda c, w: c.datasets.refine_structured_prompt(
            w.ids["dataset"], structured_prompt=CAPTION, instruction="make the fox blue"
        ),
        "POST",
        lambda i: path_of("refine-structured-prompt"),
        lambda r, w: isinstance(json.loads(r), dict),
        body=lambda i: {
            "dataset_id": i["dataset"],
            "instruction": "make the fox blue",
            "structured_prompt": CAPTION,
        },
    ),
    # ---------------------------------------------------------------- images
    Op(
        "upload-image",
        World.dataset,
        lambda c, w: c.datasets.images.upload(w.ids["dataset"], IMAGES[0], image_name="fox.png"),
        "POST",
        lambda i: path_of("upload-image", dataset_id=i["dataset"]),
        lambda r, w: r.id >= 1 and r.image_name == "fox.png" and r.dataset_id == w.ids["dataset"],
        body=lambda i: {"image_name": "fox.png"},
    ),
    Op(
        "get-images",
        World.filled_dataset,
        lambda c, w: c.datasets.images.list(w.ids["dataset"]),
        "GET",
        lambda i: path_of("get-images", dataset_id=i["dataset"]),
        lambda r, w: len(r) == 5 and all(image.dataset_id == w.ids["dataset"] for image in r),
    ),
    Op(
        "get-image",
        World.filled_dataset,
        lambda c, w: c.datasets.images.get(w.ids["dataset"], w.ids["image"]),
        "GET",
        lambda i: path_of("get-image", dataset_id=i["dataset"], image_id=i["image"]),
        lambda r, w: r.id == w.ids["image"],
    ),
    Op(
        "update-image-caption",
        World.filled_dataset,
        lambda c, w: c.datasets.images.update_caption(w.ids["dataset"], w.ids["image"], caption=CAPTION),
        "PUT",
        lambda i: path_of("update-image-caption", dataset_id=i["dataset"], image_id=i["image"]),
        lambda r, w: json.loads(r.caption) == json.loads(CAPTION),
        body=lambda i: {"caption": CAPTION},
    ),
    Op(
        "delete-image",
        World.filled_dataset,
        lambda c, w: c.datasets.images.delete(w.ids["dataset"], w.ids["image"]),
        "DELETE",
        lambda i: path_of("delete-image", dataset_id=i["dataset"], image_id=i["image"]),
        lambda r, w: r is None,
    ),
    Op(
        "regenerate-all-captions",
        World.filled_dataset,
        lambda c, w: c.datasets.regenerate_captions(w.ids["dataset"]),
        "PUT",
        lambda i: path_of("regenerate-all-captions", dataset_id=i["dataset"]),
        lambda r, w: r.id == w.ids["dataset"] and r.captions_update_status.value == "in_progress",
        sandbox={"caption_seconds": 5},
    ),
    Op(
        "bulk-upload-images",
        World.advanced_dataset,
        lambda c, w: c.datasets.bulk_upload(w.ids["dataset"], zip_url=w.ids["zip_url"], wait=False),
        "POST",
        lambda i: path_of("bulk-upload-images", dataset_id=i["dataset"]),
        lambda r, w: r.status is None,
        body=lambda i: {"zip_url": i["zip_url"]},
    ),
    Op(
        "get-bulk-upload-status",
        World.bulk_uploaded,
        lambda c, w: c.datasets.bulk_upload_status(w.ids["dataset"]),
        "GET",
        lambda i: path_of("get-bulk-upload-status", dataset_id=i["dataset"]),
        lambda r, w: r.status.value == "completed" and r.done == 6 and r.progress_percentage == 100,
    ),
    # ---------------------------------------------------------------- models
    Op(
        "create-model",
        World.completed_dataset,
        lambda c, w: c.models.create(name="icons-v1", dataset_id=w.ids["dataset"], training_mode="expert"),
        "POST",
        lambda i: path_of("create-model"),
        lambda r, w: r.status.value == "Created" and r.dataset_id == w.ids["dataset"],
        body=lambda i: {"name": "icons-v1", "dataset_id": i["dataset"], "training_mode": "expert"},
    ),
    Op(
        "get-models",
        World.model,
        lambda c, w: c.models.list(include_training_parameters=True),
        "GET",
        lambda i: path_of("get-models"),
        lambda r, w: [m.id for m in r] == [w.ids["model"]],
        query={"include_training_parameters": "true"},
    ),
    Op(
        "get-model",
        World.model,
        lambda c, w: c.models.get(w.ids["model"]),
        "GET",
        lambda i: path_of("get-model", model_id=i["model"]),
        lambda r, w: r.id == w.ids["model"] and r.name == "icons-v1",
    ),
    Op(
        "update-model",
        World.model,
        lambda c, w: c.models.update(w.ids["model"], name="icons-v2", description="second try"),
        "PUT",
        lambda i: path_of("update-model", model_id=i["model"]),
        lambda r, w: r.name == "icons-v2" and r.description == "second try",
        body=lambda i: {"name": "icons-v2", "description": "second try"},
    ),
    Op(
        "delete-model",
        World.model,
        lambda c, w: c.models.delete(w.ids["model"]),
        "DELETE",
        lambda i: path_of("delete-model", model_id=i["model"]),
        lambda r, w: r is None,
    ),
    Op(
        "start-training",
        lambda w: w.model("expert"),
        lambda c, w: c.models.start_training(w.ids["model"], rank=16, total_training_steps=1000),
        "POST",
        lambda i: path_of("start-training", model_id=i["model"]),
        lambda r, w: r.id == w.ids["model"] and r.status.value == "InProgress",
        body=lambda i: {"rank": 16, "total_training_steps": 1000},
    ),
    Op(
        "stop-training",
        lambda w: w.c.models.start_training(w.model().id),
        lambda c, w: c.models.stop_training(w.ids["model"]),
        "POST",
        lambda i: path_of("stop-training", model_id=i["model"]),
        lambda r, w: r is None,
        sandbox={"training_seconds": 60},
    ),
    Op(
        "list-checkpoints",
        lambda w: w.trained(expert=True),
        lambda c, w: c.models.checkpoints.list(w.ids["model"]),
        "GET",
        lambda i: path_of("list-checkpoints", model_id=i["model"]),
        lambda r, w: sorted(cp.checkpoint_step for cp in r.checkpoints) == [500, 1000],
    ),
    Op(
        "get-checkpoint",
        lambda w: w.trained(expert=True),
        lambda c, w: c.models.checkpoints.get(w.ids["model"], 500),
        "GET",
        lambda i: path_of("get-checkpoint", model_id=i["model"], checkpoint_step=500),
        lambda r, w: r.checkpoint_step == 500,
    ),
    Op(
        "delete-checkpoint",
        lambda w: w.trained(expert=True),
        lambda c, w: c.models.checkpoints.delete(w.ids["model"], 500),
        "DELETE",
        lambda i: path_of("delete-checkpoint", model_id=i["model"], checkpoint_step=500),
        lambda r, w: r is None,
    ),
    Op(
        "download-model",
        World.trained,
        lambda c, w: c.models.download(w.ids["model"]),
        "GET",
        lambda i: path_of("download-model", model_id=i["model"]),
        lambda r, w: r.download_url.startswith(w.target.base_url) and ".safetensors" in r.download_url,
    ),
    Op(
        "upload-model",
        lambda w: (
            w.project(),
            w.ids.update(model_url=w.target.host_files({"lora.safetensors": safetensors()})),
        ),
        lambda c, w: c.models.upload(
            model_url=w.ids["model_url"] + "/lora.safetensors",
            model_name="brand-lora",
            project_id=w.ids["project"],
        ),
        "POST",
        lambda i: path_of("upload-model"),
        lambda r, w: r.name == "brand-lora" and r.project_id == w.ids["project"],
        body=lambda i: {
            "model_url": i["model_url"] + "/lora.safetensors",
            "model_name": "brand-lora",
            "project_id": i["project"],
        },
    ),
    # ---------------------------------------------------------------- generation and status
    Op(
        "generate-image",
        World.trained,
        lambda c, w: c.generate.image(w.ids["model"], "a red fox", seed=11, aspect_ratio="16:9", wait=False),
        "POST",
        lambda i: path_of("generate-image"),
        lambda r, w: isinstance(r, Job) and r.kind == "image" and r.status_url.endswith(r.request_id),
        body=lambda i: {
            "tailored_model_id": str(i["model"]),
            "prompt": "a red fox",
            "seed": 11,
            "aspect_ratio": "16:9",
        },
    ),
    Op(
        "get-status",
        World.image_job,
        lambda c, w: c.status.wait(w.ids["job"], timeout=30, policy=FAST),
        "GET",
        lambda i: path_of("get-status", request_id=i["job"].request_id),
        lambda r, w: isinstance(r, ImageResult) and r.seed == 5 and r.image_url.startswith(w.target.base_url),
    ),
    Op(
        "generate-structured-prompt",
        World.trained,
        lambda c, w: c.generate.structured_prompt(w.ids["model"], "a red fox", seed=3),
        "POST",
        lambda i: path_of("generate-structured-prompt"),
        lambda r, w: isinstance(r, StructuredPromptResult) and isinstance(r.as_dict(), dict),
        body=lambda i: {"tailored_model_id": str(i["model"]), "prompt": "a red fox", "seed": 3},
    ),
    Op(
        "generate-video",
        lambda w: w.ids.update(image=w.c.status.wait(w.image_job(), timeout=30, policy=FAST).image_url),
        lambda c, w: c.generate.video(w.ids["model"], w.ids["image"], seed=2),
        "POST",
        lambda i: path_of("generate-video"),
        lambda r, w: isinstance(r, VideoResult) and r.video_url.startswith(w.target.base_url),
        body=lambda i: {"tailored_model_id": str(i["model"]), "image": i["image"], "seed": 2},
    ),
]


def _params() -> list[Any]:
    return [
        pytest.param(op, id=op.operation_id, marks=[pytest.mark.sandbox_options(**(op.sandbox or {}))])
        for op in OPS
    ]


@pytest.mark.parametrize("op", _params())
def test_operation(op: Op, bria_target: Any) -> None:
    with bria_target.client(max_retries=0) as client:
        world = World(client, bria_target)
        op.setup(world)
        before = len(bria_target.sent)
        result = op.call(client, world)
    assert op.check(result, world), result
    path = op.path(world.ids)
    sent = [r for r in bria_target.sent[before:] if r.method == op.method and r.url.path == path]
    assert sent, [(r.method, r.url.path) for r in bria_target.sent[before:]]
    request = sent[0]
    assert request.url.host == bria_target.base_url.split("://", 1)[1].split(":")[0]
    if op.query is not None:
        assert dict(request.url.params) == op.query
    if op.body is not None:
        expected = op.body(world.ids)
        sent_body = json.loads(request.content)
        assert {key: sent_body.get(key) for key in expected} == expected, sent_body


def test_the_table_has_one_test_per_operation() -> None:
    spec = json.loads((Path(__file__).parents[1] / "generated" / "openapi.json").read_text())
    ids = {
        op["operationId"] for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)
    }
    assert ids and {op.operation_id for op in OPS} == ids
