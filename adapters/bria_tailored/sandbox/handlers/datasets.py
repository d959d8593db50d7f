"""Handlers of the datasets resource: list, create, read, update (visual schema, completion), delete,
clone and download datasets.

Decisions where the sandbox follows its spec, or the real API where they differ for a documented reason:

- update-dataset accepts ``"status": "Completed"`` (capitalised) as ``completed``: Bria's cookbook
  (``Bria-AI/cookbooks``, ``examples/bria_brand_gen_pipeline/fine_tune_api.ipynb``) completes datasets
  that way against the real API, while the spec's ``DatasetStatus`` enum lists only ``draft`` and
  ``completed``. The answer shows ``completed``, as the API's responses do.
- clone-dataset accepts ``description`` (``DatasetClone`` documents it) but no dataset shows one: the
  ``Dataset`` schema has no ``description``, so the sandbox keeps none.
"""

from __future__ import annotations

import json

from .. import media
from ..content import parse_json_object
from ..errors import field_problem, message
from ..json_types import JSON
from ..lifecycle import TRAINING_STATES, iso
from ..records import DatasetRecord
from ..service import Sandbox
from ..views import dataset_view, file_link
from .base import Call, Reply, handles, prepares
from .bodies import DatasetClone, DatasetCreate, DatasetUpdate

__all__ = [
    "MIN_IMAGES",
    "clone_dataset",
    "create_dataset",
    "delete_dataset",
    "download_dataset",
    "get_dataset",
    "get_datasets",
    "prepare_dataset_update",
    "update_dataset",
]

MIN_IMAGES = 5  # a dataset needs this many images to be completed


@handles("get-datasets")
async def get_datasets(sb: Sandbox, call: Call[None]) -> Reply:
    return Reply(200, [dataset_view(sb, d, call.base_url) for d in sb.store.datasets.all()])


@handles("create-dataset")
async def create_dataset(sb: Sandbox, call: Call[DatasetCreate]) -> Reply:
    body = call.body
    sb.project(body["project_id"])
    dataset_id = sb.store.next_id("dataset", start=400)
    record: DatasetRecord = {
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
    sb.store.datasets.put(dataset_id, record)
    return Reply(201, dataset_view(sb, record, call.base_url))


@handles("get-dataset")
async def get_dataset(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    return Reply(200, dataset_view(sb, dataset, call.base_url, images=call.count("max_images", 200)))


@prepares("update-dataset")
def prepare_dataset_update(body: JSON) -> JSON:
    """``"Completed"``, as Bria's cookbook sends it, means ``completed`` (see the module docstring)."""
    if isinstance(body, dict) and body.get("status") == "Completed":
        return {**body, "status": "completed"}
    return body


@handles("update-dataset")
async def update_dataset(sb: Sandbox, call: Call[DatasetUpdate]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
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
        bulk = sb.store.bulks.get(dataset["id"])
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
    if "name" in body:
        dataset["name"] = body["name"]
    if "visual_schema" in body:
        dataset["visual_schema"] = body["visual_schema"]
    if "status" in body:
        dataset["status"] = body["status"]
    dataset["updated_at"] = iso(call.now)
    sb.store.datasets.put(dataset["id"], dataset)
    return Reply(200, dataset_view(sb, dataset, call.base_url))


@handles("delete-dataset")
async def delete_dataset(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    if any(m["status"] in TRAINING_STATES for m in sb.models_of_dataset(dataset["id"])):
        raise message(409, "Cannot delete a dataset that is used by a model in training")
    sb.delete_dataset_cascade(dataset["id"])
    return Reply(204)


@handles("clone-dataset")
async def clone_dataset(sb: Sandbox, call: Call[DatasetClone]) -> Reply:
    source = sb.dataset(call.path_id("dataset_id"))
    body = call.body
    dataset_id = sb.store.next_id("dataset", start=400)
    record: DatasetRecord = {  # the source's public fields, in their order
        "id": dataset_id,
        "project_id": source["project_id"],
        "name": body.get("name") or f"Copy of {source['name']}",
        "status": "draft",
        "upload_type": source["upload_type"],
        "visual_schema": source["visual_schema"],
        "captions_update_status": source["captions_update_status"],
        "created_at": iso(call.now),
        "updated_at": iso(call.now),
        "_captions_job": None,
        "_bulk_attempted": False,
    }
    if record.get("captions_update_status") == "in_progress":
        record["captions_update_status"] = "completed"
    sb.store.datasets.put(dataset_id, record)
    for image in sb.images_of(source["id"]):
        copy_id = sb.store.next_id("image", start=1000)
        copied = image.copy()  # the files are shared (deleting an image keeps files a copy still uses)
        copied["id"] = copy_id
        copied["dataset_id"] = dataset_id
        copied["created_at"] = iso(call.now)
        copied["updated_at"] = iso(call.now)
        if copied.get("caption_source") == "pending":
            copied["caption_source"] = copied.pop("_caption_source_before", None)
        sb.store.images.put(copy_id, copied)
    return Reply(201, dataset_view(sb, record, call.base_url))


@handles("download-dataset")
async def download_dataset(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    if dataset.get("upload_type") != "advanced":
        raise message(409, "Download is only supported for advanced dataset types.")
    images = sb.images_of(dataset["id"])
    files: list[tuple[str, bytes]] = []
    for image in images:
        blob = sb.store.get_blob(image["_blob"])
        if blob is not None:
            files.append((image["image_name"], blob[1]))
    zip_key = sb.put_file(
        f"downloads/dataset-{dataset['id']}", media.dataset_zip(files), "application/zip", "zip"
    )
    view: dict[str, object] = {"download_url": file_link(call.base_url, zip_key)}
    if images and all(image.get("caption_source") == "automatic" for image in images):
        captions = {image["image_name"]: image["caption"] for image in images}
        key = sb.put_file(
            f"downloads/dataset-{dataset['id']}",
            json.dumps(captions, indent=2).encode(),
            "application/json",
            "json",
        )
        view["captions_url"] = file_link(call.base_url, key)
    return Reply(200, view)
