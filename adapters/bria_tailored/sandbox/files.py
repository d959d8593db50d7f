"""The sandbox's file server: the URLs it hands out (images, videos, model weights, dataset zips).

``GET``/``HEAD /_sandbox/files/{key}`` with ``Content-Length``, ``ETag``, ``Accept-Ranges`` and single
``Range`` requests (206 + ``Content-Range``; 416 when unsatisfiable). No ``api_token`` is needed: the
URLs stand for Bria's pre-signed URLs. Faults reach these routes only with ``fault_downloads=True``;
``drop_download_after_bytes`` cuts one download mid-stream so resumable downloads can be tested.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from .faults import FaultInjector, drop_connection
from .media import thumbnail_png
from .state import Store

__all__ = ["FILES_PREFIX", "file_url", "serve_file"]

FILES_PREFIX = "/_sandbox/files/"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def file_url(base_url: str, key: str) -> str:
    return f"{base_url}{FILES_PREFIX}{quote(key)}"


def _parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """``(start, end_exclusive)``, ``None`` for no/ignored range, ``False`` when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        return False
    return start, end


THUMBNAIL_SUFFIX = ".thumb.png"


def lazy_thumbnail_key(image_key: str) -> str:
    """The key of an image's thumbnail, made from the image on its first GET (see :func:`serve_file`)."""
    return image_key + THUMBNAIL_SUFFIX


async def _materialize_thumbnail(store: Store, key: str) -> tuple[str, bytes] | None:
    source = store.get_blob(key[: -len(THUMBNAIL_SUFFIX)])
    if source is None:
        return None
    data = await asyncio.to_thread(thumbnail_png, source[1])
    store.put_blob(key, data, "image/png")
    return "image/png", data


async def serve_file(scope: Scope, receive: Receive, send: Send, store: Store, faults: FaultInjector) -> None:
    """Answer one file request (raw ASGI, so a download can be cut in the middle)."""
    request = Request(scope, receive)
    key = request.path_params.get("key", "")
    blob = store.get_blob(key)
    if blob is None and key.endswith(THUMBNAIL_SUFFIX):
        blob = await _materialize_thumbnail(store, key)
    if blob is None:
        await _plain(send, 404, b'{"message": "file not found"}', "application/json")
        return
    content_type, data = blob
    size = len(data)
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = [
        (b"accept-ranges", b"bytes"),
        (b"content-type", content_type.encode()),
        (b"etag", etag.encode()),
    ]
    status, start, end = 200, 0, size
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and (if_range is None or if_range == etag):
        parsed = _parse_range(range_header, size)
        if parsed is False:
            headers.append((b"content-range", f"bytes */{size}".encode()))
            await _plain(send, 416, b"", content_type, headers)
            return
        if isinstance(parsed, tuple):
            status, (start, end) = 206, parsed
            headers.append((b"content-range", f"bytes {start}-{end - 1}/{size}".encode()))
    headers.append((b"content-length", str(end - start).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if request.method == "HEAD":
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    cut = faults.download_cut(start, end)
    stop = end if cut is None else start + cut
    position = start
    while position < stop:
        chunk_end = min(stop, position + _CHUNK)
        await send({"type": "http.response.body", "body": data[position:chunk_end], "more_body": True})
        position = chunk_end
    if cut is not None:
        await drop_connection(scope)
        return
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _plain(
    send: Send, status: int, body: bytes, content_type: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    base = [(k, v) for k, v in (headers or []) if k not in (b"content-type", b"content-length")]
    base += [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": base})
    await send({"type": "http.response.body", "body": body, "more_body": False})
