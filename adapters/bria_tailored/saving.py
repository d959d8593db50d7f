"""Saving what the API makes (images, videos, model weights, dataset zips) into a team's storage.

Outputs arrive as short-lived presigned URLs. They are streamed (resuming after dropped connections,
verified, within a deadline: see :mod:`bria_tailored.storage.download`) into the storage named by ``to``,
with a ``<key>.json`` sidecar, and the ``bria_tailored_output_saved`` hook is called. Downloads use a
plain HTTP client: the API token is never sent to the hosts that serve outputs.

**Whose URL it is decides what may be read.**

* *From the API*: an ``ImageResult``/``VideoResult`` (its ``image_url``/``video_url``) and the links of
  ``datasets.download``/``models.download`` (:func:`download_into`). These are downloaded only over
  ``https://``, or ``http://`` when the API itself is on ``http://`` (``api_base_url``, e.g. the sandbox);
  every redirect is held to the same rule. Anything else (a local path, ``file://``, ``s3://``, ``gs://``,
  a plugin's scheme) raises :class:`~bria_tailored.errors.UnsafeURLError` before anything is opened: a
  response (or whoever tampered with it) never makes the client read the user's files or buckets.
* *The caller's own*: a plain ``str`` given to ``save`` as its first argument is trusted as written in the
  caller's code: an http(s) URL, a storage URI (``s3://b/k``, ``gs://...``, ``file:///abs``, a plugin's
  scheme) or a local path. Do not pass a URL taken from a response as a ``str``: pass the result object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from .storage import StorageBackend, StoredObject
from .storage.download import check_output_url, output_schemes
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
    api_base_url: str | None = None,
    **metadata: object,
) -> StoredObject:
    """Save an image or video result (or the caller's own URL, URI or path) into ``to`` with a
    ``<key>.json`` sidecar.

    A result's URL comes from the API: it must be ``https://``, or ``http://`` when ``api_base_url`` (the
    base URL of the API that answered; ``None``: unknown, so ``https://`` only) is ``http://``; anything
    else raises ``UnsafeURLError`` before anything is read. A ``str`` is the caller's own and may also be a
    storage URI or a local path (see the module docstring).

    ``key`` defaults to the output's file name prefixed by its request id. The sidecar records
    ``model_id``, ``prompt``, ``structured_prompt``, ``seed`` and ``request_id`` (each defaults to what the
    result carries: results remember their inputs), the result's negative prompt, aspect ratio and source
    image, and every other keyword argument as it is (values JSON cannot hold become text).
    """
    schemes: frozenset[str] | None = None  # None: the caller's own source, any kind
    if isinstance(result_or_url, ImageResult):
        schemes = output_schemes(api_base_url)
        url = check_output_url(result_or_url.image_url, schemes=schemes, what="image_url")
        if structured_prompt is None:
            structured_prompt = result_or_url.structured_prompt
        if seed is None:
            seed = result_or_url.seed
        request_id = request_id or result_or_url.request_id
        model_id = model_id if model_id is not None else result_or_url.model_id
        prompt = prompt if prompt is not None else result_or_url.prompt
        for name in ("negative_prompt", "aspect_ratio"):
            carried = getattr(result_or_url, name)
            if carried is not None:
                metadata.setdefault(name, carried)
    elif isinstance(result_or_url, VideoResult):
        schemes = output_schemes(api_base_url)
        url = check_output_url(result_or_url.video_url, schemes=schemes, what="video_url")
        request_id = request_id or result_or_url.request_id
        model_id = model_id if model_id is not None else result_or_url.model_id
        if seed is None:
            seed = result_or_url.seed
        if result_or_url.source_image is not None:
            metadata.setdefault("source_image", result_or_url.source_image)
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
    return save_output(to, target, url, fields, schemes=schemes)


def download_into(
    url: object,
    to: Destination,
    key: str,
    metadata: Mapping[str, object],
    *,
    api_base_url: str | None = None,
) -> StoredObject:
    """Stream a download link from the API (model weights, dataset zip) into storage with a sidecar.

    ``url`` comes from a response: it must be ``https://``, or ``http://`` when ``api_base_url`` (the API's
    base URL; ``None``: unknown, so ``https://`` only) is ``http://``; anything else (a missing link
    included) raises ``UnsafeURLError`` before anything is read.
    """
    schemes = output_schemes(api_base_url)
    link = check_output_url(url, schemes=schemes, what="download_url")
    return save_output(to, key, link, metadata, schemes=schemes)


def _url(value: object) -> str:
    """The URL given to ``save_result``; anything else is refused (for callers without a type checker)."""
    if isinstance(value, str):
        return value
    if isinstance(value, StructuredPromptResult):
        raise TypeError(
            "a StructuredPromptResult has no file to save; save result.structured_prompt yourself"
        )
    raise TypeError(f"cannot save a {type(value).__name__}: give an ImageResult, a VideoResult or a URL")
