"""Resumable, verified downloads: stream an http(s) URL into a storage backend, resuming after drops.

:func:`download_to` hands the backend one stream (:class:`ResumingDownload`) that spans every piece of
the download: when the connection drops mid-body (``httpx.RemoteProtocolError``, ``ReadError``,
timeouts...) it reconnects with ``Range: bytes=N-`` (and ``If-Range`` when the server gave a validator)
and carries on. At the end it checks the size (``expected_size``, ``Content-Length``, the total of
``Content-Range``) and the sha256 (``expected_sha256``); a mismatch raises ``StorageError`` from inside
the stream, so the backend aborts the write and no bad object is committed.

What a hostile or broken server cannot do:

* **make it read anything but http(s).** Every URL, and every redirect hop (followed here, one by one,
  whatever the http client's ``follow_redirects``), must use one of ``schemes``; anything else raises
  :class:`~bria_tailored.errors.UnsafeURLError` before it is requested. :func:`output_schemes` and
  :func:`check_output_url` give the rule for URLs taken from the API's responses: ``https://``, or also
  ``http://`` when the API itself is on ``http://`` (the sandbox).
* **hold it forever.** A download has a total ``deadline`` (:data:`DOWNLOAD_DEADLINE`) and a minimum
  transfer rate (:data:`MIN_TRANSFER_RATE` bytes/s, measured over :data:`RATE_WINDOW` seconds); each read's
  timeout is capped by both, so a trickling or silent server ends in ``StorageError``.
* **pass off a truncated body as a success.** The body must match ``Content-Length`` (a short one is
  resumed, then refused). Without a length, a PNG, JPEG or WebP must decode (Pillow when installed, after
  a structural check of its end) and an MP4 must be a complete sequence of ISO BMFF boxes starting with
  ``ftyp`` and holding ``moov``; a body announced as one of those types (by ``content_type``, the key's
  extension or the response) that is none of them is refused too.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from typing import IO, TYPE_CHECKING, Literal, TypeAlias
from urllib.parse import urlsplit

import httpx

from .._storage_base import DEFAULT_CHUNK_SIZE, StorageBackend, StoredObject, guess_content_type
from ..errors import StorageError, UnsafeURLError, ValidationError
from .sources import default_http_client, strip_query

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "DOWNLOAD_DEADLINE",
    "HTTP_SCHEMES",
    "MAX_REDIRECTS",
    "MIN_TRANSFER_RATE",
    "RATE_WINDOW",
    "RESUMABLE_ERRORS",
    "ResumingDownload",
    "check_output_url",
    "download_to",
    "output_schemes",
]

#: The longest a whole download may take, from its first request to its last byte, resumes included: one
#: hour (a 3 GB model file at about 7 Mbit/s). ``deadline=None`` removes it.
DOWNLOAD_DEADLINE = 3600.0
#: The slowest transfer accepted, in bytes per second (1 KiB/s), measured over :data:`RATE_WINDOW`: below
#: it the server is trickling (or silent) and the download is abandoned. ``min_rate=0`` removes it.
MIN_TRANSFER_RATE = 1024.0
#: Seconds over which :data:`MIN_TRANSFER_RATE` is measured; also the longest a single read may wait.
RATE_WINDOW = 30.0
#: Redirects followed by one request (each hop's scheme is checked before it is requested).
MAX_REDIRECTS = 10
#: The schemes a download may use at all (and the default of ``schemes``).
HTTP_SCHEMES: frozenset[str] = frozenset({"http", "https"})
#: Without a Content-Length, an image body up to this size is kept (in a temporary file past 8 MiB) to be
#: decoded at the end; a bigger one gets the structural check only.
MAX_DECODE_BYTES = 256 * 1024 * 1024
#: Images with more pixels than this are checked structurally but not decoded (bounded memory).
MAX_DECODE_PIXELS = 64_000_000
_SPOOL_IN_MEMORY = 8 * 1024 * 1024

#: Transport failures after which the download reconnects and resumes.
RESUMABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------ URL schemes
def output_schemes(api_base_url: str | None) -> frozenset[str]:
    """The schemes of output URLs (results, download links) accepted from the API at ``api_base_url``:
    ``https`` only, plus ``http`` when the API itself is on ``http://`` (the sandbox). ``None`` (API
    unknown) means ``https`` only."""
    if api_base_url is not None and api_base_url.lower().startswith("http://"):
        return HTTP_SCHEMES
    return frozenset({"https"})


def _allowed(schemes: Collection[str]) -> str:
    return " or ".join(f"{s}://" for s in sorted(schemes))


def _unsafe_reason(url: str, schemes: Collection[str]) -> str | None:
    """Why ``url`` may not be downloaded under ``schemes`` (None: it may)."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "it holds whitespace or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"it is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme == "http" and "http" not in schemes and "https" in schemes:
        return "only https:// URLs are downloaded (http:// only when the API itself is on http://)"
    if scheme not in schemes or not url.lower().startswith(f"{scheme}://"):
        return f"only {_allowed(schemes)} URLs are downloaded"
    if not host:
        return "it names no host"
    return None


