"""Resumable, verified downloads: stream an http(s) URL into a storage backend, resuming after drops.

:func:`download_to` hands the backend one stream (:class:`ResumingDownload`) that spans every piece of
the download: when the connection drops mid-body (``httpx.RemoteProtocolError``, ``ReadError``,
timeouts...) it reconnects with ``Range: bytes=N-`` (and ``If-Range`` when the server gave a validator)
and carries on. At the end it checks the size (``expected_size``, ``Content-Length``, the total of
``Content-Range``) and the sha256 (``expected_sha256``); a mismatch raises ``StorageError`` from inside
the stream, so the backend aborts the write and no bad object is committed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx

from ..errors import StorageError
from .base import DEFAULT_CHUNK_SIZE, StorageBackend, StoredObject, guess_content_type
from .sources import default_http_client, strip_query

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["RESUMABLE_ERRORS", "ResumingDownload", "download_to"]

#: Transport failures after which the download reconnects and resumes.
RESUMABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


class _Retry(Exception):
    """A response that is worth another attempt (5xx while resuming)."""


_RETRYABLE: tuple[type[Exception], ...] = (*RESUMABLE_ERRORS, _Retry)


class ResumingDownload(io.RawIOBase):
    """A non-seekable binary stream over ``GET url`` that resumes with HTTP Range and verifies at the end."""

    def __init__(
        self,
        url: str,
        client: httpx.Client,
        *,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        max_resumes: int = 5,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        backoff: float = 0.25,
    ) -> None:
        super().__init__()
        self.url = url
        self.shown_url = strip_query(url)
        self.name = self.shown_url.rsplit("/", 1)[-1] or None
        self._client = client
        self.expected_size = expected_size
        self.expected_sha256 = expected_sha256.lower() if expected_sha256 else None
        self.max_resumes = max_resumes
        self._chunk_size = chunk_size
        self._backoff = backoff
        self.total: int | None = expected_size
        self.offset = 0
        self.resumes = 0
        self.content_type: str | None = None
        self._validator: str | None = None
        self._hash = hashlib.sha256()
        self._response: httpx.Response | None = None
        self._chunks: Iterator[bytes] | None = None
        self._skip = 0
        self._buffer: bytes = b""
        self._finished = False

    # ------------------------------------------------------------------ io protocol
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while chunk := self.read(self._chunk_size):
            parts.append(chunk)
        return b"".join(parts)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:  # fill the request unless the download ends, like a buffered reader
            if not self._buffer:
                if self._finished:
                    break
                self._buffer = self._next_chunk()
                continue
            piece, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
            parts.append(piece)
            wanted -= len(piece)
        return b"".join(parts)

    def close(self) -> None:
        self._drop_response()
        super().close()

    # ------------------------------------------------------------------ results
    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def finished(self) -> bool:
        """Whether the whole body was read and verified (size and sha256)."""
        return self._finished

    def connect(self) -> None:
        """Open the first response now (to learn size and content type before the backend starts)."""
        if self._response is None and not self._finished:
            self._attempt(self._open)

    # ------------------------------------------------------------------ internals
    def _next_chunk(self) -> bytes:
        while True:
            try:
                if self._chunks is None:
                    self._open()
                assert self._chunks is not None  # _open sets it or raises
                try:
                    chunk = next(self._chunks)
                except StopIteration:
                    self._drop_response()
                    self._finish()
                    return b""
            except _RETRYABLE as exc:
                self._drop_response()
                self._count_resume(exc)
                continue
            if self._skip:
                dropped = min(self._skip, len(chunk))
                self._skip -= dropped
                chunk = chunk[dropped:]
                if not chunk:
                    continue
            self.offset += len(chunk)
            if self.total is not None and self.offset > self.total:
                raise StorageError(
                    f"download of {self.shown_url} is longer than its announced {self.total} bytes"
                )
            self._hash.update(chunk)
            return bytes(chunk)

    def _attempt(self, action: Callable[[], None]) -> None:
        while True:
            try:
                action()
                return
            except _RETRYABLE as exc:
                self._drop_response()
                self._count_resume(exc)

    def _count_resume(self, exc: Exception) -> None:
        self.resumes += 1
        if self.resumes > self.max_resumes:
            raise StorageError(
                f"download of {self.shown_url} failed after {self.max_resumes} resumes "
                f"at byte {self.offset}: {type(exc).__name__}: {exc}"
            ) from None
        if self._backoff:
            time.sleep(min(self._backoff * 2 ** (self.resumes - 1), 8.0))

    def _open(self) -> None:
        headers = {"Accept-Encoding": "identity"}
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
            if self._validator:
                headers["If-Range"] = self._validator
        request = self._client.build_request("GET", self.url, headers=headers)
        response = self._client.send(request, stream=True)
        self._response = response
        status = response.status_code
        if status >= 500 and self.offset:
            raise _Retry(f"HTTP {status}")
        if status == 416 and self.offset and self.total is not None and self.offset >= self.total:
            self._chunks = iter(())  # nothing left to fetch: _next_chunk ends and _finish verifies
            return
        if status >= 400:
            raise StorageError(f"GET {self.shown_url} failed: HTTP {status}")
        if status == 206 and self.offset:
            self._accept_partial(response)
        elif status == 200:
            self._accept_full(response)
        else:
            raise StorageError(f"GET {self.shown_url}: unexpected HTTP {status} for a download")
        self._chunks = response.iter_raw()  # network-sized pieces: nothing received is lost on a drop

    def _accept_full(self, response: httpx.Response) -> None:
        if self.offset:
            # 200 to a ranged request: either the object changed (If-Range failed) or the server ignores
            # Range. The validator tells which; with the same content, skip the bytes we already have.
            if self._validator and self._validator not in (
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            ):
                raise StorageError(f"{self.shown_url} changed on the server while it was being downloaded")
            self._skip = self.offset
        length = _int(response.headers.get("content-length"))
        if length is not None and not response.headers.get("content-encoding"):
            self._set_total(length)
        if not self.offset:
            self.content_type = response.headers.get("content-type", "").split(";")[0].strip() or None
            etag = response.headers.get("etag")
            if etag and not etag.startswith("W/"):
                self._validator = etag
            elif response.headers.get("last-modified"):
                self._validator = response.headers["last-modified"]

    def _accept_partial(self, response: httpx.Response) -> None:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if not match:
            raise StorageError(f"GET {self.shown_url}: a 206 response without a usable Content-Range")
        start = int(match.group(1))
        if start != self.offset:
            raise StorageError(f"GET {self.shown_url}: asked to resume at byte {self.offset}, got {start}")
        if match.group(3) != "*":
            self._set_total(int(match.group(3)))

    def _set_total(self, total: int) -> None:
        if self.expected_size is not None and total != self.expected_size:
            raise StorageError(
                f"{self.shown_url} is {total} bytes on the server, expected {self.expected_size} bytes"
            )
        if self.total is not None and total != self.total:
            raise StorageError(
                f"{self.shown_url} changed size while downloading ({self.total} → {total} bytes)"
            )
        self.total = total

    def _finish(self) -> None:
        if self.total is not None and self.offset != self.total:
            raise StorageError(
                f"download of {self.shown_url} ended at {self.offset} bytes, expected {self.total} bytes"
            )
        if self.expected_sha256 and self.sha256 != self.expected_sha256:
            raise StorageError(
                f"download of {self.shown_url} has sha256 {self.sha256}, expected {self.expected_sha256}"
            )
        self._finished = True

    def _drop_response(self) -> None:
        response, self._response = self._response, None
        self._chunks = None
        if response is not None:
            try:
                response.close()
            except Exception:
                pass


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def download_to(
    url: str,
    store: str | os.PathLike[str] | StorageBackend,
    key: str,
    *,
    http_client: httpx.Client | None = None,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    max_resumes: int = 5,
    content_type: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backoff: float = 0.25,
) -> StoredObject:
    """Stream ``url`` into ``store`` under ``key``, resuming after dropped connections; verify; return it.

    Raises ``StorageError`` when the server refuses, the resumes run out, or size/sha256 do not match (the
    backend then keeps no object).
    """
    from . import open_storage

    backend = open_storage(store)
    client = http_client or default_http_client()
    try:
        with ResumingDownload(
            url,
            client,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
            max_resumes=max_resumes,
            chunk_size=chunk_size,
            backoff=backoff,
        ) as stream:
            stream.connect()
            ctype = content_type or guess_content_type(key, default=None) or stream.content_type
            stored = backend.put(key, stream, content_type=ctype)
            if not stream.finished:  # the backend stopped reading early: make it verify now
                if stream.read(1):
                    backend.delete(key)
                    raise StorageError(f"the storage stopped reading {stream.shown_url} before its end")
            if (stored.sha256 and stored.sha256 != stream.sha256) or stored.size != stream.offset:
                backend.delete(key)
                raise StorageError(
                    f"{backend.uri(key)} does not match what was downloaded from {stream.shown_url}"
                )
    finally:
        if http_client is None:
            client.close()
    return stored
