"""Turning a user's ``source`` into what an endpoint takes: base64 text or a URL Bria can fetch.

``source`` is a local path, bytes, a binary file object, an http(s) URL, a storage URI (``s3://``,
``gs://``, any scheme a plugin adds), or what the SDK returned: a ``StoredObject`` (``client.save``'s
answer; its URI is used) or an ``ImageResult`` (its ``image_url``). Local content is checked (format,
truncation, resolution) before it is sent; a storage URI becomes a presigned URL, so the object is never
downloaded through this machine.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import IO, TypeAlias, TypeGuard, cast

from .. import validation
from .._locations import plain_source
from .._plan import Plan, blocking
from .._storage_base import StoredObject
from ..errors import ValidationError
from ..types import ImageResult

#: An image (or file) a method takes: a local path (``str`` or ``os.PathLike``; ``file://`` URLs too), an
#: http(s) URL, a storage URI (``s3://bucket/key``, ``gs://...``), the bytes themselves, a file object
#: opened in binary mode, a ``StoredObject`` (what ``client.save`` returned: its URI) or an
#: ``ImageResult`` (its ``image_url``).
Source: TypeAlias = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | StoredObject | ImageResult
)

UNSUPPORTED_IMAGE_EXTENSIONS = frozenset(
    {".gif", ".bmp", ".tif", ".tiff", ".svg", ".heic", ".heif", ".avif", ".ico"}
)
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def describe(source: object) -> str:
    """A short name for a source in messages (never the bytes, never a URL's query string)."""
    source = plain_source(source)
    if isinstance(source, str):
        return source.split("?", 1)[0]
    if isinstance(source, os.PathLike):
        return str(cast("os.PathLike[str]", source))
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    name: object = getattr(source, "name", None)
    return str(name) if name else f"<{type(source).__name__}>"


def is_http_url(source: object) -> TypeGuard[str]:
    """``source`` is an http(s) URL."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def storage_uri_parts(source: object) -> tuple[str, str] | None:
    """``("s3://bucket", "key/in/bucket")`` for a storage URI (not http(s), not file://), else None."""
    if not isinstance(source, str):
        return None
    match = _URI.match(source)
    if not match or match.group(1).lower() in ("http", "https", "file"):
        return None
    rest = source[match.end() :]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise ValidationError(
            "source", source, "a storage URI must name a bucket and a key: scheme://bucket/key"
        )
    return f"{match.group(1)}://{bucket}", key


def presign(uri: str, expires_in: int = 3600) -> str:
    """A URL Bria's servers can GET for a storage URI (the storage's presigned/signed URL)."""
    from ..storage import open_storage

    parts = storage_uri_parts(uri)
    assert parts is not None
    store = open_storage(parts[0])
    return store.public_url(parts[1], expires_in=expires_in)


def read_local(source: object, field: str) -> tuple[bytes, str | None]:
    """(bytes, file name) of a path, bytes or binary file object (anything else: ``ValidationError``)."""
    source = plain_source(source)
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), None
    if isinstance(source, memoryview):
        return source.tobytes(), None
    if isinstance(source, str) and source.lower().startswith("file://"):
        source = source[7:]
    if isinstance(source, str) or isinstance(source, os.PathLike):
        local = source if isinstance(source, str) else cast("os.PathLike[str]", source)
        path = Path(local)
        if not path.is_file():
            raise ValidationError(
                field, str(local), "is not a file (give a path, bytes, a file object or a URL)"
            )
        return path.read_bytes(), path.name
    read: object = getattr(source, "read", None)
    if callable(read):
        data: object = read()
        if not isinstance(data, (bytes, bytearray)):
            raise ValidationError(
                field, describe(source), "file objects must be opened in binary mode ('rb')"
            )
        name: object = getattr(source, "name", None)
        return bytes(data), Path(name).name if isinstance(name, str) else None
    raise ValidationError(
        field, describe(source), "must be a path, bytes, a binary file object, a URL or storage URI"
    )


def check_url_extension(field: str, url: str) -> None:
    """Reject URLs that plainly name an image format Bria does not take (others are checked by Bria)."""
    suffix = Path(url.split("?", 1)[0]).suffix.lower()
    if suffix in UNSUPPORTED_IMAGE_EXTENSIONS:
        raise ValidationError(field, url.split("?", 1)[0], "must be a jpg, jpeg, png or webp image")


def image_input(source: Source, field: str, *, increase_resolution: bool = True) -> Plan[dict[str, str]]:
    """``{"file": <base64>, "image_name": ...}`` or ``{"image_url": ...}`` for an image source."""
    plain = plain_source(source)
    if is_http_url(plain):
        check_url_extension(field, plain)
        return {"image_url": plain}
    if isinstance(plain, str) and storage_uri_parts(plain) is not None:
        check_url_extension(field, plain)
        url = yield from blocking(presign, plain)
        return {"image_url": url, "image_name": Path(plain).name}
    data, name = yield from blocking(read_local, plain, field)
    validation.check_image(
        field, data, name=name or describe(plain), increase_resolution=increase_resolution
    )
    out = {"file": base64.b64encode(data).decode("ascii")}
    if name:
        out["image_name"] = name
    return out


def image_string(source: Source, field: str) -> Plan[str]:
    """One string (URL or base64) for endpoints that take ``images: [str]`` or ``image: str``."""
    payload = yield from image_input(source, field)
    return payload.get("image_url") or payload["file"]