def check_output_url(url: object, *, schemes: Collection[str], what: str = "output URL") -> str:
    """``url`` when it may be downloaded under ``schemes``; else :class:`UnsafeURLError`.

    For URLs that come from the API (``ImageResult.image_url``, ``VideoResult.video_url``,
    ``DownloadLinks.download_url``...): with ``schemes=output_schemes(api_base_url)`` a local path, a
    ``file://`` URI, a storage URI (``s3://``, ``gs://``, a plugin's scheme) or an ``http://`` URL from an
    ``https://`` API is refused before anything is opened, so a response never makes the client read the
    user's files or buckets with the user's rights.
    """
    if not isinstance(url, str):
        raise UnsafeURLError(f"the {what} in the API's response is not a URL: {url!r}", url=repr(url))
    reason = _unsafe_reason(url, schemes)
    if reason is not None:
        shown = strip_query(url) if "://" in url else url
        raise UnsafeURLError(
            f"refusing to download the {what} {shown!r} from the API's response: {reason} (a response "
            "never makes the client read local files or storage buckets)",
            url=url,
        )
    return url


# ------------------------------------------------------------------------------ body verification
#: What a body without Content-Length is checked as.
_Kind: TypeAlias = Literal["png", "jpeg", "webp", "mp4"]
_DECLARED: dict[str, _Kind] = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/webp": "webp",
    "video/mp4": "mp4",
}
_HEAD = 16
_TAIL = 64


def _sniff(head: bytes) -> _Kind | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "mp4"
    return None


class _Mp4Boxes:
    """A streaming check of an MP4's top-level ISO BMFF boxes: each header is read as it passes (constant
    memory); the file must start with ``ftyp``, hold ``moov`` and end exactly where its last box does."""

    def __init__(self) -> None:
        self.pos: int = 0  # bytes seen
        self.box_start: int = 0  # where the box whose header is being read starts
        self.next_box: int = 0  # where the next header starts
        self.header = b""
        self.kinds: list[bytes] = []
        self.open_ended = False  # a box of size 0 runs to the end of the file
        self.error: str | None = None

    def feed(self, data: bytes) -> None:
        i = 0
        while i < len(data) and not self.open_ended and self.error is None:
            if self.pos < self.next_box:
                step = min(self.next_box - self.pos, len(data) - i)
                self.pos += step
                i += step
                continue
            need = 16 if len(self.header) >= 8 and self.header[:4] == b"\x00\x00\x00\x01" else 8
            take = min(need - len(self.header), len(data) - i)
            self.header += data[i : i + take]
            self.pos += take
            i += take
            if len(self.header) == need:
                self._box()

    def _box(self) -> None:
        size, kind = int.from_bytes(self.header[:4], "big"), self.header[4:8]
        if size == 1 and len(self.header) < 16:
            return  # a 64-bit size follows
        length = len(self.header)
        if size == 1:
            size = int.from_bytes(self.header[8:16], "big")
        if not all(0x20 <= c < 0x7F for c in kind):
            self.error = f"has no MP4 box at byte {self.box_start}"
            return
        self.kinds.append(kind)
        self.header = b""
        if size == 0:
            self.open_ended = True
        elif size < length:
            self.error = f"has a {kind.decode()} box of an impossible size ({size} bytes)"
        else:
            self.next_box = self.box_start + size
            self.box_start = self.next_box

    def problem(self) -> str | None:
        """What is wrong with the stream fed so far, as a whole file (None: nothing)."""
        if self.error:
            return self.error
        if self.header or (not self.open_ended and self.pos != self.next_box):
            where = self.kinds[-1].decode() if self.kinds and not self.header else "a"
            return f"ends inside {where} box at byte {self.pos}: it is truncated"
        if not self.kinds or self.kinds[0] != b"ftyp":
            return "does not start with an ftyp box"
        if b"moov" not in self.kinds:
            return "has no moov box"
        return None


