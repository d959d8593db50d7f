"""Storage for inputs and outputs: ``open_storage(uri)`` picks a backend plugin by URI scheme.

::

    store = open_storage("s3://bucket/prefix")   # "gs://b/p", "./out", "file:///abs/out", a plugin's scheme
    obj = store.put("a/b.png", source)           # -> StoredObject(uri, key, size, sha256, content_type)
    store.open_read(key); store.exists(key); store.delete(key); store.list(prefix="")
    store.public_url(key, expires_in=3600)       # presigned GET (local: NotPubliclyAddressableError)

Backends are plugins (see :mod:`bria_tailored.plugins`): ``local`` (plain paths and ``file://``), ``s3``
and ``gcs`` are built in; the heavy client libraries are imported only when such a storage is opened.
The scheme → backend table is resolved once by the plugin manager and cached until plugins change.
"""

from __future__ import annotations

import os
import re

from .._storage_base import (
    MAX_PRESIGN_SECONDS,
    BinaryReader,
    BucketStorage,
    HashingReader,
    ObjectNotFoundError,
    Readable,
    SourceLike,
    StorageBackend,
    StoredObject,
    guess_content_type,
    validate_key,
)
from ..errors import PluginNotFoundError, ValidationError
from .sources import open_source, strip_query

__all__ = [
    "MAX_PRESIGN_SECONDS",
    "BinaryReader",
    "BucketStorage",
    "HashingReader",
    "ObjectNotFoundError",
    "Readable",
    "SourceLike",
    "StorageBackend",
    "StoredObject",
    "guess_content_type",
    "known_schemes",
    "open_source",
    "open_storage",
    "scheme_of",
    "strip_query",
    "validate_key",
]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_EXTRAS = {"s3": ("s3", "boto3"), "gs": ("gcs", "google-cloud-storage")}
_BUILTIN_OF_SCHEME = {"s3": "s3", "gs": "gcs", "file": "local"}


def scheme_of(uri: str | os.PathLike[str]) -> str:
    """The URI's scheme, lower-cased; a plain path (no ``scheme://``) is ``"file"``."""
    if not isinstance(uri, str):
        return "file"
    match = _SCHEME.match(uri)
    return match.group(1).lower() if match else "file"


def known_schemes() -> list[str]:
    """Every scheme some loaded plugin handles."""
    from ..plugins import storage_backends

    return sorted(storage_backends())


def open_storage(uri: str | os.PathLike[str] | StorageBackend, **options: object) -> StorageBackend:
    """Open the storage a URI names, with the backend plugin that handles its scheme.

    ``options`` go to the backend's constructor (e.g. ``endpoint_url=``/``region_name=`` for S3,
    ``credentials=``/``project=`` for GCS). A ``StorageBackend`` passed in is returned unchanged.
    Raises ``PluginNotFoundError`` for a scheme nobody handles, or when the backend's extra is missing.
    """
    if isinstance(uri, StorageBackend):
        return uri
    try:
        path: object = os.fspath(uri)
    except TypeError:  # not path-like at all (a caller without a type checker)
        path = None
    if not isinstance(path, str):
        raise ValidationError("uri", uri, "must be a storage URI or a local path")
    from ..plugins import disabled_plugins, storage_backends

    scheme = scheme_of(path)
    backends = storage_backends()
    backend = backends.get(scheme)
    if backend is None:
        known = ", ".join(f"{s}://" for s in sorted(backends)) or "none"
        hint = ""
        builtin = _BUILTIN_OF_SCHEME.get(scheme)
        if builtin and builtin in disabled_plugins():
            hint = f" (the built-in plugin {builtin!r} is disabled by BRIA_DISABLE_PLUGINS)"
        elif scheme in _EXTRAS:
            hint = f"; install it with: pip install 'bria-tailored[{_EXTRAS[scheme][0]}]'"
        else:
            hint = "; install a plugin that provides it (entry-point group 'bria_tailored')"
        raise PluginNotFoundError(
            f"no storage backend handles {scheme}:// URIs{hint}. Known schemes: {known}"
        )
    return backend(path, **options)
