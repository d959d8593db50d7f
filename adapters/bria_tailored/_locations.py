"""Checks on where the SDK reads and writes: local paths, storage URIs, opened storages and input sources.

Unlike :mod:`bria_tailored.validation` (rules that need nothing but the value), these ask the storage
plugins which URI schemes exist, and know what the SDK returns (a ``StoredObject``, an ``ImageResult``)
as the source it stands for.
"""

from __future__ import annotations

import os
from typing import TypeGuard

from . import validation
from ._storage_base import StoredObject
from .errors import ValidationError
from .storage import StorageBackend, known_schemes, scheme_of
from .types import ImageResult


def plain_source(source: object) -> object:
    """What the SDK returned, as the source it stands for: a ``StoredObject``'s URI (``file://`` for a local
    file, ``s3://...``), an ``ImageResult``'s ``image_url``; anything else as it is."""
    if isinstance(source, StoredObject):
        return source.uri
    if isinstance(source, ImageResult):
        return source.image_url
    return source


def _is_str_path(value: object) -> TypeGuard[str | os.PathLike[str]]:
    if isinstance(value, str):
        return True
    fspath: object = getattr(value, "__fspath__", None)
    if not isinstance(value, os.PathLike) or not callable(fspath):
        return False
    return isinstance(fspath(), str)


def check_path(field: str, value: object, *, optional: bool = False) -> None:
    """A local path or storage URI: a non-empty ``str`` or an ``os.PathLike`` of ``str``."""
    if value is None and optional:
        return
    if not _is_str_path(value) or not os.fspath(value).strip():
        raise ValidationError(
            field, validation.shown(value), "must be a path or storage URI (a non-empty str)"
        )
    if "\x00" in os.fspath(value):
        raise ValidationError(field, value, "must not contain NUL characters")
    validation.check_value(field, os.fspath(value), {"type": "string"})
    check_storage_uri(field, os.fspath(value))


def check_storage_uri(field: str, value: str) -> None:
    """A ``scheme://`` that is not http(s) must be a storage scheme some loaded plugin handles."""
    scheme = scheme_of(value)
    if "://" not in value or scheme in ("http", "https", "file"):
        return
    known = known_schemes()
    if scheme not in known:
        schemes = ", ".join(f"{s}://" for s in known)
        raise ValidationError(
            field, value.split("?", 1)[0], f"names no known storage ({schemes}) and is not an http(s) URL"
        )


def check_destination(field: str, value: object, *, optional: bool = False) -> None:
    """Where an output is saved: a storage URI or folder (:func:`check_path`), or an opened storage."""
    if isinstance(value, StorageBackend):
        return
    check_path(field, value, optional=optional)


def check_source(field: str, value: object, *, optional: bool = False) -> None:
    """An input file: a path, URL or storage URI (:func:`check_path`), bytes, a binary file object, or
    what the SDK returned (a ``StoredObject``: its URI; an ``ImageResult``: its URL)."""
    if value is None and optional:
        return
    value = plain_source(value)
    size = validation.binary_size(value)
    if size is not None:
        if not size:
            raise ValidationError(field, "<0 bytes>", "must not be empty")
        return
    if _is_str_path(value):
        check_path(field, value)
        if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
            validation.check_http_url(field, value)
        return
    if not callable(getattr(value, "read", None)):
        raise ValidationError(
            field,
            validation.shown(value),
            "must be a path, bytes, a binary file object, a URL or storage URI",
        )