def _image_problem(kind: _Kind, head: bytes, tail: bytes, size: int) -> str | None:
    """A structural check of a whole image from its first and last bytes and its size."""
    if kind == "png" and not tail.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        return "does not end with a PNG IEND chunk: it is truncated"
    if kind == "jpeg" and b"\xff\xd9" not in tail:
        return "does not end with a JPEG end-of-image marker: it is truncated"
    if kind == "webp" and int.from_bytes(head[4:8], "little") + 8 not in (size, size - 1):
        return "is shorter or longer than its RIFF header says: it is truncated"
    return None


def _decode_problem(data: IO[bytes]) -> str | None:
    """Decode an image with Pillow (when installed); None when it decodes or is too large to decode."""
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: the structural check stands alone
        return None
    data.seek(0)
    try:
        with Image.open(data) as image:
            width, height = image.size
            if width * height > MAX_DECODE_PIXELS:
                return None
            image.load()
    except Image.DecompressionBombError:
        return None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... for broken files
        return f"does not decode as an image ({type(exc).__name__}: {exc})"
    return None


class _BodyCheck:
    """Checks a body that came without Content-Length: images must decode, MP4s must parse."""

    def __init__(self, declared: str | None) -> None:
        self.declared: _Kind | None = _DECLARED.get((declared or "").split(";")[0].strip().lower())
        self.kind: _Kind | None = None
        self.decided = False
        self.head = b""
        self.tail = b""
        self.size = 0
        self.spool: IO[bytes] | None = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
        self.mp4: _Mp4Boxes | None = None

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.tail = (self.tail + chunk)[-_TAIL:]
        if len(self.head) < _HEAD:
            self.head += chunk[: _HEAD - len(self.head)]
        if self.spool is not None:
            self.spool.write(chunk)
            if self.size > MAX_DECODE_BYTES:
                self._drop_spool()
        if self.mp4 is not None:
            self.mp4.feed(chunk)
        if not self.decided and len(self.head) >= _HEAD:
            self._decide()

    def _decide(self) -> None:
        self.decided = True
        self.kind = _sniff(self.head) or self.declared
        if self.kind == "mp4":
            self.mp4 = _Mp4Boxes()
            if self.spool is not None:
                self.spool.seek(0)
                while piece := self.spool.read(DEFAULT_CHUNK_SIZE):
                    self.mp4.feed(piece)
        if self.kind not in ("png", "jpeg", "webp"):
            self._drop_spool()

    def _drop_spool(self) -> None:
        spool, self.spool = self.spool, None
        if spool is not None:
            spool.close()

    def problem(self) -> str | None:
        """What is wrong with the whole body (None: nothing, or a kind that cannot be checked)."""
        if not self.decided:
            self._decide()
        sniffed = _sniff(self.head)
        if self.declared is not None and sniffed is None:
            return f"is announced as {self.declared.upper()} but is not one ({self.size} bytes)"
        if self.kind == "mp4" and self.mp4 is not None:
            found = self.mp4.problem()
            return f"is not a complete MP4 file: it {found}" if found else None
        if self.kind in ("png", "jpeg", "webp"):
            assert self.kind is not None
            found = _image_problem(self.kind, self.head, self.tail, self.size)
            if found is None and self.spool is not None:
                found = _decode_problem(self.spool)
            return f"is not a complete {self.kind.upper()} image: it {found}" if found else None
        return None

    def close(self) -> None:
        self._drop_spool()


# ------------------------------------------------------------------------------------ the stream
class _Retry(Exception):
    """A response that is worth another attempt (5xx while resuming)."""


_RETRYABLE: tuple[type[Exception], ...] = (*RESUMABLE_ERRORS, _Retry)


