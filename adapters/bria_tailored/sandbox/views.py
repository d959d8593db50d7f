"""How records look on the wire: the JSON views of projects, datasets, images, models, bulk uploads, jobs.

A view is a record's public keys (those without a leading ``_``) in the record's key order, plus what
the API derives: file URLs under the request's base URL, counts, nested images and models.
"""

from __future__ import annotations

from collections.abc import Mapping

from .files import file_url
from .lifecycle import job_status
from .records import BulkRecord, DatasetRecord, ImageRecord, JobRecord, JobResult, ModelRecord
from .service import Sandbox

__all__ = [
    "bulk_view",
    "dataset_view",
    "file_link",
    "image_view",
    "model_view",
    "public",
    "result_view",
    "status_view",
]

View = dict[str, object]


def public(record: Mapping[str, object]) -> View:
    """The keys of a record the API shows."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def file_link(base_url: str, key: str | None) -> str | None:
    """The URL the sandbox serves a stored file at (``None`` for no file)."""
    return file_url(base_url, key) if key else None


def image_view(image: ImageRecord, base_url: str) -> View:
    view = public(image)
    view["image_url"] = file_link(base_url, image["_blob"])
    view["thumbnail_url"] = file_link(base_url, image["_thumb"])
    return view


def model_view(model: ModelRecord, include_training: bool = True) -> View:
    view = public(model)
    if not include_training:
        view.pop("training_parameters", None)
        view.pop("checkpoint_steps", None)
    return view


def dataset_view(
    sb: Sandbox,
    dataset: DatasetRecord,
    base_url: str,
    images: int | None = None,
    include_models: bool = False,
    include_model_ids: bool = False,
) -> View:
    """A dataset with its ``images_count`` and, on request, its first images and its models."""
    view = public(dataset)
    all_images = sb.images_of(dataset["id"])
    view["images_count"] = len(all_images)
    if images is not None:
        view["images"] = [image_view(image, base_url) for image in all_images[:images]]
    if include_models:
        view["models"] = [model_view(m) for m in sb.models_of_dataset(dataset["id"])]
    if include_model_ids:
        view["model_ids"] = [str(m["id"]) for m in sb.models_of_dataset(dataset["id"])]
    return view


def bulk_view(bulk: BulkRecord) -> View:
    """A bulk upload's progress (``progress_percentage`` stays below 100 until it completes)."""
    total = len(bulk.get("entries", []))
    processed = int(bulk.get("processed", 0))
    done = bulk["status"] == "completed"
    percentage = 100 if done else (0 if total == 0 else min(99, processed * 100 // total))
    view: View = {
        "status": bulk["status"],
        "progress_percentage": percentage,
        "done": bulk["done"],
        "failed": bulk["failed"],
        "total_processed": processed,
        "failed_images": list(bulk["failed_images"]),
    }
    return view  # no "message": BulkUploadStatus documents none (a failed upload's reason is logged)


def result_view(result: JobResult, base_url: str) -> View:
    """A finished job's result, its output file as ``image_url`` or ``video_url``."""
    view = public(result)
    if result.get("_image"):
        view["image_url"] = file_link(base_url, result.get("_image"))
    if result.get("_video"):
        view["video_url"] = file_link(base_url, result.get("_video"))
    return view


def status_view(job: JobRecord, now: float, base_url: str) -> View:
    """A job as the Status Service shows it at ``now`` (and as its webhook delivers it once it ended)."""
    status = job_status(job, now)
    view: View = {"request_id": job["request_id"], "status": status}
    result = job.get("result")
    if status == "COMPLETED" and result is not None:
        view["result"] = result_view(result, base_url)
    if status == "ERROR":
        view["error"] = job["error"]
    return view
