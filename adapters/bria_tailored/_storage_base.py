"""What every storage backend shares: the ``StorageBackend`` contract, ``StoredObject``, key rules, hashing.

A backend is a class with ``schemes = ("mem",)`` and the methods of :class:`StorageBackend`; it is
constructed as ``Backend(uri, **options)`` by :func:`bria_tailored.storage.open_storage`. Keys are
relative, ``/``-separated names (``"a/b.png"``): :func:`validate_key` rejects anything that could escape
the storage root. :class:`HashingReader` computes sha256 and size while a backend streams the bytes.

The types a backend deals in: :data:`SourceLike` (what ``put`` accepts), :class:`Readable` (anything with
``read(n)``) and :class:`BinaryReader` (what ``open_read`` returns: read, close, ``with``).
"""

from __future__ import annotations

import abc
import hashlib
import io
import json
import mimetypes
import os
import re
import threading
from collections.abc import Iterable, Iterator
from datetime import timedelta
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Protocol,
    Self,
    TypeAlias,
    TypeGuard,
    TypeVar,
    runtime_checkable,
)

import attrs

from .errors import ObjectNotFoundError, StorageError, ValidationError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

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

DEFAULT_CHUNK_SIZE = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"
#: The longest validity of a V4-signed URL (S3 SigV4 and GCS V4 alike): 7 days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600

_EXTRA_TYPES = {
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".safetensors": "application/octet-stream",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".json": "application/json",
    ".zip": "application/zip",
}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@runtime_checkable
class Readable(Protocol):
    """Anything with ``read(n)`` returning bytes: binary files, HTTP bodies, the SDK's own streams.

    ``None`` (a raw stream with nothing available) and ``b""`` both end the stream for the SDK.
    """

    def read(self, size: int = -1, /) -> bytes | bytearray | None: ...


@runtime_checkable
class SeekableReadable(Readable, Protocol):
    """A readable stream that may be able to seek (``seekable()`` says whether it can, right now)."""

    def seekable(self) -> bool: ...

    def tell(self) -> int: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class BinaryReader(Protocol):
    """What ``StorageBackend.open_read`` returns: a binary stream to read to its end, closed after use
    (directly or with ``with``). Local files, S3 bodies and GCS blob readers all are."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> bool | None: ...


#: What ``StorageBackend.put`` (and every ``source`` of the SDK) accepts: a local path (``str`` or
#: ``os.PathLike``), an http(s) URL or a storage URI (``str``), bytes, a binary file object (anything
#: :class:`Readable`), or an iterable of ``bytes`` chunks.
SourceLike: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | Readable | Iterable[bytes]


@attrs.define(frozen=True)
class StoredObject:
    """An object as stored: where it is (``uri``, ``key``) and what it is (``size``, ``sha256``, type)."""

    uri: str
    key: str
    size: int
    sha256: str | None
    content_type: str | None

    def to_dict(self) -> dict[str, object]:
        """This object as plain data."""
        return {
            "uri": self.uri,
            "key": self.key,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (``kwargs`` go to ``json.dumps``)."""
        return json.dumps(self.to_dict(), **kwargs)


class InvalidKeyError(ValidationError, StorageError):
    """A key (or listing prefix) that is not a safe relative object name: empty, absolute, ``..``...

    Both a ``ValidationError`` (field, value, rule; raised before any I/O) and a ``StorageError``, so
    code that handles storage failures sees it too (the conformance kit requires the latter).
    """


def validate_key(key: object, field: str = "key") -> str:
    """Return ``key`` if it is a safe relative object key, else raise :class:`InvalidKeyError` (a
    ``ValidationError`` and a ``StorageError``) naming the rule."""
    rule = _key_problem(key)
    if rule:
        raise InvalidKeyError(field, key, rule)
    assert isinstance(key, str)  # _key_problem rejects everything else
    return key


def validate_prefix(prefix: object) -> str:
    """A listing prefix: ``""`` or a relative key start (may end with ``/``); same rules (and error) as keys."""
    if prefix in ("", None):
        return ""
    if not isinstance(prefix, str):
        raise InvalidKeyError("prefix", prefix, "must be a string")
    body = prefix[:-1] if prefix.endswith("/") else prefix
    rule = _key_problem(body)
    if rule:
        raise InvalidKeyError("prefix", prefix, rule)
    return prefix


