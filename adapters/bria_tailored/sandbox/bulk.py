"""Safe extraction of a bulk-upload zip into image entries (nothing is written to disk).

Rules: directories, hidden files, ``__MACOSX/`` and non-image extensions are skipped; absolute or
``..`` paths are refused (zip-slip) and recorded as failed; entry count, total uncompressed size and
per-image size are bounded (a zip bomb fails instead of filling memory); every image is sniffed
(PNG/JPEG/WebP) and must be at least 1024x1024. Failures carry an HTTP-like ``error_code``.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass
from typing import TypedDict, final

from .media import sniff_image, thumbnail_png

__all__ = ["BulkError", "ExtractedImage", "RejectedFile", "ZipEntry", "ZipLimits", "extract_images"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
MIN_BULK_SIDE = 1024


@final
class ExtractedImage(TypedDict):
    """An image of the zip, checked and ready to store."""

    filename: str
    data: bytes
    thumb: bytes  # a PNG preview
    digest: str
    content_type: str
    extension: str


@final
class RejectedFile(TypedDict):
    """A file of the zip that cannot be used, with an HTTP-like code."""

    filename: str
    error_code: int
    error_message: str


ZipEntry = ExtractedImage | RejectedFile


class BulkError(ValueError):
    """The zip as a whole cannot be used (not a zip, too many entries, too large)."""


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_uncompressed_bytes: int
    max_image_bytes: int


def _unsafe(name: str) -> bool:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    parts = name.replace("\\", "/").split("/")
    return ".." in parts


def extract_images(data: bytes, limits: ZipLimits) -> list[ZipEntry]:
    """Entries in zip order: ``{filename, data, digest, content_type}`` or ``{filename, error_code,
    error_message}``. Raises :class:`BulkError` when the archive itself is unusable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BulkError(f"zip_url does not point at a valid zip file: {exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise BulkError(f"the zip has {len(infos)} entries; the limit is {limits.max_entries}")
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_uncompressed_bytes:
            raise BulkError(
                f"the zip expands to {declared} bytes; the limit is {limits.max_uncompressed_bytes}"
            )
        entries: list[ZipEntry] = []
        total = 0
        for info in infos:
            name = info.filename
            base = posixpath.basename(name.replace("\\", "/"))
            if info.is_dir() or not base or base.startswith(".") or name.startswith("__MACOSX/"):
                continue
            if _unsafe(name):
                entries.append(
                    {
                        "filename": name,
                        "error_code": 400,
                        "error_message": "unsafe path in zip (absolute or '..'); entry skipped",
                    }
                )
                continue
            if not base.lower().endswith(IMAGE_EXTENSIONS):
                continue
            with archive.open(info) as handle:
                content = handle.read(limits.max_image_bytes + 1)
            total += len(content)
            if len(content) > limits.max_image_bytes or total > limits.max_uncompressed_bytes:
                entries.append(
                    {
                        "filename": base,
                        "error_code": 413,
                        "error_message": f"image larger than {limits.max_image_bytes} bytes",
                    }
                )
                continue
            info_image = sniff_image(content)
            if info_image is None:
                entries.append(
                    {
                        "filename": base,
                        "error_code": 415,
                        "error_message": "not a valid png, jpeg or webp image",
                    }
                )
                continue
            if min(info_image.width, info_image.height) < MIN_BULK_SIDE:
                entries.append(
                    {
                        "filename": base,
                        "error_code": 412,
                        "error_message": f"image is {info_image.width}x{info_image.height}; "
                        f"bulk uploads need at least {MIN_BULK_SIDE}x{MIN_BULK_SIDE}",
                    }
                )
                continue
            entries.append(
                {
                    "filename": base,
                    "data": content,
                    "thumb": thumbnail_png(content),
                    "digest": hashlib.sha256(content).hexdigest(),
                    "content_type": info_image.content_type,
                    "extension": info_image.extension,
                }
            )
        return entries
