"""Saving what the API makes (images, videos, model weights, dataset zips) into a team's storage.

Outputs arrive as short-lived presigned URLs. They are streamed (resuming after dropped connections,
verified) into the storage named by ``to``, with a ``<key>.json`` sidecar, and the
``bria_tailored_output_saved`` hook is called. Downloads use a plain HTTP client: the API token is never
sent to the hosts that serve outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .storage import StoredObject
from .storage.sidecar import save_output
from .types import ImageResult, StructuredPromptResult, VideoResult


def default_key(url: str, request_id: str | None = None) -> str:
    name = Path(url.split("?", 1)[0]).name or "output"
    return f"{request_id}-{name}" if request_id and request_id not in name else name


def save_result(
    result: Any, to: str | os.PathLike[str], key: str | None = None, **metadata: Any
) -> StoredObject:
    """Save an ImageResult / VideoResult (or a URL) into ``to`` with a sidecar."""
    fields: dict[str, Any] = dict(metadata)
    if isinstance(result, ImageResult):
        url = result.image_url
        fields.setdefault("structured_prompt", result.structured_prompt)
        fields.setdefault("seed", result.seed)
        fields.setdefault("request_id", result.request_id)
    elif isinstance(result, VideoResult):
        url = result.video_url
        fields.setdefault("request_id", result.request_id)
    elif isinstance(result, StructuredPromptResult):
        raise TypeError(
            "a StructuredPromptResult has no file to save; save result.structured_prompt yourself"
        )
    elif isinstance(result, str):
        url = result
    else:
        raise TypeError(f"cannot save a {type(result).__name__}: give a result or a URL")
    target = key or default_key(url, fields.get("request_id"))
    return save_output(os.fspath(to) if isinstance(to, os.PathLike) else to, target, url, fields)


def download_into(url: str, to: Any, key: str, metadata: dict[str, Any]) -> StoredObject:
    """Stream a download link (model weights, dataset zip) into storage with a sidecar."""
    return save_output(os.fspath(to) if isinstance(to, os.PathLike) else to, key, url, metadata)
