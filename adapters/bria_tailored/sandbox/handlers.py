"""The API's operations and their documented rules, one handler per ``operationId``.

A handler receives a validated :class:`Call` (typed path/query parameters, the JSON body already
checked against the spec) and returns a :class:`Reply`, or raises :class:`ApiError` with one of
Bria's error shapes: ``{"errors": [...]}`` for field problems, ``{"message": ...}`` for conflicts and
preconditions, a bare JSON string for quota/access texts and checkpoint errors.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import media
from .bulk import BulkError, ZipLimits, extract_images
from .content import caption_for, parse_json_object, refine, structured_prompt_for, visual_schema_for
from .files import file_url, lazy_thumbnail_key
from .lifecycle import ERROR_MARKER, FAIL_MARKER, TRAINING_STATES, Lifecycle, iso, job_status
from .options import SandboxOptions
from .state import Record, Store
from .validation import field_error

__all__ = ["HANDLERS", "ApiError", "Call", "Reply", "Sandbox"]

log = logging.getLogger("bria_tailored.sandbox")

ILLUSTRATION_ONLY = {"object_variants", "multi_object_set", "icons", "character_variants"}
EXPERT_PARAMETERS = (
    "rank",
    "learning_rate",
    "lr_scheduler",
    "lr_warmup_steps",
    "total_training_steps",
    "checkpoint_interval",
)
TRAINING_DEFAULTS: dict[str, Any] = {
    "rank": 128,
    "learning_rate": 0.0001,
    "lr_scheduler": "constant_with_warmup",
    "lr_warmup_steps": 100,
    "total_training_steps": 750,
    "checkpoint_interval": 500,
}
BASIC_LIMIT, ADVANCED_LIMIT, MIN_IMAGES = 200, 5000, 5
BASE_MODEL = {"base_model_name": "BRIA-FIBO", "base_model_card": "https://huggingface.co/briaai/BRIA-FIBO"}


class ApiError(Exception):
    """An error answer: status code and body (dict or string)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def message(status: int, text: str) -> ApiError:
    return ApiError(status, {"message": text})


def field_problem(msg: str, name: str, value: Any = None) -> ApiError:
    return ApiError(400, {"errors": [field_error(msg, name, value)]})


@dataclass
class Call:
    """One validated request."""

    params: dict[str, Any]
    body: Any
    base_url: str
    now: float


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Sandbox", Call], Awaitable[Reply]]
HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[operation_id] = func
        return func

    return register


class FetchError(Exception):
    def __init__(self, text: str, status: int | None = None) -> None:
        super().__init__(text)
        self.status = status


