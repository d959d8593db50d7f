"""Saving what the API makes (images, videos, model weights, dataset zips) into a team's storage.

Outputs arrive as short-lived presigned URLs. They are streamed (resuming after dropped connections,
verified) into the storage named by ``to``, with a ``<key>.json`` sidecar, and the
``bria_tailored_output_saved`` hook is called. Downloads use a plain HTTP client: the API token is never
sent to the hosts that serve outputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from .storage import StorageBackend, StoredObject
from .storage.sidecar import save_output
from .types import ImageResult, StructuredPromptResult, VideoResult

__all__ = ["Destination", "default_key", "download_into", "save_result"]

#: Where an output goes: a storage URI (``s3://b/p``, ``gs://b/p``, ``file:///abs``, a plugin's scheme),
#: a local folder, or an opened storage.
Destination = str | os.PathLike[str] | StorageBackend


def default_key(url: str, request_id: str | None = None) -> str:
    """The key an output is saved under when none is given: its file name, prefixed by the request id."""
    name = Path(url.split("?", 1)[0]).name or "output"
    return f"{request_id}-{name}" if request_id and request_id not in name else name


def save_result(
    result_or_url: ImageResult | VideoResult | str,
    to: Destination,
    key: str | None = None,
    *,
    model_id: int | str | None = None,
    prompt: str | None = None,
    structured_prompt: str | Mapping[str, object] | None = None,
    seed: int | None = None,
    request_id: str | None = None,
    created_at: datetime | None = None,
    **metadata: object,
) -> StoredObject:
    """Save an image or video result (or the URL of an output) into ``to`` with a ``<key>.json`` sidecar.

    ``key`` defaults to the output's file name prefixed by its request id. The sidecar records
    ``model_id``, ``prompt``, ``structured_prompt``, ``seed`` and ``request_id`` (the last three default to
    the result's own) and every other keyword argument as it is (values JSON cannot hold become text).
    """
    if isinstance(result_or_url, ImageResult):
        url = result_or_url.image_url
        if structured_prompt is None:
            structured_prompt = result_or_url.structured_prompt
        if seed is None:
            seed = result_or_url.seed
        request_id = request_id or result_or_url.request_id
    elif isinstance(result_or_url, VideoResult):
        url = result_or_url.video_url
        request_id = request_id or result_or_url.request_id
    else:
        url = _url(result_or_url)
    fields: dict[str, object] = {
        "model_id": model_id,
        "prompt": prompt,
        "structured_prompt": structured_prompt,
        "seed": seed,
        "request_id": request_id,
        **metadata,
    }
    if created_at is not None:
        fields["created_at"] = created_at
    target = key or default_key(url, request_id)
    return save_output(to, target, url, fields)


def download_into(url: str, to: Destination, key: str, metadata: Mapping[str, object]) -> StoredObject:
    """Stream a download link (model weights, dataset zip) into storage with a sidecar."""
    return save_output(to, key, url, metadata)


def _url(value: object) -> str:
    """The URL given to ``save_result``; anything else is refused (for callers without a type checker)."""
    if isinstance(value, str):
        return value
    if isinstance(value, StructuredPromptResult):
        raise TypeError(
            "a StructuredPromptResult has no file to save; save result.structured_prompt yourself"
        )
    raise TypeError(f"cannot save a {type(value).__name__}: give an ImageResult, a VideoResult or a URL")
