"""Turn a ``source`` into a binary stream for ``StorageBackend.put``, never reading it whole into memory.

A source is a local path (``str`` or ``os.PathLike``), ``bytes``, a binary file object, an iterator of
``bytes`` chunks, an http(s) URL (streamed with httpx) or a storage URI (``s3://b/k``, ``gs://b/k``,
``file:///abs``, any plugin scheme). :func:`open_source` is a context manager yielding a :class:`Source`
and closing only what it opened.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import attrs
import httpx

from .._storage_base import DEFAULT_CHUNK_SIZE, DEFAULT_CONTENT_TYPE, Readable, SourceLike, guess_content_type
from ..errors import StorageError, ValidationError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "IterStream",
    "Source",
    "content_type_for",
    "default_http_client",
    "is_http_url",
    "open_source",
    "split_storage_uri",
    "strip_query",
]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@attrs.define
class Source:
    """An opened source: the stream plus what is known about it (for content type and size checks)."""

    stream: Readable
    name: str | None = None
    content_type: str | None = None
    size: int | None = None
    url: str | None = None


class IterStream(io.RawIOBase):
    """A non-seekable binary stream over an iterator of ``bytes`` chunks; ``read(n)`` fills ``n`` bytes."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            everything = b"".join([self._buffer, *(bytes(c) for c in self._chunks)])
            self._buffer = b""
            return everything
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:  # fill the request unless the iterator ends, like a buffered reader
            if not self._buffer:
                try:
                    self._buffer = bytes(next(self._chunks))
                except StopIteration:
                    break
                continue
            piece, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
            parts.append(piece)
            wanted -= len(piece)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


def strip_query(url: str) -> str:
    """``url`` without its query string and fragment (presigned URLs carry their signature there)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def is_http_url(value: object) -> TypeGuard[str]:
    """Whether ``value`` is an ``http://`` or ``https://`` URL (a string)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def split_storage_uri(uri: str) -> tuple[str, str]:
    """``"s3://bucket/a/b.png"`` → ``("s3://bucket", "a/b.png")``: the storage root and the key in it."""
    match = _SCHEME.match(uri)
    if not match:
        raise ValidationError("source", uri, "a storage URI looks like scheme://bucket/key")
    rest = uri[match.end() :]
    netloc, _, key = rest.partition("/")
    if not netloc or not key:
        raise ValidationError("source", uri, "a storage URI needs a bucket and a key: scheme://bucket/key")
    return f"{match.group(1)}://{netloc}", key


def default_http_client() -> httpx.Client:
    """The client used for URL sources when the caller gives none: redirects followed, finite timeouts."""
    return httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0), follow_redirects=True)


@contextmanager
def open_source(
    source: SourceLike, *, http_client: httpx.Client | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Generator[Source, None, None]:
    """Open ``source`` for streaming; close (only) what was opened here when the block ends."""
    with ExitStack() as stack:
        yield _open(source, stack, http_client, chunk_size)


def _open(source: SourceLike, stack: ExitStack, http_client: httpx.Client | None, chunk_size: int) -> Source:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return Source(io.BytesIO(data), size=len(data))
    if isinstance(source, str):
        if is_http_url(source):
            return _open_http(source, stack, http_client, chunk_size)
        match = _SCHEME.match(source)
        if match and match.group(1).lower() == "file":
            return _open_path(Path(url2pathname(urlsplit(source).path)), stack)
        if match:
            return _open_storage_uri(source, stack)
        return _open_path(Path(source), stack)
    if isinstance(source, os.PathLike):
        return _open_path(Path(os.fspath(source)), stack)
    if isinstance(source, Readable):
        name: object = getattr(source, "name", None)
        return Source(source, name=name if isinstance(name, str) else None)
    try:
        chunks = iter(source)  # the type says iterable of bytes; a caller without a type checker may not
    except TypeError:
        raise ValidationError(
            "source",
            source,
            "must be a path, bytes, a binary file, an iterator of bytes, a URL or a storage URI",
        ) from None
    return Source(IterStream(chunks))


def _open_path(path: Path, stack: ExitStack) -> Source:
    path = path.expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"source file not found: {path}")
    stream = stack.enter_context(path.open("rb"))
    return Source(stream, name=path.name, size=path.stat().st_size)


def _open_storage_uri(uri: str, stack: ExitStack) -> Source:
    from . import open_storage  # late: the package imports this module

    base, key = split_storage_uri(uri)
    store = open_storage(base)
    stream = stack.enter_context(store.open_read(key))
    return Source(stream, name=key.rsplit("/", 1)[-1])


def _open_http(url: str, stack: ExitStack, http_client: httpx.Client | None, chunk_size: int) -> Source:
    client = http_client or stack.enter_context(default_http_client())
    shown = strip_query(url)
    try:
        response = stack.enter_context(client.stream("GET", url))
    except httpx.HTTPError as exc:
        raise StorageError(f"GET {shown} failed: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        raise StorageError(f"GET {shown} failed: HTTP {response.status_code}")
    size = None
    if "content-length" in response.headers and not response.headers.get("content-encoding"):
        try:
            size = int(response.headers["content-length"])
        except ValueError:
            size = None
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or None
    name = urlsplit(url).path.rsplit("/", 1)[-1] or None
    return Source(
        IterStream(_body(response, shown, chunk_size)), name=name, content_type=ctype, size=size, url=shown
    )


def _body(response: httpx.Response, shown: str, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from response.iter_bytes(chunk_size)
    except httpx.HTTPError as exc:
        raise StorageError(f"GET {shown} failed mid-body: {type(exc).__name__}: {exc}") from None


def content_type_for(key: str, explicit: str | None, source: Source) -> str:
    """The content type to store: the caller's, else the key's extension, else the source's, else binary."""
    if explicit:
        return explicit
    return (
        guess_content_type(key, default=None)
        or (guess_content_type(source.name, default=None) if source.name else None)
        or source.content_type
        or DEFAULT_CONTENT_TYPE
    )
