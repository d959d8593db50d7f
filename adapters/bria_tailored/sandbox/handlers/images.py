"""Handlers of a dataset's images: list, read, upload (base64 or URL), delete, caption one image, and
regenerate every caption.

Regenerating every caption works on a completed dataset too: the spec documents no conflict (409) for
regenerate-all-captions (only 202, 401, 403, 404, 429, 500), unlike upload, delete and single-caption
edits, which document the 409 they answer on a completed dataset. The dataset stays completed.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from .. import media
from ..content import caption_for, parse_json_object
from ..errors import field_problem, message
from ..fetching import FetchError, fetch_failed
from ..files import lazy_thumbnail_key
from ..lifecycle import iso
from ..service import Sandbox
from ..views import dataset_view, image_view
from .base import Call, Reply, handles
from .bodies import ImageCaptionUpdate, ImageUpload

__all__ = [
    "BASIC_LIMIT",
    "delete_image",
    "get_image",
    "get_images",
    "regenerate_all_captions",
    "update_image_caption",
    "upload_image",
]

BASIC_LIMIT = 200  # images in a 'basic' dataset


@handles("get-images")
async def get_images(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    return Reply(200, [image_view(image, call.base_url) for image in sb.images_of(dataset["id"])])


@handles("get-image")
async def get_image(sb: Sandbox, call: Call[None]) -> Reply:
    image = sb.image(call.path_id("dataset_id"), call.path_id("image_id"))
    return Reply(200, image_view(image, call.base_url))


@handles("upload-image")
async def upload_image(sb: Sandbox, call: Call[ImageUpload]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    body = call.body
    if dataset.get("upload_type") != "basic":
        raise message(
            409, "Image upload is only available for 'basic' datasets; use bulk-upload for advanced ones"
        )
    if dataset["status"] == "completed":
        raise message(409, "Cannot upload images to a completed dataset")
    if len(sb.images_of(dataset["id"])) >= BASIC_LIMIT:
        raise message(409, f"The dataset already has the maximum of {BASIC_LIMIT} images")
    file, image_url = body.get("file"), body.get("image_url")
    limit = sb.options.max_image_bytes
    source_url = None
    if image_url is not None and file is None:
        sb.fetcher.check_url(image_url, "image_url")
        try:
            data = await sb.fetcher.fetch(image_url, limit)
        except FetchError as exc:
            raise fetch_failed(422, "image_url", exc) from None
        source_url = image_url
    elif file is not None and image_url is None:
        data = base64.b64decode(file)
        if len(data) > limit:
            raise field_problem(f"the image exceeds {limit} bytes", "file")
    else:
        raise field_problem(
            "provide exactly one of 'file' and 'image_url'", "file" if file is not None else "image_url"
        )
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
    digest = hashlib.sha256(data).hexdigest()
    name = body.get("image_name")
    if not name and source_url:
        name = PurePosixPath(urlsplit(source_url).path).name
    name = name or f"image_{digest[:8]}.{info.extension}"
    blob = sb.put_file(f"datasets/{dataset['id']}/images", data, info.content_type, info.extension)
    thumb = lazy_thumbnail_key(blob)  # made on first GET: keeps uploads off the event loop's CPU
    image = sb.add_image(dataset, blob, thumb, digest, name, call.now, source_url)
    return Reply(201, image_view(image, call.base_url))


@handles("delete-image")
async def delete_image(sb: Sandbox, call: Call[None]) -> Reply:
    image = sb.image(call.path_id("dataset_id"), call.path_id("image_id"))
    if sb.dataset(call.path_id("dataset_id"))["status"] == "completed":
        raise message(409, "Cannot delete an image from a completed dataset")
    sb.delete_image_record(image)
    return Reply(204)


@handles("update-image-caption")
async def update_image_caption(sb: Sandbox, call: Call[ImageCaptionUpdate]) -> Reply:
    image = sb.image(call.path_id("dataset_id"), call.path_id("image_id"))
    dataset = sb.dataset(call.path_id("dataset_id"))
    body = call.body
    if dataset["status"] == "completed":
        raise message(409, "Cannot update caption in a completed dataset")
    caption, regenerate = body.get("caption"), bool(body.get("regenerate_caption"))
    if (caption is not None) == regenerate:
        raise field_problem(
            "provide exactly one of 'caption' and 'regenerate_caption: true'", "caption", caption
        )
    if regenerate:
        schema = dataset.get("visual_schema")
        if not schema:
            raise message(400, "The dataset has no visual_schema to generate captions from")
        image["caption"] = caption_for(schema, image["_digest"], image["image_name"])
        image["caption_source"] = "automatic"
    else:
        if parse_json_object(caption) is None:
            raise field_problem("caption must be a string holding a JSON object", "caption", caption)
        image["caption"] = caption
        image["caption_source"] = "manual"
    image["updated_at"] = iso(call.now)
    sb.store.images.put(image["id"], image)
    return Reply(200, image_view(image, call.base_url))


@handles("regenerate-all-captions")
async def regenerate_all_captions(sb: Sandbox, call: Call[None]) -> Reply:
    dataset = sb.dataset(call.path_id("dataset_id"))
    with sb.store.lock:
        for image in sb.images_of(dataset["id"]):
            if image.get("caption_source") != "pending":
                image["_caption_source_before"] = image.get("caption_source")
            image["caption_source"] = "pending"
            sb.store.images.put(image["id"], image)
        dataset["_captions_job"] = {"started": call.now, "duration": sb.options.duration("caption")}
        dataset["captions_update_status"] = "in_progress"
        dataset["updated_at"] = iso(call.now)
        sb.store.datasets.put(dataset["id"], dataset)
        sb.lifecycle.settle_captions(dataset, call.now)
    return Reply(202, dataset_view(sb, dataset, call.base_url))