def _key_problem(key: object) -> str | None:
    if not isinstance(key, str):
        return "must be a string"
    if not key:
        return "must not be empty"
    if "\\" in key:
        return "must use '/' as separator, not backslashes"
    if key.startswith("/") or _DRIVE.match(key):
        return "must be relative to the storage root, not an absolute path"
    if _CONTROL.search(key):
        return "must not contain control characters"
    segments = key.split("/")
    if ".." in segments:
        return "must not contain '..' segments (they would escape the storage root)"
    if "." in segments:
        return "must not contain '.' segments"
    if "" in segments:
        return "must not contain empty segments ('//') or end with '/'"
    return None


def check_expires_in(expires_in: object, maximum: int = MAX_PRESIGN_SECONDS) -> int:
    """``expires_in`` as int seconds in 1..maximum, else ``ValidationError``."""
    if isinstance(expires_in, timedelta):
        seconds = int(expires_in.total_seconds())
    elif isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise ValidationError("expires_in", expires_in, "must be a whole number of seconds")
    else:
        seconds = expires_in
    if not 1 <= seconds <= maximum:
        rule = f"must be between 1 and {maximum} seconds (7 days, the V4 signing limit)"
        raise ValidationError("expires_in", expires_in, rule)
    return seconds


def parse_bucket_uri(uri: str, scheme: str, service: str) -> tuple[str, str]:
    """``"<scheme>://bucket/some/prefix/"`` -> ``("bucket", "some/prefix")``, for bucket-style backends
    (S3, GCS, and plugins that follow the same form)."""
    marker = f"{scheme}://"
    if not uri.lower().startswith(marker):
        raise ValidationError("uri", uri, f"a {service} storage URI looks like {marker}bucket/prefix")
    bucket, _, prefix = uri[len(marker) :].partition("/")
    if not bucket:
        raise ValidationError("uri", uri, f"a {service} storage URI needs a bucket: {marker}bucket/prefix")
    prefix = prefix.strip("/")
    if prefix:
        validate_prefix(prefix)
    return bucket, prefix


def join_key(prefix: str, key: str) -> str:
    """``prefix`` (a storage's own prefix, possibly empty) joined to ``key`` with one ``/``."""
    prefix = prefix.strip("/")
    return f"{prefix}/{key}" if prefix else key


def guess_content_type(key: str, default: str | None = DEFAULT_CONTENT_TYPE) -> str | None:
    """The MIME type for a key from its extension (``image/png`` for ``a.png``), else ``default``."""
    lowered = key.lower()
    for ext, ctype in _EXTRA_TYPES.items():
        if lowered.endswith(ext):
            return ctype
    guessed, _encoding = mimetypes.guess_type(key, strict=False)
    return guessed or default


