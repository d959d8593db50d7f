"""Any fsspec filesystem as storage: the bridge backend (extra ``fsspec``; extra ``azure`` adds adlfs).

Built-in plugin ``fsspec``. It offers every URI scheme that has an installed fsspec implementation
(``memory://``, ``az://``/``abfs://`` with adlfs, ``sftp://`` with paramiko, ``hf://``...) and is
registered last, so the native backends (``file``, ``s3``, ``gs``) and any third-party plugin win for
their schemes; with a native backend disabled by ``BRIA_DISABLE_PLUGINS``, its scheme goes to fsspec
when an implementation is installed (s3fs, gcsfs). Wrappers and read-only schemes (``http``, ``zip``,
``simplecache``...) are left out. The scheme list is read from fsspec's registry when the plugin table is
built; call ``bria_tailored.plugins.plugins_changed()`` after registering an fsspec implementation at
run time.

``open_storage("az://container/prefix", connection_string=...)``: options go to the filesystem's
constructor (fsspec's ``storage_options``), except ``block_size`` (the bytes buffered per upload part and
per read-ahead, default 5 MiB: S3's minimum part size). The filesystem is fsspec's cached instance for
those options.

* Writes stream in ``block_size`` pieces and are atomic: object stores (Azure, S3, GCS) commit an upload
  only when it completes, and a failed one is discarded without being committed; ``memory://`` commits
  the finished file in one step; any other filesystem writes a hidden ``.bria-tmp-*`` sibling and moves
  it into place.
* Reads stream (``memory://`` reads by range, never copying the whole object).
* ``public_url`` is the filesystem's ``sign()`` (adlfs: a read-only SAS URL, which needs the account key
  or a connection string holding it); a filesystem without ``sign()`` raises
  ``NotPubliclyAddressableError``.
* Errors: a missing object raises ``ObjectNotFoundError``, any other failure of the filesystem a
  ``StorageError`` (chained to the original); an error of the source reaches the caller unchanged.

fsspec ships no type information: :class:`FileSystem` and :class:`FsspecFile` describe the part of it
this module uses, and the filesystem is typed as one where it is made.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, NoReturn, Protocol, TypeVar, cast

from .._storage_base import (
    BinaryReader,
    HashingReader,
    ObjectNotFoundError,
    SourceLike,
    StorageBackend,
    StoredObject,
    check_expires_in,
    iter_chunks,
    validate_key,
    validate_prefix,
)
from ..errors import NotPubliclyAddressableError, PluginNotFoundError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .sources import content_type_for, open_source

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["FileSystem", "FsspecFile", "FsspecStorage", "available_schemes"]

INSTALL_HINT = "pip install 'bria-tailored[fsspec]'"
AZURE_HINT = "pip install 'bria-tailored[azure]'"
DEFAULT_BLOCK_SIZE = 5 * 1024 * 1024  # the smallest S3 part; a multiple of 256 KiB (GCS)
TMP_PREFIX = ".bria-tmp-"

#: Schemes fsspec knows that are no place to store objects: wrappers, archives, read-only or local.
NOT_STORAGE = frozenset(
    {
        "file", "local", "http", "https", "data", "dir", "reference", "generic",
        "blockcache", "cached", "filecache", "simplecache", "async_wrapper", "asyncwrapper", "asynclocal",
        "zip", "tar", "libarchive", "jlab", "jupyter", "git", "github", "gist", "dask", "pyscript",
    }
)  # fmt: skip
#: fsspec's own implementations that need another package (the others need the class's package only).
NEEDS = {
    "sftp": "paramiko",
    "ssh": "paramiko",
    "smb": "smbprotocol",
    "hdfs": "pyarrow",
    "arrow_hdfs": "pyarrow",
    "webhdfs": "requests",
    "dbfs": "requests",
    "adl": "azure.datalake.store",
}
#: Object stores whose uploads become visible only when complete (so a discarded one leaves nothing),
#: and the ``open`` keyword that sets the stored content type.
COMMIT_ON_CLOSE: dict[str, Callable[[str], dict[str, object]]] = {
    "az": lambda ctype: {"content_settings": {"content_type": ctype}},
    "abfs": lambda ctype: {"content_settings": {"content_type": ctype}},
    "abfss": lambda ctype: {"content_settings": {"content_type": ctype}},
    "s3": lambda ctype: {"ContentType": ctype},
    "s3a": lambda ctype: {"ContentType": ctype},
    "gs": lambda ctype: {"content_type": ctype},
    "gcs": lambda ctype: {"content_type": ctype},
}


class FsspecFile(Protocol):
    """A file opened by an fsspec filesystem (``AbstractBufferedFile`` and friends)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def write(self, data: bytes, /) -> int: ...

    def close(self) -> None: ...


