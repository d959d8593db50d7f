"""Real output files, made by hand and fast: PNG images, MP4 videos, safetensors weights, zips.

Also the checks on what users send: image sniffing (PNG/JPEG/WebP only), safetensors headers.
Everything is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from .json_types import JSON

__all__ = [
    "ASPECT_RATIOS",
    "ImageInfo",
    "aspect_dimensions",
    "average_color",
    "dataset_zip",
    "generate_png",
    "generate_mp4",
    "generate_safetensors",
    "is_safetensors",
    "sniff_image",
    "thumbnail_png",
]

ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1, 1),
    "2:3": (2, 3),
    "3:2": (3, 2),
    "3:4": (3, 4),
    "4:3": (4, 3),
    "4:5": (4, 5),
    "5:4": (5, 4),
    "9:16": (9, 16),
    "16:9": (16, 9),
}
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def aspect_dimensions(aspect_ratio: str, scale: float = 1.0) -> tuple[int, int]:
    """Width and height with exactly the given ratio and about 1024² pixels times ``scale``²."""
    a, b = ASPECT_RATIOS[aspect_ratio]
    unit = max(1, round(math.sqrt(1024 * 1024 / (a * b)) * scale))
    return a * unit, b * unit


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _hex_colour(value: object) -> tuple[int, int, int] | None:
    text = str(value).lstrip("#")
    if len(text) != 6:
        return None
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return None


def generate_png(width: int, height: int, *seed_parts: object, palette: Sequence[object] = ()) -> bytes:
    """A PNG whose picture (background, shapes, colours) is derived from ``seed_parts``.

    ``palette`` (``"#rrggbb"`` strings, e.g. a structured prompt's ``colors``) supplies the colours, so
    outputs look like the trained style; without one, colours are drawn at random.
    """
    rng = _rng(*seed_parts)
    colours = [c for c in (_hex_colour(v) for v in palette) if c is not None]

    def pick() -> tuple[int, ...]:
        return rng.choice(colours) if colours else tuple(rng.randrange(256) for _ in range(3))

    background = pick()
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(width // 8 + 1, width // 2 + 2))
        y1 = min(height, y0 + rng.randrange(height // 8 + 1, height // 2 + 2))
        colour = pick()
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def thumbnail_png(data: bytes, size: int = 128) -> bytes:
    """A small PNG preview of an image."""
    with Image.open(io.BytesIO(data)) as image:
        preview = image.convert("RGB")
        preview.thumbnail((size, size))
        out = io.BytesIO()
        preview.save(out, format="PNG", compress_level=1)
        return out.getvalue()


@dataclass(frozen=True)
class ImageInfo:
    """What sniffing an image found."""

    format: str
    content_type: str
    width: int
    height: int
    extension: str


def sniff_image(data: bytes) -> ImageInfo | None:
    """PNG, JPEG or WebP dimensions, or ``None`` when the bytes are anything else (or broken)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            if fmt not in IMAGE_FORMATS:
                return None
            image.verify()
            width, height = image.size
    except Exception:  # Pillow raises many kinds of errors on garbage input
        return None
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[fmt]
    return ImageInfo(fmt, IMAGE_FORMATS[fmt], width, height, extension)


def average_color(data: bytes) -> str:
    """The mean colour of an image as ``#rrggbb`` (``#000000`` when it cannot be read)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixel = image.convert("RGB").resize((1, 1)).getpixel((0, 0))
    except Exception:
        return "#000000"
    if not isinstance(pixel, tuple) or len(pixel) < 3:
        return "#000000"
    r, g, b = pixel[:3]
    return f"#{r:02x}{g:02x}{b:02x}"


# --- MP4 -----------------------------------------------------------------------------------------


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _descriptor(tag: int, payload: bytes) -> bytes:
    return bytes([tag, len(payload)]) + payload


def generate_mp4(frames: list[bytes], width: int, height: int, duration_ms: int = 5000) -> bytes:
    """An MP4 (ISO BMFF) of Motion-JPEG ``frames`` lasting ``duration_ms``: ftyp, moov (mvhd, one
    video trak with a complete sample table) and mdat. Players that decode MJPEG-in-MP4 play it."""
    if not frames:
        raise ValueError("at least one frame is needed")
    timescale = 1000
    count = len(frames)
    delta = max(1, duration_ms // count)
    duration = delta * count
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration),
        struct.pack(">IH", 0x00010000, 0x0100),
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        0x3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        b"\x00" * 8,
        struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(
        b"mdhd", 0, 0, struct.pack(">IIII", 0, 0, timescale, duration), struct.pack(">HH", 0x55C4, 0)
    )
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I", 0), b"vide", b"\x00" * 12, b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, b"\x00" * 8)
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    decoder_config = _descriptor(0x04, bytes([0x6C, 0x11]) + b"\x00\x00\x00" + struct.pack(">II", 0, 0))
    es_descriptor = _descriptor(0x03, struct.pack(">HB", 1, 0) + decoder_config + _descriptor(0x06, b"\x02"))
    esds = _full_box(b"esds", 0, 0, es_descriptor)
    mp4v = _box(
        b"mp4v",
        b"\x00" * 6,
        struct.pack(">H", 1),
        b"\x00" * 16,
        struct.pack(">HH", width, height),
        struct.pack(">II", 0x00480000, 0x00480000),
        struct.pack(">I", 0),
        struct.pack(">H", 1),
        b"\x00" * 32,
        struct.pack(">Hh", 0x18, -1),
        esds,
    )
    stsd = _full_box(b"stsd", 0, 0, struct.pack(">I", 1), mp4v)
    stts = _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, delta))
    stsc = _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1))
    stsz = _full_box(
        b"stsz", 0, 0, struct.pack(">II", 0, count), *(struct.pack(">I", len(f)) for f in frames)
    )

    def moov_with(chunk_offset: int) -> bytes:
        stco = _full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset))
        stbl = _box(b"stbl", stsd, stts, stsc, stsz, stco)
        minf = _box(b"minf", vmhd, dinf, stbl)
        mdia = _box(b"mdia", mdhd, hdlr, minf)
        return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))

    moov_size = len(moov_with(0))
    offset = len(ftyp) + moov_size + 8
    mdat = _box(b"mdat", *frames)
    return ftyp + moov_with(offset) + mdat


def video_frames(source: bytes, width: int, height: int, count: int, *seed_parts: object) -> list[bytes]:
    """JPEG frames panning across the source image (or a generated picture if it cannot be read)."""
    try:
        with Image.open(io.BytesIO(source)) as opened:
            base = opened.convert("RGB").resize((width, height))
    except Exception:
        base = Image.open(io.BytesIO(generate_png(width, height, *seed_parts))).convert("RGB")
    frames: list[bytes] = []
    for index in range(count):
        shift = (index * max(1, width // (count * 2))) % width
        frame = Image.new("RGB", (width, height))
        frame.paste(base.crop((shift, 0, width, height)), (0, 0))
        frame.paste(base.crop((0, 0, shift, height)), (width - shift, 0))
        out = io.BytesIO()
        frame.save(out, format="JPEG", quality=70)
        frames.append(out.getvalue())
    return frames


# --- safetensors ----------------------------------------------------------------------------------


def generate_safetensors(
    seed: object, rank: int = 4, width: int = 16, layers: int = 2, metadata: dict[str, str] | None = None
) -> bytes:
    """A small valid ``.safetensors`` file of LoRA-shaped float32 tensors (values from ``seed``)."""
    rng = _rng("safetensors", seed)
    tensors: list[tuple[str, tuple[int, ...], bytes]] = []
    for layer in range(layers):
        shapes: tuple[tuple[str, tuple[int, ...]], ...] = (
            (f"lora_A.{layer}", (rank, width)),
            (f"lora_B.{layer}", (width, rank)),
        )
        for name, shape in shapes:
            count = shape[0] * shape[1]
            data = struct.pack(f"<{count}f", *(rng.uniform(-0.05, 0.05) for _ in range(count)))
            tensors.append((f"transformer.blocks.{layer}.attn.{name}.weight", shape, data))
    header: dict[str, object] = {"__metadata__": {"format": "pt", **(metadata or {})}}
    offset = 0
    for name, shape, data in tensors:
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(data for _, _, data in tensors)


def is_safetensors(data: bytes) -> bool:
    """Whether ``data`` starts with a well-formed safetensors header whose offsets fit the file."""
    if len(data) < 10:
        return False
    (length,) = struct.unpack("<Q", data[:8])
    if length < 2 or length > 100_000_000 or 8 + length > len(data):
        return False
    try:
        header: JSON = json.loads(data[8 : 8 + length])
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict):
        return False
    body = len(data) - 8 - length
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or "data_offsets" not in entry or "dtype" not in entry:
            return False
        offsets = entry["data_offsets"]
        if not isinstance(offsets, list) or len(offsets) != 2:
            return False
        start, end = offsets
        if not isinstance(start, int | float) or not isinstance(end, int | float):
            return False
        if not 0 <= start <= end <= body:
            return False
    return True


# --- zips -----------------------------------------------------------------------------------------


def dataset_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of ``(name, bytes)`` pairs; names made unique."""
    out = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            unique, counter = name, 1
            while unique in seen:
                stem, dot, ext = name.rpartition(".")
                unique = f"{stem or ext}_{counter}{dot}{ext if stem else ''}"
                counter += 1
            seen.add(unique)
            archive.writestr(unique, data)
    return out.getvalue()
