"""The storage backends' shared base, as ``bria_tailored.storage.base`` (its home is
:mod:`bria_tailored._storage_base`, below the plugin host, which needs ``StorageBackend`` too)."""

from __future__ import annotations

from .._storage_base import (
    DEFAULT_CHUNK_SIZE,
    MAX_PRESIGN_SECONDS,
    BinaryReader,
    BucketStorage,
    HashingReader,
    InvalidKeyError,
    ObjectNotFoundError,
    Readable,
    SeekableReadable,
    SourceLike,
    StorageBackend,
    StoredObject,
    check_expires_in,
    guess_content_type,
    iter_chunks,
    join_key,
    validate_key,
    validate_prefix,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_PRESIGN_SECONDS",
    "BinaryReader",
    "BucketStorage",
    "HashingReader",
    "InvalidKeyError",
    "ObjectNotFoundError",
    "Readable",
    "SeekableReadable",
    "SourceLike",
    "StorageBackend",
    "StoredObject",
    "check_expires_in",
    "guess_content_type",
    "iter_chunks",
    "join_key",
    "validate_key",
    "validate_prefix",
]
