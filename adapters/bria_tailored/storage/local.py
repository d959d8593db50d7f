"""Local-folder storage (``./out``, ``/abs/out``, ``file:///abs/out``): atomic writes, sha256 while streaming.

Built-in plugin ``local``. A write goes to a temporary file in the target's own folder and is renamed
into place with ``os.replace`` only once complete, so readers never see half an object and a failed
upload leaves nothing behind. Keys that would escape the root (``..``, absolute paths, symlinks pointing
outside) are rejected. Local files have no URL Bria's servers could fetch: ``public_url`` raises
``NotPubliclyAddressableError``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .._storage_base import (
    DEFAULT_CHUNK_SIZE,
    HashingReader,
    InvalidKeyError,
    ObjectNotFoundError,
    SourceLike,
    StorageBackend,
    StoredObject,
    iter_chunks,
    validate_key,
    validate_prefix,
)
from ..errors import NotPubliclyAddressableError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .sources import content_type_for, open_source

__all__ = ["LocalStorage"]

_TMP_PREFIX = ".bria-tmp-"


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()


def root_from_uri(uri: str | os.PathLike[str]) -> Path:
    """The folder a local storage URI names: a plain path, or a ``file://`` URI on this machine."""
    text = os.fspath(uri)
    if text.lower().startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise ValidationError("uri", text, "a file:// URI must name this machine (file:///abs/path)")
        text = url2pathname(parts.path)
    if not text:
        raise ValidationError("uri", uri, "a local storage needs a folder path")
    return Path(text).expanduser().resolve()


class LocalStorage(StorageBackend):
    """Objects as files under a root folder (created on first write)."""

    schemes = ("file",)

    def __init__(
        self, uri: str | os.PathLike[str] = ".", *, chunk_size: int = DEFAULT_CHUNK_SIZE, fsync: bool = True
    ) -> None:
        self.root = root_from_uri(uri)
        self._chunk_size = chunk_size
        self._fsync = fsync

    def _path(self, key: str) -> Path:
        key = validate_key(key)
        path = self.root.joinpath(*key.split("/"))
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise InvalidKeyError("key", key, f"resolves outside the storage root {self.root}")
        return path

    def uri(self, key: str) -> str:
        if not key:
            return self.root.as_uri()
        return self._path(key).as_uri()

    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.parent.resolve().is_relative_to(self.root):
            raise InvalidKeyError("key", key, f"resolves outside the storage root {self.root}")
        with open_source(source, chunk_size=self._chunk_size) as src:
            ctype = content_type_for(key, content_type, src)
            reader = HashingReader(src.stream)
            fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".part", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in iter_chunks(reader, self._chunk_size):
                        out.write(chunk)
                    out.flush()
                    if self._fsync:
                        os.fsync(out.fileno())
                os.chmod(tmp_name, _FILE_MODE)
                os.replace(tmp_name, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
                raise
        return StoredObject(
            uri=path.as_uri(), key=key, size=reader.size, sha256=reader.hexdigest(), content_type=ctype
        )

    def open_read(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(f"no object at {path.as_uri()}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except IsADirectoryError:
            raise StorageError(f"{path.as_uri()} is a folder, not an object") from None
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):  # prune folders left empty
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def list(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        if not self.root.is_dir():
            return
        # descend only into the folder the prefix points at
        start = self.root
        if "/" in prefix:
            start = self.root.joinpath(*prefix.rsplit("/", 1)[0].split("/"))
            if not start.is_dir():
                return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            for name in sorted(filenames):
                if name.startswith(_TMP_PREFIX):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        raise NotPubliclyAddressableError(
            f"local storage ({self.root.as_uri()}) has no URL that Bria's servers can fetch for {key!r}; "
            "stage the file through an s3://bucket/prefix or gs://bucket/prefix storage "
            "(or a plugin's storage that can hand out public URLs) instead, e.g. via='s3://my-bucket/staging/'"
        )


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [LocalStorage]
