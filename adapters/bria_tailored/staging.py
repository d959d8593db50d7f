"""Staging local inputs in a team's storage so Bria can fetch them by URL (bulk ZIPs, model files).

A folder of images becomes a ZIP *stream* (STORED entries, never the whole archive in memory or on disk)
written straight into the storage named by ``via``; the object is then presigned for Bria to GET.

A staged object is fetched once by Bria and deleted once the job has ended, so nobody reads its sha256:
a backend whose ``put`` takes ``sha256=False`` (S3) is asked to skip computing it (a ZIP's entries
carry their own CRC-32, which whoever unpacks the archive checks).
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import ValidationError
from .storage import SourceLike, StorageBackend, StoredObject, open_storage
from .storage.sources import is_http_url
from .storage.zipstream import ZipEntry, ZipStream, folder_entries, iter_zip
from .validation import IMAGE_EXTENSIONS

__all__ = ["PRESIGN_SECONDS", "Staged", "delete_staged", "stage_file", "stage_zip", "zip_entries"]

#: How long Bria may take to fetch a staged object.
PRESIGN_SECONDS = 6 * 3600


class Staged(NamedTuple):
    """An object staged for Bria: what was stored, the presigned URL to give Bria, and its storage."""

    stored: StoredObject
    url: str
    store: StorageBackend


def _staging_key(name: str) -> str:
    return f"bria-staging/{uuid.uuid4().hex}/{name}"


def zip_entries(source: str | os.PathLike[str]) -> list[ZipEntry]:
    """(arcname, source) pairs for a folder of images, or for every image under a storage prefix."""
    text = os.fspath(source)
    if Path(text).is_dir():
        entries: list[ZipEntry] = list(folder_entries(text, suffixes=IMAGE_EXTENSIONS))
        if not entries:
            raise ValidationError("source", text, "holds no jpg, jpeg, png or webp images")
        return entries
    if "://" in text and not is_http_url(text):
        store = open_storage(text)
        keys = [k for k in store.list() if Path(k).suffix.lower() in IMAGE_EXTENSIONS]
        if not keys:
            raise ValidationError("source", text, "holds no jpg, jpeg, png or webp images")
        # URIs, not open streams: the ZIP writer opens each object only while it writes it.
        return [(key, store.uri(key)) for key in sorted(keys)]
    raise ValidationError("source", text, "must be a folder of images, a .zip file or a storage prefix")


def stage_zip(source: str | os.PathLike[str], via: str) -> Staged:
    """Stream ``source`` (folder, .zip file or storage prefix) into ``via`` as a ZIP; return it and its URL."""
    store = open_storage(via)
    key = _staging_key("images.zip")
    path = Path(source)
    if path.is_file():
        if path.suffix.lower() != ".zip":
            raise ValidationError("source", str(source), "a single file must be a .zip archive")
        stored = _put(store, key, path, "application/zip")
    else:
        entries = zip_entries(source)
        # A backend of ours gets the archive as chunks, which it copies straight into its part buffers;
        # any other backend gets a file object, as it always did.
        stored = _put(store, key, ZipStream(entries), "application/zip", chunks=iter_zip(entries))
    return Staged(stored, store.public_url(key, expires_in=PRESIGN_SECONDS), store)


def stage_file(source: SourceLike, via: str) -> Staged:
    """Stream one file (e.g. a ``.safetensors`` model) into ``via``; return it and its presigned URL."""
    store = open_storage(via)
    key = _staging_key(_file_name(source))
    stored = _put(store, key, source)
    return Staged(stored, store.public_url(key, expires_in=PRESIGN_SECONDS), store)


def _put(
    store: StorageBackend,
    key: str,
    source: SourceLike,
    content_type: str | None = None,
    *,
    chunks: Iterator[bytes] | None = None,
) -> StoredObject:
    """``store.put``, without the sha256 nobody reads when the backend can skip it (a ``put`` that takes
    ``sha256=False``, as S3's does); such a backend also gets ``chunks`` instead of ``source``, if given."""
    try:
        takes_flag = "sha256" in inspect.signature(store.put).parameters
    except (TypeError, ValueError):  # a put without a signature to inspect
        takes_flag = False
    if takes_flag:
        put: Callable[..., StoredObject] = store.put
        return put(key, source if chunks is None else chunks, content_type=content_type, sha256=False)
    return store.put(key, source, content_type=content_type)


def delete_staged(staged: Staged) -> None:
    """Remove a staged object once the job that needed it has ended."""
    staged.store.delete(staged.stored.key)


def _file_name(source: SourceLike) -> str:
    """The name to stage ``source`` under: its file name (a path's, a URL's, a file object's ``name``)."""
    if isinstance(source, str | os.PathLike):
        where = os.fspath(source)
    else:
        given: object = getattr(source, "name", None)
        where = given if isinstance(given, str) else ""
    return Path(where.split("?", 1)[0]).name or "upload.bin"
