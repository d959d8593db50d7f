"""Handlers of an advanced dataset's bulk upload: start it from a zip URL, and read its status.

The zip is fetched and unpacked by a background task (:func:`fetch_and_unpack`); its images are then
added progressively by the lifecycle, over ``bulk_seconds`` of the sandbox clock.

An upload that fails as a whole (not a zip, too big, cut short) shows ``status: failed`` and nothing more:
``BulkUploadStatus`` documents no ``message``, so the reason goes to the ``bria_tailored.sandbox`` log.
A ``zip_url`` that cannot be fetched is answered 400 like every other fetch failure (``fetching.py``).
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from ..bulk import BulkError, ZipEntry, ZipLimits, extract_images
from ..errors import field_problem, message
from ..fetching import Download, FetchError, fetch_failed
from ..records import BulkEntry, BulkRecord
from ..service import Sandbox
from ..views import bulk_view
from .base import Call, Reply, handles
from .bodies import BulkUploadRequest

__all__ = ["bulk_upload_images", "fetch_and_unpack", "get_bulk_upload_status"]

log = logging.getLogger("bria_tailored.sandbox")


@handles("bulk-upload-images")
async def bulk_upload_images(sb: Sandbox, call: Call[BulkUploadRequest]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    url = call.body.get("zip_url")
    if not url:
        raise field_problem("field required", "zip_url")
    if dataset.get("upload_type") != "advanced":
        raise message(400, "Bulk upload is only supported for 'advanced' upload type datasets")
    if dataset["status"] == "completed":
        raise message(400, "Cannot upload images to a completed dataset")
    if dataset.get("_bulk_attempted") or sb.store.bulks.get(dataset["id"]):
        raise message(400, "A bulk upload already took place for this dataset; only one attempt is allowed")
    if sb.images_of(dataset["id"]):
        raise message(400, "Bulk upload needs an empty dataset")
    sb.fetcher.check_url(url, "zip_url")
    limit = sb.options.max_zip_bytes
    try:
        download = await sb.fetcher.open(url)
    except FetchError as exc:
        raise fetch_failed(400, "zip_url", exc) from None
    declared = download.response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        await download.aclose()
        raise message(413, f"The ZIP file exceeds the {limit} byte limit")
    dataset["_bulk_attempted"] = True
    sb.store.datasets.put(dataset["id"], dataset)
    bulk: BulkRecord = {
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
    sb.store.bulks.put(dataset["id"], bulk)
    sb.spawn(fetch_and_unpack(sb, dataset["id"], download))
    return Reply(202, bulk_view(bulk))


async def fetch_and_unpack(sb: Sandbox, dataset_id: int, download: Download) -> None:
    """Read the zip, store its images, and hand them to the lifecycle (or mark the upload failed)."""
    limits = ZipLimits(
        sb.options.max_zip_entries, sb.options.max_zip_uncompressed_bytes, sb.options.max_image_bytes
    )
    failure = None
    entries: list[ZipEntry] = []
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in download.response.aiter_bytes():
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
        await download.aclose()
    with sb.store.lock:
        bulk = sb.store.bulks.get(dataset_id)
        if bulk is None:
            return
        if failure is not None:
            log.warning("sandbox: bulk upload into dataset %s failed: %s", dataset_id, failure)
            bulk["status"] = "failed"
            bulk["message"] = failure
            sb.store.bulks.put(dataset_id, bulk)
            return
        bulk["status"] = "processing"
        bulk["entries"] = [_store_entry(sb, dataset_id, entry) for entry in entries]
        bulk["prepared_at"] = sb.now()
        bulk["duration"] = sb.options.duration("bulk")
        sb.store.bulks.put(dataset_id, bulk)
        sb.lifecycle.settle_bulk(bulk, sb.now())


def _store_entry(sb: Sandbox, dataset_id: int, entry: ZipEntry) -> BulkEntry:
    """Store an extracted image's files, queueing it; a rejected file stays as it is."""
    if "data" in entry:
        prefix = f"datasets/{dataset_id}/images"
        blob = sb.put_file(prefix, entry["data"], entry["content_type"], entry["extension"])
        thumb = sb.put_file(prefix, entry["thumb"], "image/png", "png")
        return {
            "filename": entry["filename"],
            "blob": blob,
            "thumb": thumb,
            "digest": entry["digest"],
            "error_code": None,
        }
    return {
        "filename": entry["filename"],
        "error_code": entry["error_code"],
        "error_message": entry["error_message"],
    }


@handles("get-bulk-upload-status")
async def get_bulk_upload_status(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    bulk = sb.store.bulks.get(dataset["id"])
    if bulk is None:
        raise message(404, "No bulk upload has been started for this dataset")
    return Reply(200, bulk_view(bulk))
