"""Staging local inputs in a team's storage so Bria can fetch them by URL (bulk ZIPs, model files).

A folder of images becomes a ZIP *stream* (STORED entries, never the whole archive in memory or on disk)
written straight into the storage named by ``via``; the object is then presigned for Bria to GET.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .storage import StorageBackend, StoredObject, open_storage
from .storage.zipstream import ZipStream, folder_entries
from .validation import IMAGE_EXTENSIONS

PRESIGN_SECONDS = 6 * 3600


def _staging_key(name: str) -> str:
    return f"bria-staging/{uuid.uuid4().hex}/{name}"


def zip_entries(source: Any) -> Any:
    """(arcname, source) pairs for a folder of images, or for every image under a storage prefix."""
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        entries = list(folder_entries(source, suffixes=IMAGE_EXTENSIONS))
        if not entries:
            raise ValidationError("source", str(source), "holds no jpg, jpeg, png or webp images")
        return entries
    if isinstance(source, str) and "://" in source and not source.startswith(("http://", "https://")):
        store = open_storage(source)
        keys = [k for k in store.list() if Path(k).suffix.lower() in IMAGE_EXTENSIONS]
        if not keys:
            raise ValidationError("source", source, "holds no jpg, jpeg, png or webp images")
        # URIs, not open streams: the ZIP writer opens each object only while it writes it.
        return [(key, store.uri(key)) for key in sorted(keys)]
    raise ValidationError(
        "source", str(source), "must be a folder of images, a .zip file or a storage prefix"
    )


def stage_zip(source: Any, via: str) -> tuple[StoredObject, str, StorageBackend]:
    """Stream ``source`` (folder, .zip file or storage prefix) into ``via`` as a ZIP; return it and its URL."""
    store = open_storage(via)
    key = _staging_key("images.zip")
    if isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        if Path(source).suffix.lower() != ".zip":
            raise ValidationError("source", str(source), "a single file must be a .zip archive")
        stored = store.put(key, Path(source), content_type="application/zip")
    else:
        stored = store.put(key, ZipStream(zip_entries(source)), content_type="application/zip")
    return stored, store.public_url(key, expires_in=PRESIGN_SECONDS), store


def stage_file(source: Any, via: str) -> tuple[StoredObject, str, StorageBackend]:
    """Stream one file (e.g. a ``.safetensors`` model) into ``via``; return it and its presigned URL."""
    store = open_storage(via)
    name = Path(str(getattr(source, "name", source))).name or "upload.bin"
    key = _staging_key(name)
    src = Path(source) if isinstance(source, (str, os.PathLike)) else source
    stored = store.put(key, src)
    return stored, store.public_url(key, expires_in=PRESIGN_SECONDS), store


def delete_staged(staged: tuple[StoredObject, str, StorageBackend]) -> None:
    """Remove a staged object once the job that needed it has ended."""
    stored, _, store = staged
    store.delete(stored.key)