def _check_limits(
    deadline: float | None, min_rate: float, rate_window: float, schemes: Collection[str]
) -> None:
    if deadline is not None and (
        isinstance(deadline, bool)
        or not isinstance(deadline, (int, float))
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise ValidationError("deadline", deadline, "must be a positive number of seconds, or None")
    if (
        isinstance(min_rate, bool)
        or not isinstance(min_rate, (int, float))
        or not (math.isfinite(min_rate) and min_rate >= 0)
    ):
        raise ValidationError("min_rate", min_rate, "must be a number of bytes per second >= 0")
    if (
        isinstance(rate_window, bool)
        or not isinstance(rate_window, (int, float))
        or not (math.isfinite(rate_window) and rate_window > 0)
    ):
        raise ValidationError("rate_window", rate_window, "must be a positive number of seconds")
    if isinstance(schemes, str) or not schemes or not set(schemes) <= HTTP_SCHEMES:
        raise ValidationError("schemes", schemes, "must be a non-empty collection of 'http' and 'https'")


class ResumingDownload(io.RawIOBase):
    """A non-seekable binary stream over ``GET url`` that resumes with HTTP Range and verifies at the end.

    ``deadline`` (seconds for the whole download, None: none), ``min_rate`` (bytes/s over ``rate_window``
    seconds, 0: none) bound how long a server may hold it; ``schemes`` are the URL schemes the URL and
    every redirect hop may use (see the module docstring). ``content_type`` is what the body is expected to
    be when the response has no Content-Length (default: the response's own Content-Type).
    """

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
        deadline: float | None = DOWNLOAD_DEADLINE,
        min_rate: float = MIN_TRANSFER_RATE,
        rate_window: float = RATE_WINDOW,
        schemes: Collection[str] = HTTP_SCHEMES,
        content_type: str | None = None,
    ) -> None:
        super().__init__()
        _check_limits(deadline, min_rate, rate_window, schemes)
        self.schemes = frozenset(schemes)
        check_output_url(url, schemes=self.schemes, what="download URL")
        self.url = url
        self.shown_url = strip_query(url)
        self.name = self.shown_url.rsplit("/", 1)[-1] or None
        self._client = client
        self.expected_size = expected_size
        self.expected_sha256 = expected_sha256.lower() if expected_sha256 else None
        self.max_resumes = max_resumes
        self._chunk_size = chunk_size
        self._backoff = backoff
        self.deadline = float(deadline) if deadline is not None else None
        self.min_rate = float(min_rate)
        self.rate_window = float(rate_window)
        self.expected_type = content_type
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
        self._started: float | None = None  # time.monotonic() of the first request
        self._received = 0  # body bytes received from the network (skipped ones included)
        self._window = (0.0, 0)  # (time, bytes received) at the start of the current rate window
        self._check: _BodyCheck | None = None

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
        if self._check is not None:
            self._check.close()
        super().close()

    # ------------------------------------------------------------------ results
    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def finished(self) -> bool:
        """Whether the whole body was read and verified (size and sha256, or decoding without a size)."""
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
                self._pace()
                self._count_resume(exc)
                continue
            self._received += len(chunk)
            self._pace()
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
            if self.total is None:
                if self._check is None:
                    self._check = _BodyCheck(self.expected_type or self.content_type)
                self._check.feed(bytes(chunk))
            return bytes(chunk)

    def _attempt(self, action: Callable[[], None]) -> None:
        while True:
            try:
                action()
                return
            except _RETRYABLE as exc:
                self._drop_response()
                self._pace()
                self._count_resume(exc)

    def _count_resume(self, exc: Exception) -> None:
        self.resumes += 1
        if self.resumes > self.max_resumes:
            raise StorageError(
                f"download of {self.shown_url} failed after {self.max_resumes} resumes "
                f"at byte {self.offset}: {type(exc).__name__}: {exc}"
            ) from None
        if self._backoff:
            pause = min(self._backoff * 2 ** (self.resumes - 1), 8.0)
            left = self._time_left()
            time.sleep(max(0.0, min(pause, left)) if left is not None else pause)

    # ------------------------------------------------------------------ deadline and pace
    def _time_left(self) -> float | None:
        if self.deadline is None or self._started is None:
            return self.deadline
        return self.deadline - (time.monotonic() - self._started)

    def _pace(self) -> None:
        """Raise when the deadline has passed or the last window was slower than ``min_rate``."""
        if self._started is None:
            return
        now = time.monotonic()
        left = self._time_left()
        if left is not None and left <= 0:
            raise StorageError(
                f"download of {self.shown_url} did not finish within its deadline of {self.deadline:g} s "
                f"({self._received} bytes received)"
            )
        since, received = self._window
        if self.min_rate > 0 and now - since >= self.rate_window:
            rate = (self._received - received) / (now - since)
            if rate < self.min_rate:
                raise StorageError(
                    f"download of {self.shown_url} is too slow: {rate:.0f} bytes/s over the last "
                    f"{now - since:.1f} s, below the minimum of {self.min_rate:g} bytes/s"
                )
            self._window = (now, self._received)

    def _timeout(self) -> httpx.Timeout:
        """The client's timeouts, each capped by the time left; reads also by the rate window."""
        left = self._time_left()
        if left is not None and left <= 0:
            self._pace()
        read_cap = left
        if self.min_rate > 0:
            read_cap = self.rate_window if read_cap is None else min(read_cap, self.rate_window)

        def cap(value: float | None, limit: float | None) -> float | None:
            if limit is None:
                return value
            limit = max(limit, 0.001)
            return limit if value is None else min(value, limit)

        base = self._client.timeout
        return httpx.Timeout(
            connect=cap(base.connect, left),
            read=cap(base.read, read_cap),
            write=cap(base.write, left),
            pool=cap(base.pool, left),
        )

    # ------------------------------------------------------------------ requests
    def _send(self, headers: dict[str, str]) -> httpx.Response:
        """GET the URL, following redirects here, hop by hop, each checked against ``schemes``."""
        request = self._client.build_request("GET", self.url, headers=headers, timeout=self._timeout())
        for _ in range(MAX_REDIRECTS + 1):
            response = self._client.send(request, stream=True, follow_redirects=False)
            if not response.has_redirect_location:
                return response
            following = response.next_request
            response.close()
            if following is None:
                raise StorageError(f"GET {self.shown_url}: a redirect that cannot be followed")
            reason = _unsafe_reason(str(following.url), self.schemes)
            if reason is not None:
                target = strip_query(str(following.url))
                raise UnsafeURLError(
                    f"GET {self.shown_url} redirects to {target!r}, which is refused: {reason}",
                    url=str(following.url),
                )
            request = following
        raise StorageError(f"GET {self.shown_url}: more than {MAX_REDIRECTS} redirects")

    def _open(self) -> None:
        if self._started is None:
            self._started = time.monotonic()
            self._window = (self._started, 0)
        headers = {"Accept-Encoding": "identity"}
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
            if self._validator:
                headers["If-Range"] = self._validator
        response = self._send(headers)
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
        # The body is read raw (iter_raw, no decoding), so Content-Length counts exactly what is stored.
        length = _int(response.headers.get("content-length"))
        if length is not None:
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
        if self.total is None:
            check = self._check or _BodyCheck(self.expected_type or self.content_type)
            problem = check.problem()
            check.close()
            if problem is not None:
                raise StorageError(
                    f"download of {self.shown_url} (no Content-Length, {self.offset} bytes) {problem}"
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
    deadline: float | None = DOWNLOAD_DEADLINE,
    min_rate: float = MIN_TRANSFER_RATE,
    rate_window: float = RATE_WINDOW,
    schemes: Collection[str] = HTTP_SCHEMES,
) -> StoredObject:
    """Stream ``url`` into ``store`` under ``key``, resuming after dropped connections; verify; return it.

    ``deadline`` is the most the whole download may take in seconds (None: no limit); below ``min_rate``
    bytes per second over ``rate_window`` seconds it is abandoned (0: no minimum); ``schemes`` are the
    schemes the URL and each redirect hop may use (``UnsafeURLError`` otherwise; see
    :func:`output_schemes` for URLs from the API). Without a Content-Length, images and MP4 videos (by
    their bytes, ``content_type`` or the key's extension) must decode or parse.

    Raises ``StorageError`` when the server refuses, the resumes run out, the deadline passes, the transfer
    is too slow, or size/sha256/decoding do not check out (the backend then keeps no object).
    """
    from . import open_storage

    _check_limits(deadline, min_rate, rate_window, schemes)
    check_output_url(url, schemes=schemes, what="download URL")
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
            deadline=deadline,
            min_rate=min_rate,
            rate_window=rate_window,
            schemes=schemes,
        ) as stream:
            stream.connect()
            ctype = content_type or guess_content_type(key, default=None) or stream.content_type
            stream.expected_type = ctype
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
