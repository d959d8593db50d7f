"""Handlers of the models resource: list, create, read, update and delete models, download a trained
model's weights, and upload weights as a new model."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from .. import media
from ..errors import message
from ..fetching import FetchError, fetch_failed
from ..lifecycle import TRAINING_STATES, iso
from ..records import DatasetRecord, ModelRecord
from ..service import Sandbox
from ..views import file_link, model_view
from .base import Call, Reply, handles
from .bodies import ModelCreate, ModelUpdate, ModelUpload
from .rules import check_ip

__all__ = [
    "BASE_MODEL",
    "create_model",
    "delete_model",
    "download_model",
    "get_model",
    "get_models",
    "update_model",
    "upload_model",
]

BASE_MODEL = {"base_model_name": "BRIA-FIBO", "base_model_card": "https://huggingface.co/briaai/BRIA-FIBO"}


def _trained_model(sb: Sandbox, now: float, body: ModelCreate, dataset: DatasetRecord) -> ModelRecord:
    """A new model of a dataset, ``Created`` (waiting for its training)."""
    return {
        "id": sb.store.next_id("model", start=700),
        "name": body["name"],
        "description": body.get("description") or "",
        "status": "Created",
        "training_mode": body.get("training_mode", "fully_automated"),
        "active_model_version": "default",
        "checkpoint_steps": [],
        "training_parameters": {},
        "custom_metadata": "",
        "created_at": iso(now),
        "updated_at": iso(now),
        "dataset_id": dataset["id"],
        "project_id": dataset["project_id"],
        # docs.bria.ai create-model: the base model to fine-tune; fibo models have no generation prefix.
        "training_version": body.get("training_version") or "fibo",
        "generation_prefix": None,
    }


def _uploaded_model(sb: Sandbox, now: float, name: str, project_id: int, file_key: str) -> ModelRecord:
    """A new model from uploaded weights, ``syncing`` for ``sync_seconds``."""
    return {
        "id": sb.store.next_id("model", start=700),
        "name": name,
        "description": "",
        "status": "syncing",
        "training_mode": "fully_automated",
        "active_model_version": "default",
        "checkpoint_steps": [],
        "training_parameters": {},
        "custom_metadata": "",
        "created_at": iso(now),
        "updated_at": iso(now),
        "project_id": project_id,
        "_file": file_key,
        "_sync_until": now + sb.options.duration("sync"),
    }


@handles("get-models")
async def get_models(sb: Sandbox, call: Call[None]) -> Reply:
    include = call.flag("include_training_parameters")
    return Reply(200, [model_view(m, include) for m in sb.store.models.all()])


@handles("create-model")
async def create_model(sb: Sandbox, call: Call[ModelCreate]) -> Reply:
    body = call.body
    dataset = sb.dataset(body["dataset_id"])
    model = _trained_model(sb, call.now, body, dataset)
    sb.store.models.put(model["id"], model)
    return Reply(201, model_view(model))


@handles("get-model")
async def get_model(sb: Sandbox, call: Call[None]) -> Reply:
    return Reply(200, model_view(sb.model(call.path_id("model_id"))))


@handles("update-model")
async def update_model(sb: Sandbox, call: Call[ModelUpdate]) -> Reply:
    model = sb.model(call.path_id("model_id"))
    if "name" in call.body:
        model["name"] = call.body["name"]
    if "description" in call.body:
        model["description"] = call.body["description"]
    model["updated_at"] = iso(call.now)
    sb.store.models.put(model["id"], model)
    return Reply(200, model_view(model))


@handles("delete-model")
async def delete_model(sb: Sandbox, call: Call[None]) -> Reply:
    model = sb.model(call.path_id("model_id"))
    if model["status"] in TRAINING_STATES:
        raise message(409, "Cannot delete model while it is in training")
    sb.delete_model_record(model)
    return Reply(204)


@handles("download-model")
async def download_model(sb: Sandbox, call: Call[None]) -> Reply:
    model = sb.model(call.path_id("model_id"))
    if model["status"] != "Completed":
        raise message(400, f"The model status is not completed (status: {model['status']})")
    key = model.get("_file")
    if not key or sb.store.get_blob(key) is None:
        training = model.get("_training")
        data = media.generate_safetensors(
            model["id"],
            metadata={
                "bria_sandbox": "true",
                "model_id": str(model["id"]),
                "name": model["name"],
                "total_training_steps": str(training["total_steps"]) if training else "",
            },
        )
        key = sb.store.put_blob(
            f"models/{model['id']}/model-{sb.new_hex()[:8]}.safetensors", data, "application/octet-stream"
        )
        model["_file"] = key
        sb.store.models.put(model["id"], model)
    return Reply(200, {"download_url": file_link(call.base_url, key), **BASE_MODEL})


@handles("upload-model")
async def upload_model(sb: Sandbox, call: Call[ModelUpload]) -> Reply:
    body = call.body
    url = body["model_url"]
    sb.fetcher.check_url(url, "model_url")
    project_id = body.get("project_id")
    params = body.get("project_parameters") or {}
    if project_id is not None:
        sb.project(project_id)
    else:
        check_ip(params.get("ip_medium", "illustration"), params.get("ip_type", "other"), "-", "-")
    try:
        data = await sb.fetcher.fetch(url, sb.options.max_model_bytes)
    except FetchError as exc:
        raise fetch_failed(422, "model_url", exc) from None
    if not media.is_safetensors(data):
        raise message(415, "Invalid file format: the model must be a .safetensors file")
    if project_id is None:
        project_id = sb.new_project(
            call.now,
            name=params.get("project_name", "Uploaded models"),
            description=params.get("project_description", ""),
            ip_medium=params.get("ip_medium", "illustration"),
            ip_type=params.get("ip_type", "other"),
        )["id"]
    name = body.get("model_name") or PurePosixPath(urlsplit(url).path).stem or "uploaded model"
    key = sb.put_file("models/uploaded", data, "application/octet-stream", "safetensors")
    model = _uploaded_model(sb, call.now, name, project_id, key)
    sb.store.models.put(model["id"], model)
    sb.settle_model(model, call.now)
    return Reply(200, model_view(model))