def iter_chunks(stream: Readable, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Read a binary stream to its end in chunks of at most ``chunk_size`` bytes."""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return
        yield bytes(chunk)


class HashingReader(io.RawIOBase):
    """A read-only view of a binary stream that computes sha256 and size of what passes through it.

    ``read(n)`` returns ``n`` bytes unless the stream ends first (consumers such as s3transfer take a
    short read for the end of the stream).

    Bytes are hashed once, at the high-water mark, so a consumer that seeks back to retry a chunk (the
    GCS resumable upload does) does not corrupt the digest. Seeking is offered only when ``seekable=True``
    and the wrapped stream can seek; S3 uploads use the non-seekable view, which is read exactly once.
    """

    def __init__(self, stream: Readable, *, seekable: bool = False) -> None:
        super().__init__()
        self._stream = stream
        self._hash = hashlib.sha256()
        self._pos = 0
        self._hashed = 0
        self._gap = False
        self._seeker = stream if seekable and _is_seekable(stream) else None
        self._start = self._seeker.tell() if self._seeker is not None else 0

    # io.RawIOBase protocol
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seeker is not None

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        n = len(data)
        view[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks: list[bytes] = []
            while True:
                chunk = self.read(DEFAULT_CHUNK_SIZE)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:  # fill the request like a buffered reader: s3transfer relies on it
            data = self._stream.read(wanted)
            if not data:
                break
            parts.append(bytes(data))
            wanted -= len(data)
        data = b"".join(parts)
        if data:
            self._account(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._seeker is None:
            raise io.UnsupportedOperation("this stream is not seekable")
        if whence == io.SEEK_SET:
            absolute = self._seeker.seek(self._start + offset, io.SEEK_SET)
        else:
            absolute = self._seeker.seek(offset, whence)
        self._pos = absolute - self._start
        return self._pos

    def _account(self, data: bytes) -> None:
        start, end = self._pos, self._pos + len(data)
        if start <= self._hashed < end:
            self._hash.update(data[self._hashed - start :])
            self._hashed = end
        elif start > self._hashed:
            self._gap = True  # a forward seek skipped bytes: rehash at the end
        self._pos = end

    # results
    @property
    def size(self) -> int:
        """Bytes seen so far (the object's size once the stream is exhausted)."""
        if self._gap:
            self.hexdigest()
        return self._hashed

    def hexdigest(self) -> str:
        """The sha256 of every byte seen (re-reads the stream once if a consumer skipped ahead)."""
        if self._gap and self._seeker is not None:
            digest = hashlib.sha256()
            self._seeker.seek(self._start)
            total = 0
            for chunk in iter_chunks(self._seeker):
                digest.update(chunk)
                total += len(chunk)
            self._hashed, self._hash, self._gap = total, digest, False
        return self._hash.hexdigest()


def _is_seekable(stream: Readable) -> TypeGuard[SeekableReadable]:
    """Whether ``stream`` can seek now (a pipe opened as a file has ``seek`` but cannot)."""
    if not isinstance(stream, SeekableReadable):
        return False
    try:
        if not stream.seekable():
            return False
        stream.tell()  # some streams say they can seek and then cannot tell where they are
    except Exception:  # a stream that cannot even answer is not seekable
        return False
    return True


class StorageBackend(abc.ABC):
    """A place to put and read objects by key: local folder, S3 or GCS bucket prefix, or a plugin's.

    Subclasses set ``schemes`` and implement the abstract methods. ``open_storage`` constructs a backend as
    ``Backend(uri, **options)``: the subclass's ``__init__`` parses the URI and names the options it takes.
    ``read_bytes`` and ``iter_bytes`` are conveniences built on ``open_read``.
    """

    schemes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, uri: str = "", /, **options: object) -> None:  # noqa: B027 - the contract, no state
        """``Backend(uri, **options)``: the storage URI, then the backend's own options (nothing kept here)."""

    @abc.abstractmethod
    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        """Stream ``source`` (path, bytes, binary file, iterator of bytes, http(s) URL) to ``key``."""

    @abc.abstractmethod
    def open_read(self, key: str) -> BinaryReader:
        """A binary file-like object reading the object; ``ObjectNotFoundError`` if it does not exist."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterable[str]:
        """Keys (relative to this storage) that start with ``prefix``."""

    @abc.abstractmethod
    def public_url(self, key: str, expires_in: int = 3600) -> str:
        """A URL anyone (Bria's servers) can GET for ``expires_in`` seconds."""

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """The full URI of ``key`` (``s3://bucket/prefix/key``, ``file:///abs/key``)."""

    # conveniences
    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory (for small objects such as sidecars)."""
        with self.open_read(key) as stream:
            return bytes(stream.read())

    def iter_bytes(self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """The object as a stream of chunks."""
        with self.open_read(key) as stream:
            yield from iter_chunks(stream, chunk_size)

    def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release clients or connections the backend holds (no-op by default)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        try:
            where = self.uri("")
        except Exception:
            where = "?"
        return f"{type(self).__name__}({where!r})"


ClientT = TypeVar("ClientT")


class BucketStorage(StorageBackend, Generic[ClientT]):
    """What bucket-style backends (``scheme://bucket/prefix``: S3, GCS, plugins of that form) share:
    parsing the URI, mapping keys under the prefix, URIs, and a client built on first use (thread-safe).

    Subclasses set ``schemes`` and ``service`` (a name for messages), call :meth:`_init_bucket` and
    implement ``_make_client`` (returning the service's client, ``ClientT``) and the storage operations.
    """

    service: ClassVar[str] = "bucket"
    bucket_name: str
    prefix: str

    def _init_bucket(self, uri: str, client: ClientT | None = None) -> None:
        self.bucket_name, self.prefix = parse_bucket_uri(uri, self.schemes[0], self.service)
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> ClientT:
        """The service's client, created on first use and shared by threads."""
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    client = self._client = self._make_client()
        return client

    @abc.abstractmethod
    def _make_client(self) -> ClientT:
        """A new client of the service (called once, on first use)."""

    def object_key(self, key: str) -> str:
        """The object's name in the bucket: ``key`` (validated) under the prefix."""
        return join_key(self.prefix, validate_key(key))

    def uri(self, key: str) -> str:
        root = f"{self.schemes[0]}://{self.bucket_name}"
        if not key:
            return f"{root}/{self.prefix}" if self.prefix else root
        return f"{root}/{self.object_key(key)}"

    def close(self) -> None:
        client, self._client = self._client, None
        close = getattr(client, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri('')!r})"