class FileSystem(Protocol):
    """The part of ``fsspec.AbstractFileSystem`` this module uses."""

    def open(
        self, path: str, mode: str = "rb", block_size: int | None = None, **kwargs: object
    ) -> FsspecFile: ...

    def isfile(self, path: str) -> bool: ...

    def rm_file(self, path: str) -> None: ...

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False) -> list[str]: ...

    def cat_file(self, path: str, start: int | None = None, end: int | None = None) -> bytes: ...

    def size(self, path: str) -> int | None: ...

    def mv(self, path1: str, path2: str) -> None: ...

    def makedirs(self, path: str, exist_ok: bool = False) -> None: ...

    def sign(self, path: str, expiration: int = 100) -> str: ...

    def invalidate_cache(self, path: str | None = None) -> None: ...


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken one
        return False


def available_schemes() -> tuple[str, ...]:
    """The schemes the bridge offers: fsspec's known and registered implementations that are installed
    and are storage (not wrappers, archives or http)."""
    if not _installed("fsspec"):
        return ()
    registry = importlib.import_module("fsspec.registry")
    known: object = registry.known_implementations
    registered: object = registry.registry
    schemes: set[str] = set()
    if isinstance(known, Mapping):
        for scheme, spec in cast("Mapping[object, object]", known).items():
            if not isinstance(scheme, str) or scheme in NOT_STORAGE or not isinstance(spec, Mapping):
                continue
            target: object = cast("Mapping[object, object]", spec).get("class")
            if not isinstance(target, str):
                continue
            if _installed(NEEDS.get(scheme, target.split(".", 1)[0])):
                schemes.add(scheme)
    if isinstance(registered, Mapping):  # implementations registered at run time (a read-only mapping)
        schemes.update(
            scheme for scheme in cast("Mapping[object, object]", registered) if isinstance(scheme, str)
        )
    return tuple(sorted(schemes - NOT_STORAGE))


def _fsspec_error(scheme: str, exc: ImportError) -> PluginNotFoundError:
    hint = (
        AZURE_HINT
        if scheme in ("az", "abfs", "abfss")
        else f"install the fsspec implementation of {scheme}://"
    )
    return PluginNotFoundError(
        f"{scheme}:// storage through fsspec cannot load its filesystem ({exc}); {hint}"
    )


T = TypeVar("T")