class Sandbox:
    """The emulator's state and services shared by the handlers."""

    def __init__(self, options: SandboxOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.lifecycle = Lifecycle(store, options)
        self.tasks: set[asyncio.Task[None]] = set()

    # --- helpers -----------------------------------------------------------------------------

    def now(self) -> float:
        return self.lifecycle.now()

    def _check_url(self, url: str, field_name: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise field_problem("must be an http(s) URL", field_name, url)
        allowed = self.options.allowed_fetch_hosts
        if allowed is not None and parts.hostname not in allowed:
            raise message(422, f"{field_name}: the sandbox may only fetch from {', '.join(allowed)}")

    def _client(self, url: str) -> httpx.AsyncClient:
        host = urlsplit(url).hostname or ""
        local = host in ("127.0.0.1", "localhost", "::1")
        return httpx.AsyncClient(timeout=30.0, follow_redirects=True, trust_env=not local)

    async def fetch(self, url: str, limit: int) -> bytes:
        """GET a URL (a plain GET: pre-signed URLs work) with a size limit."""
        try:
            async with self._client(url) as client, client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise FetchError(f"GET returned HTTP {response.status_code}", response.status_code)
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"the file exceeds the sandbox limit of {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch the URL: {type(exc).__name__}") from exc

    def new_hex(self) -> str:
        """A fresh id (request ids, file names): deterministic under the seed, so recordings are stable."""
        counter = self.store.next_id("uuid")
        return uuid.uuid5(uuid.NAMESPACE_URL, f"bria-sandbox:{self.options.seed}:{counter}").hex

    def put_file(self, prefix: str, data: bytes, content_type: str, extension: str) -> str:
        key = f"{prefix}/{self.new_hex()}.{extension}"
        return self.store.put_blob(key, data, content_type)

    def url(self, call: Call, key: str | None) -> str | None:
        return file_url(call.base_url, key) if key else None

    def spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- lookups -----------------------------------------------------------------------------

    def project(self, project_id: int) -> Record:
        record = self.store.get("project", project_id)
        if record is None:
            raise message(404, "Project not found")
        return record

    def dataset(self, dataset_id: int) -> Record:
        record = self.store.get("dataset", dataset_id)
        if record is None:
            raise message(404, "Dataset not found")
        return record

    def model(self, model_id: int) -> Record:
        record = self.store.get("model", model_id)
        if record is None:
            raise message(404, "Model not found")
        return record

    def images_of(self, dataset_id: int) -> list[Record]:
        return [image for image in self.store.all("image") if image["dataset_id"] == dataset_id]

    def image(self, dataset_id: int, image_id: int) -> Record:
        self.dataset(dataset_id)
        record = self.store.get("image", image_id)
        if record is None or record["dataset_id"] != dataset_id:
            raise message(404, "Image not found")
        return record

    def models_of_dataset(self, dataset_id: int) -> list[Record]:
        return [model for model in self.store.all("model") if model.get("dataset_id") == dataset_id]

    # --- views -------------------------------------------------------------------------------

    @staticmethod
    def public(record: Record) -> dict[str, Any]:
        return {key: value for key, value in record.items() if not key.startswith("_")}

    def image_view(self, call: Call, image: Record) -> dict[str, Any]:
        view = self.public(image)
        view["image_url"] = self.url(call, image["_blob"])
        view["thumbnail_url"] = self.url(call, image["_thumb"])
        return view

    def dataset_view(
        self,
        call: Call,
        dataset: Record,
        images: int | None = None,
        include_models: bool = False,
        include_model_ids: bool = False,
    ) -> dict[str, Any]:
        view = self.public(dataset)
        all_images = self.images_of(dataset["id"])
        view["images_count"] = len(all_images)
        if images is not None:
            view["images"] = [self.image_view(call, image) for image in all_images[:images]]
        if include_models:
            view["models"] = [self.model_view(m) for m in self.models_of_dataset(dataset["id"])]
        if include_model_ids:
            view["model_ids"] = [str(m["id"]) for m in self.models_of_dataset(dataset["id"])]
        return view

    def model_view(self, model: Record, include_training: bool = True) -> dict[str, Any]:
        view = self.public(model)
        if not include_training:
            view.pop("training_parameters", None)
            view.pop("checkpoint_steps", None)
        return view

    # --- shared rules --------------------------------------------------------------------------

    def check_ip(self, medium: str, ip_type: str, ip_name: Any, ip_description: Any) -> None:
        errors = []
        if medium == "photography" and ip_type in ILLUSTRATION_ONLY:
            errors.append(
                field_error(
                    f"ip_type '{ip_type}' is only available when ip_medium is 'illustration'",
                    "ip_type",
                    ip_type,
                )
            )
        if ip_type == "defined_character" and not ip_name:
            errors.append(field_error("ip_name is required for the defined_character ip_type", "ip_name"))
        if ip_type in ("defined_character", "object_variants") and not ip_description:
            errors.append(
                field_error(f"ip_description is required for the {ip_type} ip_type", "ip_description")
            )
        if errors:
            raise ApiError(400, {"errors": errors})

    def new_project(self, body: dict[str, Any], now: float) -> Record:
        project_id = self.store.next_id("project", start=100)
        record: Record = {
            "id": project_id,
            "project_name": body["project_name"],
            "project_description": body.get("project_description", ""),
            "ip_medium": body["ip_medium"],
            "ip_type": body["ip_type"],
            "status": "active",
            "training_version": None,
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        for key in ("ip_name", "ip_description"):
            if body.get(key) is not None:
                record[key] = body[key]
        return self.store.put("project", project_id, record)

    def delete_dataset_cascade(self, dataset_id: int) -> None:
        for image in self.images_of(dataset_id):
            self.delete_image_record(image)
        bulk = self.store.get("bulk", dataset_id)
        if bulk:
            for entry in bulk.get("entries", []):
                for key in ("blob", "thumb"):
                    if entry.get(key) and not entry.get("used"):
                        self.store.delete_blob(entry[key])
            self.store.delete("bulk", dataset_id)
        self.store.delete("dataset", dataset_id)

    def delete_image_record(self, image: Record) -> None:
        shared = any(
            other["_blob"] == image["_blob"] and other["id"] != image["id"]
            for other in self.store.all("image")
        )
        if not shared:
            self.store.delete_blob(image["_blob"])
            self.store.delete_blob(image["_thumb"])
        self.store.delete("image", image["id"])

    def delete_model_record(self, model: Record) -> None:
        if model.get("_file"):
            self.store.delete_blob(model["_file"])
        self.store.delete("model", model["id"])

    async def read_image_input(self, value: str, field_name: str, limit: int) -> tuple[bytes, str | None]:
        """An image given as an http(s) URL or base64 text (a ``data:`` prefix is allowed)."""
        if value.startswith(("http://", "https://")):
            self._check_url(value, field_name)
            try:
                return await self.fetch(value, limit), value
            except FetchError as exc:
                raise message(422, f"{field_name}: {exc}") from exc
        text = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
        try:
            return base64.b64decode(text, validate=True), None
        except (binascii.Error, ValueError) as exc:
            raise message(422, f"{field_name}: neither an http(s) URL nor valid base64 image data") from exc


# === projects ====================================================================================


@handles("get-projects")
async def get_projects(sb: Sandbox, call: Call) -> Reply:
    return Reply(200, [sb.public(p) for p in sb.store.all("project")])


@handles("create-project")
async def create_project(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    sb.check_ip(body["ip_medium"], body["ip_type"], body.get("ip_name"), body.get("ip_description"))
    return Reply(201, sb.public(sb.new_project(body, call.now)))


@handles("get-project")
async def get_project(sb: Sandbox, call: Call) -> Reply:
    return Reply(200, sb.public(sb.project(call.params["project_id"])))


@handles("update-project")
async def update_project(sb: Sandbox, call: Call) -> Reply:
    project = sb.project(call.params["project_id"])
    changes = {
        k: v
        for k, v in call.body.items()
        if k in ("project_name", "project_description", "ip_name", "ip_description")
    }
    merged = {**project, **changes}
    sb.check_ip(merged["ip_medium"], merged["ip_type"], merged.get("ip_name"), merged.get("ip_description"))
    project.update(changes, updated_at=iso(call.now))
    sb.store.put("project", project["id"], project)
    return Reply(200, sb.public(project))


@handles("delete-project")
async def delete_project(sb: Sandbox, call: Call) -> Reply:
    project = sb.project(call.params["project_id"])
    models = [m for m in sb.store.all("model") if m.get("project_id") == project["id"]]
    if any(m["status"] in TRAINING_STATES for m in models):
        raise message(409, "Cannot delete project while models are in training")
    for model in models:
        sb.delete_model_record(model)
    for dataset in sb.store.all("dataset"):
        if dataset["project_id"] == project["id"]:
            sb.delete_dataset_cascade(dataset["id"])
    sb.store.delete("project", project["id"])
    return Reply(204)


@handles("get-datasets-by-project")
async def get_datasets_by_project(sb: Sandbox, call: Call) -> Reply:
    project = sb.project(call.params["project_id"])
    datasets = [d for d in sb.store.all("dataset") if d["project_id"] == project["id"]]
    return Reply(
        200,
        [
            sb.dataset_view(
                call,
                d,
                include_models=bool(call.params.get("include_models")),
                include_model_ids=bool(call.params.get("include_models_ids")),
            )
            for d in datasets
        ],
    )


@handles("get-models-by-project")
async def get_models_by_project(sb: Sandbox, call: Call) -> Reply:
    project = sb.project(call.params["project_id"])
    include = bool(call.params.get("include_training_parameters"))
    return Reply(
        200,
        [sb.model_view(m, include) for m in sb.store.all("model") if m.get("project_id") == project["id"]],
    )


# === datasets ====================================================================================


@handles("get-datasets")
async def get_datasets(sb: Sandbox, call: Call) -> Reply:
    return Reply(200, [sb.dataset_view(call, d) for d in sb.store.all("dataset")])


@handles("create-dataset")
async def create_dataset(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    sb.project(body["project_id"])
    dataset_id = sb.store.next_id("dataset", start=400)
    record: Record = {
        "id": dataset_id,
        "project_id": body["project_id"],
        "name": body["name"],
        "status": "draft",
        "upload_type": body.get("upload_type", "basic"),
        "visual_schema": None,
        "captions_update_status": "empty",
        "created_at": iso(call.now),
        "updated_at": iso(call.now),
        "_captions_job": None,
        "_bulk_attempted": False,
    }
    sb.store.put("dataset", dataset_id, record)
    return Reply(201, sb.dataset_view(call, record))


@handles("get-dataset")
async def get_dataset(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    return Reply(200, sb.dataset_view(call, dataset, images=int(call.params.get("max_images") or 200)))


@handles("update-dataset")
async def update_dataset(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    body = call.body
    completed = dataset["status"] == "completed"
    if "visual_schema" in body:
        if completed:
            raise message(409, "Cannot update visual_schema for a completed dataset")
        if parse_json_object(body["visual_schema"]) is None:
            raise field_problem(
                "visual_schema must be a string holding a JSON object", "visual_schema", body["visual_schema"]
            )
    target = body.get("status")
    if target == "draft" and completed:
        raise message(409, "A completed dataset cannot return to draft; clone it to make changes")
    if target == "completed" and not completed:
        count = len(sb.images_of(dataset["id"]))
        schema = body.get("visual_schema", dataset.get("visual_schema"))
        bulk = sb.store.get("bulk", dataset["id"])
        if count < MIN_IMAGES:
            raise message(
                409, f"A dataset needs at least {MIN_IMAGES} images to be completed (it has {count})"
            )
        if not schema:
            raise message(
                409, "Set a visual_schema (see /generate_visual_schema) before completing the dataset"
            )
        if dataset.get("_captions_job"):
            raise message(409, "Captions are being regenerated; wait for captions_update_status 'completed'")
        if bulk and bulk["status"] in ("pending", "processing"):
            raise message(409, "A bulk upload is still in progress")
    for key in ("name", "visual_schema", "status"):
        if key in body:
            dataset[key] = body[key]
    dataset["updated_at"] = iso(call.now)
    sb.store.put("dataset", dataset["id"], dataset)
    return Reply(200, sb.dataset_view(call, dataset))


@handles("delete-dataset")
async def delete_dataset(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    if any(m["status"] in TRAINING_STATES for m in sb.models_of_dataset(dataset["id"])):
        raise message(409, "Cannot delete a dataset that is used by a model in training")
    sb.delete_dataset_cascade(dataset["id"])
    return Reply(204)


@handles("clone-dataset")
async def clone_dataset(sb: Sandbox, call: Call) -> Reply:
    source = sb.dataset(call.params["dataset_id"])
    body = call.body or {}
    dataset_id = sb.store.next_id("dataset", start=400)
    record: Record = {
        **{k: v for k, v in source.items() if not k.startswith("_")},
        "id": dataset_id,
        "name": body.get("name") or f"Copy of {source['name']}",
        "status": "draft",
        "created_at": iso(call.now),
        "updated_at": iso(call.now),
        "_captions_job": None,
        "_bulk_attempted": False,
    }
    if "description" in body:
        record["description"] = body["description"]
    if record.get("captions_update_status") == "in_progress":
        record["captions_update_status"] = "completed"
    sb.store.put("dataset", dataset_id, record)
    for image in sb.images_of(source["id"]):
        copy_id = sb.store.next_id("image", start=1000)
        copied = {
            **image,
            "id": copy_id,
            "dataset_id": dataset_id,
            "created_at": iso(call.now),
            "updated_at": iso(call.now),
        }
        if copied.get("caption_source") == "pending":
            copied["caption_source"] = copied.pop("_caption_source_before", None)
        sb.store.put("image", copy_id, copied)
    return Reply(201, sb.dataset_view(call, record))


@handles("download-dataset")
async def download_dataset(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    if dataset.get("upload_type") != "advanced":
        raise message(409, "Download is only supported for advanced dataset types.")
    images = sb.images_of(dataset["id"])
    files = []
    for image in images:
        blob = sb.store.get_blob(image["_blob"])
        if blob is not None:
            files.append((image["image_name"], blob[1]))
    zip_key = sb.put_file(
        f"downloads/dataset-{dataset['id']}", media.dataset_zip(files), "application/zip", "zip"
    )
    view: dict[str, Any] = {"download_url": sb.url(call, zip_key)}
    if images and all(image.get("caption_source") == "automatic" for image in images):
        captions = {image["image_name"]: image["caption"] for image in images}
        key = sb.put_file(
            f"downloads/dataset-{dataset['id']}",
            json.dumps(captions, indent=2).encode(),
            "application/json",
            "json",
        )
        view["captions_url"] = sb.url(call, key)
    return Reply(200, view)


# === images ======================================================================================


@handles("get-images")
async def get_images(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    return Reply(200, [sb.image_view(call, image) for image in sb.images_of(dataset["id"])])


@handles("get-image")
async def get_image(sb: Sandbox, call: Call) -> Reply:
    return Reply(200, sb.image_view(call, sb.image(call.params["dataset_id"], call.params["image_id"])))


@handles("upload-image")
async def upload_image(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    body = call.body
    if dataset.get("upload_type") != "basic":
        raise message(
            409, "Image upload is only available for 'basic' datasets; use bulk-upload for advanced ones"
        )
    if dataset["status"] == "completed":
        raise message(409, "Cannot upload images to a completed dataset")
    if len(sb.images_of(dataset["id"])) >= BASIC_LIMIT:
        raise message(409, f"The dataset already has the maximum of {BASIC_LIMIT} images")
    has_file, has_url = body.get("file") is not None, body.get("image_url") is not None
    if has_file == has_url:
        raise ApiError(
            400,
            {
                "errors": [
                    field_error(
                        "provide exactly one of 'file' and 'image_url'", "file" if has_file else "image_url"
                    )
                ]
            },
        )
    source_url = None
    if has_url:
        sb._check_url(body["image_url"], "image_url")
        try:
            data = await sb.fetch(body["image_url"], sb.options.max_image_bytes)
        except FetchError as exc:
            raise message(422, f"image_url could not be fetched: {exc}") from exc
        source_url = body["image_url"]
    else:
        data = base64.b64decode(body["file"])
        if len(data) > sb.options.max_image_bytes:
            raise field_problem(f"the image exceeds {sb.options.max_image_bytes} bytes", "file")
    info = media.sniff_image(data)
    if info is None:
        raise message(415, "Unsupported image format: use jpg, jpeg, png or webp")
    minimum = 256 if body.get("increase_resolution", True) else 1024
    if min(info.width, info.height) < minimum:
        raise message(
            412,
            f"Image resolution {info.width}x{info.height} is too low: at least "
            f"{minimum}x{minimum} is required"
            + ("" if minimum == 1024 else " (smaller images cannot be upscaled)"),
        )
    name = body.get("image_name")
    if not name and source_url:
        name = PurePosixPath(urlsplit(source_url).path).name
    name = name or f"image_{hashlib.sha256(data).hexdigest()[:8]}.{info.extension}"
    prefix = f"datasets/{dataset['id']}/images"
    blob = sb.put_file(prefix, data, info.content_type, info.extension)
    thumb = lazy_thumbnail_key(blob)  # made on first GET: keeps uploads off the event loop's CPU
    with sb.store.lock:
        image = sb.lifecycle.add_image(
            dataset, blob, thumb, hashlib.sha256(data).hexdigest(), name, call.now, source_url
        )
    return Reply(201, sb.image_view(call, image))


@handles("delete-image")
async def delete_image(sb: Sandbox, call: Call) -> Reply:
    image = sb.image(call.params["dataset_id"], call.params["image_id"])
    if sb.dataset(call.params["dataset_id"])["status"] == "completed":
        raise message(409, "Cannot delete an image from a completed dataset")
    sb.delete_image_record(image)
    return Reply(204)


@handles("update-image-caption")
async def update_image_caption(sb: Sandbox, call: Call) -> Reply:
    image = sb.image(call.params["dataset_id"], call.params["image_id"])
    dataset = sb.dataset(call.params["dataset_id"])
    body = call.body
    if dataset["status"] == "completed":
        raise message(409, "Cannot update caption in a completed dataset")
    caption, regenerate = body.get("caption"), bool(body.get("regenerate_caption"))
    if (caption is not None) == regenerate:
        raise field_problem(
            "provide exactly one of 'caption' and 'regenerate_caption: true'", "caption", caption
        )
    if regenerate:
        if not dataset.get("visual_schema"):
            raise message(400, "The dataset has no visual_schema to generate captions from")
        image["caption"] = caption_for(dataset["visual_schema"], image["_digest"], image["image_name"])
        image["caption_source"] = "automatic"
    else:
        if parse_json_object(caption) is None:
            raise field_problem("caption must be a string holding a JSON object", "caption", caption)
        image["caption"] = caption
        image["caption_source"] = "manual"
    image["updated_at"] = iso(call.now)
    sb.store.put("image", image["id"], image)
    return Reply(200, sb.image_view(call, image))


@handles("regenerate-all-captions")
async def regenerate_all_captions(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    if dataset["status"] == "completed":
        raise message(409, "Cannot regenerate captions in a completed dataset")
    with sb.store.lock:
        for image in sb.images_of(dataset["id"]):
            if image.get("caption_source") != "pending":
                image["_caption_source_before"] = image.get("caption_source")
            image["caption_source"] = "pending"
            sb.store.put("image", image["id"], image)
        dataset["_captions_job"] = {"started": call.now, "duration": sb.options.duration("caption")}
        dataset["captions_update_status"] = "in_progress"
        dataset["updated_at"] = iso(call.now)
        sb.store.put("dataset", dataset["id"], dataset)
        sb.lifecycle.settle_captions(dataset, call.now)
    return Reply(202, sb.dataset_view(call, dataset))


# === bulk upload =================================================================================


def bulk_view(bulk: Record) -> dict[str, Any]:
    total = len(bulk.get("entries", []))
    processed = int(bulk.get("processed", 0))
    done = bulk["status"] == "completed"
    percentage = 100 if done else (0 if total == 0 else min(99, processed * 100 // total))
    view = {
        "status": bulk["status"],
        "progress_percentage": percentage,
        "done": bulk["done"],
        "failed": bulk["failed"],
        "total_processed": processed,
        "failed_images": list(bulk["failed_images"]),
    }
    if bulk.get("message"):
        view["message"] = bulk["message"]
    return view


@handles("bulk-upload-images")
async def bulk_upload_images(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    url = call.body.get("zip_url")
    if not url:
        raise field_problem("field required", "zip_url")
    if dataset.get("upload_type") != "advanced":
        raise message(400, "Bulk upload is only supported for 'advanced' upload type datasets")
    if dataset["status"] == "completed":
        raise message(400, "Cannot upload images to a completed dataset")
    if dataset.get("_bulk_attempted") or sb.store.get("bulk", dataset["id"]):
        raise message(400, "A bulk upload already took place for this dataset; only one attempt is allowed")
    if sb.images_of(dataset["id"]):
        raise message(400, "Bulk upload needs an empty dataset")
    sb._check_url(url, "zip_url")
    limit = sb.options.max_zip_bytes
    client = sb._client(url)
    try:
        request = client.build_request("GET", url)
        response = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        raise message(400, f"zip_url could not be fetched: {type(exc).__name__}") from exc
    if response.status_code != 200:
        await response.aclose()
        await client.aclose()
        raise message(400, f"zip_url could not be fetched: HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        await response.aclose()
        await client.aclose()
        raise message(413, f"The ZIP file exceeds the {limit} byte limit")
    dataset["_bulk_attempted"] = True
    sb.store.put("dataset", dataset["id"], dataset)
    bulk: Record = {
        "dataset_id": dataset["id"],
        "status": "pending",
        "entries": [],
        "processed": 0,
        "done": 0,
        "failed": 0,
        "failed_images": [],
        "prepared_at": None,
        "duration": 0.0,
        "message": None,
    }
    sb.store.put("bulk", dataset["id"], bulk)
    sb.spawn(_bulk_worker(sb, dataset["id"], client, response))
    return Reply(202, bulk_view(bulk))


async def _bulk_worker(
    sb: Sandbox, dataset_id: int, client: httpx.AsyncClient, response: httpx.Response
) -> None:
    limits = ZipLimits(
        sb.options.max_zip_entries, sb.options.max_zip_uncompressed_bytes, sb.options.max_image_bytes
    )
    failure = None
    entries: list[dict[str, Any]] = []
    try:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > sb.options.max_zip_bytes:
                raise BulkError(f"the zip exceeds the {sb.options.max_zip_bytes} byte limit")
            chunks.append(chunk)
        entries = await asyncio.to_thread(extract_images, b"".join(chunks), limits)
    except (BulkError, httpx.HTTPError) as exc:
        failure = str(exc) or type(exc).__name__
    except Exception as exc:  # keep the job's status truthful whatever happened
        log.exception("bulk upload worker failed")
        failure = f"internal error: {type(exc).__name__}"
    finally:
        await response.aclose()
        await client.aclose()
    with sb.store.lock:
        bulk = sb.store.get("bulk", dataset_id)
        if bulk is None:
            return
        if failure is not None:
            bulk.update(status="failed", message=failure)
            sb.store.put("bulk", dataset_id, bulk)
            return
        stored = []
        for entry in entries:
            if "data" in entry:
                prefix = f"datasets/{dataset_id}/images"
                blob = sb.put_file(prefix, entry.pop("data"), entry["content_type"], entry["extension"])
                thumb = sb.put_file(prefix, entry.pop("thumb"), "image/png", "png")
                stored.append(
                    {
                        "filename": entry["filename"],
                        "blob": blob,
                        "thumb": thumb,
                        "digest": entry["digest"],
                        "error_code": None,
                    }
                )
            else:
                stored.append(entry)
        bulk.update(
            status="processing", entries=stored, prepared_at=sb.now(), duration=sb.options.duration("bulk")
        )
        sb.store.put("bulk", dataset_id, bulk)
        sb.lifecycle.settle_bulk(bulk, sb.now())


@handles("get-bulk-upload-status")
async def get_bulk_upload_status(sb: Sandbox, call: Call) -> Reply:
    dataset = sb.dataset(call.params["dataset_id"])
    bulk = sb.store.get("bulk", dataset["id"])
    if bulk is None:
        raise message(404, "No bulk upload has been started for this dataset")
    return Reply(200, bulk_view(bulk))


# === visual schema and refinement ================================================================


@handles("generate-visual-schema")
async def generate_visual_schema(sb: Sandbox, call: Call) -> Reply:
    digests, colors = [], []
    for index, value in enumerate(call.body["images"]):
        try:
            data, _ = await sb.read_image_input(value, f"images.{index}", sb.options.max_image_bytes)
        except ApiError as exc:
            raise ApiError(400 if exc.status == 422 else exc.status, exc.body) from exc
        if media.sniff_image(data) is None:
            raise message(415, f"images.{index}: unsupported image format (use jpg, jpeg, png or webp)")
        digests.append(hashlib.sha256(data).hexdigest())
        colors.append(media.average_color(data))
    return Reply(200, {"visual_schema": visual_schema_for(digests, colors)})


@handles("refine-structured-prompt")
async def refine_structured_prompt(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    dataset = sb.dataset(body["dataset_id"])
    if dataset["status"] != "draft":
        raise message(400, "The referenced dataset must be in draft mode")
    if parse_json_object(body["structured_prompt"]) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object",
            "structured_prompt",
            body["structured_prompt"],
        )
    return Reply(200, {"structured_prompt": refine(body["structured_prompt"], body["instruction"])})


# === models ======================================================================================


@handles("get-models")
async def get_models(sb: Sandbox, call: Call) -> Reply:
    include = bool(call.params.get("include_training_parameters"))
    return Reply(200, [sb.model_view(m, include) for m in sb.store.all("model")])


def _new_model(sb: Sandbox, now: float, **fields: Any) -> Record:
    model_id = sb.store.next_id("model", start=700)
    record: Record = {
        "id": model_id,
        "name": fields.pop("name"),
        "description": fields.pop("description", None) or "",
        "status": "Created",
        "training_mode": "fully_automated",
        "active_model_version": "default",
        "checkpoint_steps": [],
        "training_parameters": {},
        "custom_metadata": "",
        "created_at": iso(now),
        "updated_at": iso(now),
        **fields,
    }
    return sb.store.put("model", model_id, record)


@handles("create-model")
async def create_model(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    dataset = sb.dataset(body["dataset_id"])
    model = _new_model(
        sb,
        call.now,
        name=body["name"],
        description=body.get("description"),
        dataset_id=dataset["id"],
        project_id=dataset["project_id"],
        training_mode=body.get("training_mode", "fully_automated"),
    )
    return Reply(201, sb.model_view(model))


@handles("get-model")
async def get_model(sb: Sandbox, call: Call) -> Reply:
    return Reply(200, sb.model_view(sb.model(call.params["model_id"])))


@handles("update-model")
async def update_model(sb: Sandbox, call: Call) -> Reply:
    model = sb.model(call.params["model_id"])
    for key in ("name", "description"):
        if key in call.body:
            model[key] = call.body[key]
    model["updated_at"] = iso(call.now)
    sb.store.put("model", model["id"], model)
    return Reply(200, sb.model_view(model))


@handles("delete-model")
async def delete_model(sb: Sandbox, call: Call) -> Reply:
    model = sb.model(call.params["model_id"])
    if model["status"] in TRAINING_STATES:
        raise message(409, "Cannot delete model while it is in training")
    sb.delete_model_record(model)
    return Reply(204)


@handles("start-training")
async def start_training(sb: Sandbox, call: Call) -> Reply:
    model = sb.model(call.params["model_id"])
    body = call.body or {}
    if model["status"] != "Created":
        raise message(409, f"Training already started/cannot be resumed (model status: {model['status']})")
    given = {k: v for k, v in body.items() if k in EXPERT_PARAMETERS}
    if given and model.get("training_mode") != "expert":
        raise message(
            400, "Advanced training parameters are only supported when training_mode is set to 'expert'."
        )
    dataset = sb.store.get("dataset", model.get("dataset_id"))
    if dataset is None or dataset["status"] != "completed":
        raise message(412, "Dataset status must be 'completed' to start training")
    params = {**TRAINING_DEFAULTS, **given}
    if params["lr_scheduler"] != "constant_with_warmup":
        params["lr_warmup_steps"] = None
    model["training_parameters"] = params
    marker_text = f"{model.get('name', '')} {model.get('description', '')}"
    model["_training"] = {
        "started": call.now,
        "duration": sb.options.duration("training"),
        "fail": FAIL_MARKER in marker_text,
        "total_steps": int(params["total_training_steps"]),
        "interval": int(params["checkpoint_interval"]),
        "job_id": sb.store.next_id("training_job", start=12000),
    }
    model["status"] = "InProgress"
    model["updated_at"] = iso(call.now)
    sb.store.put("model", model["id"], model)
    project = sb.store.get("project", model.get("project_id"))
    if project is not None and project.get("training_version") is None:
        project["training_version"] = "fibo"
        sb.store.put("project", project["id"], project)
    with sb.store.lock:
        sb.lifecycle.settle_model(model, call.now)
    return Reply(200, sb.model_view(model))


@handles("stop-training")
async def stop_training(sb: Sandbox, call: Call) -> Reply:
    model = sb.model(call.params["model_id"])
    if model["status"] != "InProgress":
        raise message(409, f"Training already stopped/not in training (model status: {model['status']})")
    model["status"] = "Stopping"
    model["_stop"] = {"requested": call.now, "duration": sb.options.duration("stop")}
    model["updated_at"] = iso(call.now)
    sb.store.put("model", model["id"], model)
    with sb.store.lock:
        sb.lifecycle.settle_model(model, call.now)
    return Reply(200, sb.model_view(model))


def _checkpoint_model(sb: Sandbox, model_id: int) -> Record:
    model = sb.store.get("model", model_id)
    if model is None:
        raise ApiError(404, "Model not found")
    if model["status"] != "Completed":
        raise ApiError(400, "The model status is not completed")
    if model.get("training_mode") != "expert":
        raise ApiError(400, "Checkpoints are only available for models trained in expert mode")
    return model


@handles("list-checkpoints")
async def list_checkpoints(sb: Sandbox, call: Call) -> Reply:
    model = _checkpoint_model(sb, call.params["model_id"])
    return Reply(
        200,
        {
            "active_model_version": model.get("active_model_version", "default"),
            "checkpoints": list(reversed(model.get("_checkpoints", []))),
        },
    )


def _find_checkpoint(model: Record, step: int) -> dict[str, Any]:
    for checkpoint in model.get("_checkpoints", []):
        if checkpoint["checkpoint_step"] == step:
            return dict(checkpoint)
    raise ApiError(404, "Checkpoint not found")


@handles("get-checkpoint")
async def get_checkpoint(sb: Sandbox, call: Call) -> Reply:
    model = _checkpoint_model(sb, call.params["model_id"])
    return Reply(200, _find_checkpoint(model, call.params["checkpoint_step"]))


@handles("delete-checkpoint")
async def delete_checkpoint(sb: Sandbox, call: Call) -> Reply:
    model = _checkpoint_model(sb, call.params["model_id"])
    step = call.params["checkpoint_step"]
    _find_checkpoint(model, step)
    if str(step) == str(model.get("active_model_version")):
        raise ApiError(400, "Cannot delete checkpoint currently selected for inference")
    model["_checkpoints"] = [c for c in model["_checkpoints"] if c["checkpoint_step"] != step]
    model["_deleted_checkpoints"] = [*model.get("_deleted_checkpoints", []), step]
    model["checkpoint_steps"] = [s for s in model["checkpoint_steps"] if s != str(step)]
    sb.store.put("model", model["id"], model)
    return Reply(204)


@handles("download-model")
async def download_model(sb: Sandbox, call: Call) -> Reply:
    model = sb.model(call.params["model_id"])
    if model["status"] != "Completed":
        raise message(400, f"The model status is not completed (status: {model['status']})")
    key = model.get("_file")
    if not key or sb.store.get_blob(key) is None:
        training = model.get("_training") or {}
        data = media.generate_safetensors(
            model["id"],
            metadata={
                "bria_sandbox": "true",
                "model_id": str(model["id"]),
                "name": model["name"],
                "total_training_steps": str(training.get("total_steps", "")),
            },
        )
        key = sb.store.put_blob(
            f"models/{model['id']}/model-{sb.new_hex()[:8]}.safetensors", data, "application/octet-stream"
        )
        model["_file"] = key
        sb.store.put("model", model["id"], model)
    return Reply(200, {"download_url": sb.url(call, key), **BASE_MODEL})


@handles("upload-model")
async def upload_model(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    url = body["model_url"]
    sb._check_url(url, "model_url")
    project_id = body.get("project_id")
    params = body.get("project_parameters") or {}
    if project_id is not None:
        sb.project(project_id)
    else:
        sb.check_ip(params.get("ip_medium", "illustration"), params.get("ip_type", "other"), "-", "-")
    try:
        data = await sb.fetch(url, sb.options.max_model_bytes)
    except FetchError as exc:
        raise message(422, f"model_url could not be fetched: {exc}") from exc
    if not media.is_safetensors(data):
        raise message(415, "Invalid file format: the model must be a .safetensors file")
    if project_id is None:
        project_id = sb.new_project(
            {
                "project_name": params.get("project_name", "Uploaded models"),
                "project_description": params.get("project_description", ""),
                "ip_medium": params.get("ip_medium", "illustration"),
                "ip_type": params.get("ip_type", "other"),
            },
            call.now,
        )["id"]
    name = body.get("model_name") or PurePosixPath(urlsplit(url).path).stem or "uploaded model"
    key = sb.put_file("models/uploaded", data, "application/octet-stream", "safetensors")
    model = _new_model(
        sb,
        call.now,
        name=name,
        project_id=project_id,
        status="syncing",
        _file=key,
        _sync_until=call.now + sb.options.duration("sync"),
    )
    with sb.store.lock:
        sb.lifecycle.settle_model(model, call.now)
    return Reply(200, sb.model_view(model))


# === generation and the Status Service ===========================================================


def _generation_model(sb: Sandbox, raw_id: str, missing_status: int) -> Record:
    try:
        model_id = int(str(raw_id).strip())
    except ValueError as exc:
        raise field_problem(
            "tailored_model_id must be the id of a tailored model", "tailored_model_id", raw_id
        ) from exc
    model = sb.store.get("model", model_id)
    if model is None:
        if missing_status == 404:
            raise message(404, f"Tailored model {model_id} not found")
        raise ApiError(403, "Access denied: the model does not belong to your organization")
    if model["status"] != "Completed":
        raise message(
            400,
            f"Model {model_id} cannot generate yet: its status is {model['status']} "
            "(only Completed models can generate)",
        )
    return model


def _visual_schema_of(sb: Sandbox, model: Record) -> str | None:
    dataset = sb.store.get("dataset", model.get("dataset_id"))
    return dataset.get("visual_schema") if dataset else None


def _new_job(
    sb: Sandbox, call: Call, kind: str, result: dict[str, Any] | None, error: dict[str, Any] | None
) -> Record:
    request_id = sb.new_hex()
    job = {
        "request_id": request_id,
        "kind": kind,
        "created": call.now,
        "ready_at": call.now + sb.options.duration("job"),
        "result": result,
        "error": error,
    }
    return sb.store.put("job", request_id, job)


def _accepted(call: Call, job: Record) -> Reply:
    return Reply(
        202, {"request_id": job["request_id"], "status_url": f"{call.base_url}/v2/status/{job['request_id']}"}
    )


def _palette(structured: str) -> list[Any]:
    """The ``colors`` of a structured prompt (a JSON string), so images wear the trained style."""
    try:
        colors = json.loads(structured).get("colors", [])
    except (ValueError, AttributeError):
        return []
    return colors if isinstance(colors, list) else []


def _seed(body: dict[str, Any]) -> int:
    seed = body.get("seed")
    return int(seed) if seed is not None else random.Random().randrange(2**31)


def _error(marker_source: str) -> dict[str, Any]:
    return {
        "code": 500,
        "message": "Generation failed (sandbox marker " + ERROR_MARKER + ")",
        "details": f"The request contained {ERROR_MARKER}, which makes sandbox jobs end in ERROR: "
        f"{marker_source[:100]}",
    }


def _result_view(sb: Sandbox, call: Call, result: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in result.items() if not k.startswith("_")}
    if result.get("_image"):
        view["image_url"] = sb.url(call, result["_image"])
    if result.get("_video"):
        view["video_url"] = sb.url(call, result["_video"])
    return view


@handles("generate-image")
async def generate_image(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    prompt, base = body.get("prompt"), body.get("structured_prompt")
    if not prompt and not base:
        raise field_problem("provide 'prompt', 'structured_prompt' (with 'seed'), or both", "prompt")
    if base is not None and parse_json_object(base) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object", "structured_prompt", base
        )
    if base and not prompt and body.get("seed") is None:
        raise field_problem("recreating an image from a structured_prompt requires 'seed'", "seed")
    model = _generation_model(sb, body["tailored_model_id"], 403)
    seed = _seed(body)
    text = f"{prompt or ''} {base or ''}"
    error = _error(text) if ERROR_MARKER in text else None
    result = None
    if error is None:
        structured = structured_prompt_for(prompt, base, _visual_schema_of(sb, model), seed)
        width, height = media.aspect_dimensions(body.get("aspect_ratio", "1:1"), sb.options.image_scale)
        png = await asyncio.to_thread(
            functools.partial(media.generate_png, palette=_palette(structured)),
            width,
            height,
            "image",
            model["id"],
            structured,
            seed,
            body.get("negative_prompt", ""),
        )
        key = sb.put_file("outputs/images", png, "image/png", "png")
        result = {"_image": key, "structured_prompt": structured, "seed": seed, "prompt": prompt or ""}
    job = _new_job(sb, call, "image", result, error)
    if body.get("sync"):
        if error is not None:
            raise message(500, error["message"])
        assert result is not None
        return Reply(200, {**_result_view(sb, call, result), "request_id": job["request_id"]})
    return _accepted(call, job)


@handles("generate-structured-prompt")
async def generate_structured_prompt(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    prompt, base = body.get("prompt"), body.get("structured_prompt")
    if not prompt:
        raise field_problem(
            "provide 'prompt' (text only) or 'structured_prompt' and 'prompt' (refinement)", "prompt", prompt
        )
    if base is not None and parse_json_object(base) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object", "structured_prompt", base
        )
    model = _generation_model(sb, body["tailored_model_id"], 403)
    seed = _seed(body)
    text = f"{prompt} {base or ''}"
    error = _error(text) if ERROR_MARKER in text else None
    result = (
        None
        if error
        else {
            "structured_prompt": structured_prompt_for(prompt, base, _visual_schema_of(sb, model), seed),
            "seed": seed,
        }
    )
    job = _new_job(sb, call, "structured_prompt", result, error)
    if body.get("sync"):
        if error is not None:
            raise message(500, error["message"])
        assert result is not None
        return Reply(200, {**result, "request_id": job["request_id"]})
    return _accepted(call, job)


@handles("generate-video")
async def generate_video(sb: Sandbox, call: Call) -> Reply:
    body = call.body
    model = _generation_model(sb, body["tailored_model_id"], 404)
    data, _ = await sb.read_image_input(body["image"], "image", sb.options.max_image_bytes)
    info = media.sniff_image(data)
    if info is None:
        raise message(415, "image: unsupported image format (use jpg, jpeg, png or webp)")
    seed = _seed(body)
    scale = min(1.0, 320 / max(info.width, info.height))
    width, height = max(2, int(info.width * scale) // 2 * 2), max(2, int(info.height * scale) // 2 * 2)
    error = _error(body["image"]) if ERROR_MARKER in body["image"] else None
    result = None
    if error is None:
        frames = await asyncio.to_thread(media.video_frames, data, width, height, 10, model["id"], seed)
        video = media.generate_mp4(frames, width, height, duration_ms=5000)
        key = sb.put_file("outputs/videos", video, "video/mp4", "mp4")
        result = {"_video": key, "seed": seed}
    return _accepted(call, _new_job(sb, call, "video", result, error))


@handles("get-status")
async def get_status(sb: Sandbox, call: Call) -> Reply:
    job = sb.store.get("job", call.params["request_id"])
    if job is None:
        return Reply(404, {"status": "NOT_FOUND"})
    status = job_status(job, call.now)
    view: dict[str, Any] = {"request_id": job["request_id"], "status": status}
    if status == "COMPLETED" and job.get("result") is not None:
        view["result"] = _result_view(sb, call, job["result"])
    if status == "ERROR":
        view["error"] = job["error"]
    return Reply(200, view)