class FsspecStorage(StorageBackend):
    """Objects under ``scheme://root/prefix`` of an fsspec filesystem."""

    #: Filled from fsspec's registry when the plugin hook is called (see :func:`available_schemes`).
    schemes: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        uri: str,
        /,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        filesystem: FileSystem | None = None,
        **storage_options: object,
    ) -> None:
        if not _installed("fsspec"):
            raise PluginNotFoundError(
                f"fsspec storage needs fsspec, which is not installed; run: {INSTALL_HINT}"
            )
        if "://" not in uri:
            raise ValidationError("uri", uri, "an fsspec storage URI looks like scheme://root/prefix")
        self.scheme = uri.split("://", 1)[0].lower()
        if not isinstance(block_size, int) or block_size <= 0:
            raise ValidationError("block_size", block_size, "must be a positive number of bytes")
        self._block_size = block_size
        self._base_uri = uri.rstrip("/")
        core = importlib.import_module("fsspec.core")
        try:
            # fsspec is untyped: url_to_fs returns (AbstractFileSystem, path), which FileSystem describes
            fs, root = cast("tuple[FileSystem, str]", core.url_to_fs(uri, **storage_options))
        except ImportError as exc:
            raise _fsspec_error(self.scheme, exc) from None
        except (ValueError, TypeError) as exc:
            raise ValidationError("uri", uri, f"fsspec cannot open it: {exc}") from None
        except OSError as exc:  # filesystems that connect on opening (ftp, sftp, ...)
            raise StorageError(
                f"{self.scheme}:// storage could not be reached: {type(exc).__name__}: {exc}"
            ) from None
        self.fs: FileSystem = filesystem if filesystem is not None else fs
        self.root = root.rstrip("/")
        memory = importlib.import_module("fsspec.implementations.memory")
        self._memory: bool = isinstance(self.fs, memory.MemoryFileSystem)
        self._memory_file: Callable[..., object] = memory.MemoryFile

    # ----------------------------------------------------------------- paths
    def _path(self, key: str) -> str:
        key = validate_key(key)
        return f"{self.root}/{key}" if self.root else key

    def uri(self, key: str) -> str:
        if not key:
            return self._base_uri
        return f"{self._base_uri}/{validate_key(key)}"

    def _call(self, action: str, key: str, call: Callable[[], T]) -> T:
        """Run one filesystem operation, mapping its errors to the SDK's."""
        try:
            return call()
        except (StorageError, ValidationError):
            raise
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            if action == "read":
                raise ObjectNotFoundError(f"no object at {self.uri(key)}") from exc
            self._fail(action, key, exc)
        except Exception as exc:
            self._fail(action, key, exc)

    def _fail(self, action: str, key: str, exc: Exception) -> NoReturn:
        where = self.uri(key) if key else self.uri("")
        raise StorageError(f"cannot {action} {where} through fsspec: {type(exc).__name__}: {exc}") from exc

    # ----------------------------------------------------------------- writes
    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        path = self._path(key)
        with open_source(source, chunk_size=self._block_size) as src:
            ctype = content_type_for(key, content_type, src)
            reader = HashingReader(src.stream)
            chunks = iter_chunks(reader, self._block_size)
            if self._memory:
                self._put_memory(key, path, chunks)
            elif self.scheme in COMMIT_ON_CLOSE:
                self._put_direct(key, path, chunks, COMMIT_ON_CLOSE[self.scheme](ctype))
            else:
                self._put_by_rename(key, path, chunks)
        return StoredObject(
            uri=self.uri(key), key=key, size=reader.size, sha256=reader.hexdigest(), content_type=ctype
        )

    def _put_memory(self, key: str, path: str, chunks: Iterator[bytes]) -> None:
        # memory://: fill a file that is not in the store yet, then commit it in one step
        stripped: str = cast("str", getattr(self.fs, "_strip_protocol")(path))  # noqa: B009 - untyped
        memory_file = cast("_MemoryFile", self._memory_file(self.fs, stripped, None))
        for chunk in chunks:
            memory_file.write(chunk)
        self._call("write", key, memory_file.commit)

    def _put_direct(self, key: str, path: str, chunks: Iterator[bytes], extra: dict[str, object]) -> None:
        # an object store: the upload is committed by close() only; on failure it is never closed
        out = self._call("write", key, lambda: self.fs.open(path, "wb", block_size=self._block_size, **extra))
        try:
            for chunk in chunks:
                self._call("write", key, functools.partial(out.write, chunk))
        except BaseException:
            _abandon(out)
            raise
        self._call("write", key, out.close)

    def _put_by_rename(self, key: str, path: str, chunks: Iterator[bytes]) -> None:
        parent = path.rpartition("/")[0]
        tmp = (
            f"{parent}/{TMP_PREFIX}{uuid.uuid4().hex}.part"
            if parent
            else f"{TMP_PREFIX}{uuid.uuid4().hex}.part"
        )
        if parent:
            try:
                self.fs.makedirs(parent, exist_ok=True)
            except Exception:  # object stores have no folders; a real failure shows at open
                pass
        try:
            out = self._call("write", key, lambda: self.fs.open(tmp, "wb", block_size=self._block_size))
            try:
                for chunk in chunks:
                    self._call("write", key, functools.partial(out.write, chunk))
            finally:
                self._call("write", key, out.close)
            self._call("write", key, lambda: self.fs.mv(tmp, path))
        except BaseException:
            try:
                self.fs.rm_file(tmp)
            except Exception:  # it may not exist (the open failed) or be gone already
                pass
            raise

    # ----------------------------------------------------------------- reads
    def open_read(self, key: str) -> BinaryReader:
        path = self._path(key)
        if self._memory:
            size = self._call("read", key, lambda: self.fs.size(path))
            if size is None or not self.fs.isfile(path):
                raise ObjectNotFoundError(f"no object at {self.uri(key)}")
            return _RangeReader(self.fs, path, size)
        opened = self._call("read", key, lambda: self.fs.open(path, "rb", block_size=self._block_size))
        return cast("BinaryReader", opened)  # fsspec files are binary, closable context managers

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return bool(self._call("check", key, lambda: self.fs.isfile(path)))

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return
        except Exception as exc:
            if not self._call("check", key, lambda: self.fs.isfile(path)):
                return  # some filesystems raise their own error for a missing file
            self._fail("delete", key, exc)

    def list(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = "/".join(part for part in (self.root, folder) if part)
        strip = len(self.root) + 1 if self.root else 0
        self.fs.invalidate_cache(start or None)
        paths = self._call("list", folder, lambda: self.fs.find(start))
        keys: list[str] = []
        for found in paths:
            key = found[strip:] if self.root else found.lstrip("/")
            if not key.startswith(prefix) or any(part.startswith(TMP_PREFIX) for part in key.split("/")):
                continue
            keys.append(key)
        yield from sorted(keys)

    def public_url(self, key: str, expires_in: int | timedelta = 3600) -> str:
        seconds = check_expires_in(expires_in)
        path = self._path(key)
        try:
            url = self.fs.sign(path, expiration=seconds)
        except NotImplementedError:
            raise NotPubliclyAddressableError(
                f"{self.scheme}:// storage ({type(self.fs).__name__} through fsspec) cannot sign URLs, so "
                f"Bria's servers cannot fetch {self.uri(key)}; stage files through s3://, gs:// or az:// "
                "storage instead, e.g. via='s3://my-bucket/staging/'"
            ) from None
        except Exception as exc:
            self._fail("sign a URL for", key, exc)
        return str(url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._base_uri!r})"


class _MemoryFile(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def commit(self) -> None: ...


def _abandon(out: FsspecFile) -> None:
    """Drop an unfinished upload without committing it: discard (abort a multipart upload where the
    filesystem can), then mark the file closed so neither ``close()`` nor ``__del__`` commits it."""
    discard: object = getattr(out, "discard", None)
    try:
        if callable(discard):
            discard()
    except Exception:  # best effort: an uncommitted upload is invisible either way
        pass
    try:
        setattr(out, "closed", True)  # noqa: B010 - fsspec's AbstractBufferedFile.closed has a setter
    except Exception:
        pass


class _RangeReader(io.RawIOBase):
    """Reads an object by byte ranges (``cat_file``): streaming without a copy of the whole object."""

    def __init__(self, fs: FileSystem, path: str, size: int) -> None:
        super().__init__()
        self._fs, self._path, self._size, self._pos = fs, path, size, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        data = self._fs.cat_file(self._path, start=self._pos, end=end)
        self._pos += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    schemes = available_schemes()
    if not schemes:
        return []
    FsspecStorage.schemes = schemes
    return [FsspecStorage]
