"""Text chunks in PNG files, with the standard library only: how ``save`` embeds an output's metadata.

:func:`embed_text` writes ``iTXt`` chunks (UTF-8, zlib-compressed when long) right after ``IHDR``, so that
readers that stop before the pixel data (``PIL.Image.open(path).text``, ``exiftool``, image viewers) see
them. Earlier text chunks with the same keywords are dropped first, so saving a file again never makes it
grow. Every other chunk, the pixel data included, is copied byte for byte: nothing is decoded or
re-encoded. :func:`read_text` reads ``tEXt``, ``zTXt`` and ``iTXt`` chunks back.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Mapping

__all__ = ["MAX_TEXT_BYTES", "PNG_SIGNATURE", "embed_text", "is_png", "read_text"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The most one embedded text may take in the file (after compression); a longer text is left out.
MAX_TEXT_BYTES = 256 * 1024
#: Texts longer than this are compressed (iTXt's compression flag).
_COMPRESS_ABOVE = 512
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """``(type, body, whole chunk)`` for every chunk; ``ValueError`` when the file is not a sound PNG."""
    if not is_png(data):
        raise ValueError("not a PNG file")
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError("truncated PNG chunk")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(data):
            raise ValueError("truncated PNG chunk")
        yield kind, data[offset + 8 : offset + 8 + length], data[offset:end]
        offset = end
        if kind == b"IEND":
            return
    raise ValueError("PNG without IEND")


def _keyword(body: bytes) -> str:
    return body.split(b"\x00", 1)[0].decode("latin-1")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def _itxt(keyword: str, text: str) -> bytes | None:
    raw = text.encode("utf-8")
    compressed = len(raw) > _COMPRESS_ABOVE
    payload = zlib.compress(raw, 9) if compressed else raw
    if len(payload) > MAX_TEXT_BYTES:
        return None
    head = keyword.encode("latin-1") + b"\x00" + bytes([int(compressed), 0]) + b"\x00\x00"
    return _chunk(b"iTXt", head + payload)


def _check_keyword(keyword: str) -> None:
    try:
        encoded = keyword.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"PNG text keyword {keyword!r} is not Latin-1") from None
    if not 1 <= len(encoded) <= 79 or b"\x00" in encoded or keyword != keyword.strip():
        raise ValueError(f"PNG text keyword {keyword!r} must be 1-79 characters without edge spaces")


def embed_text(data: bytes, texts: Mapping[str, str]) -> bytes:
    """``data`` (a PNG file) with ``texts`` as ``iTXt`` chunks after ``IHDR``, replacing any text chunks
    with the same keywords. Raises ``ValueError`` when ``data`` is not a sound PNG or a keyword is not
    a valid PNG keyword (Latin-1, 1-79 characters)."""
    for keyword in texts:
        _check_keyword(keyword)
    out = [PNG_SIGNATURE]
    first = True
    for kind, body, whole in _chunks(data):
        if first:
            if kind != b"IHDR":
                raise ValueError("PNG does not start with IHDR")
            out.append(whole)
            for keyword, text in texts.items():
                chunk = _itxt(keyword, text)
                if chunk is not None:
                    out.append(chunk)
            first = False
            continue
        if kind in _TEXT_CHUNKS and _keyword(body) in texts:
            continue
        out.append(whole)
    return b"".join(out)


def _inflate(data: bytes) -> bytes:
    """Decompress at most 4 MiB of a text chunk (a hostile file cannot make it a memory bomb)."""
    return zlib.decompressobj().decompress(data, 4 * 1024 * 1024)


def read_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG file, by keyword (``ValueError`` when it is not a sound PNG)."""
    found: dict[str, str] = {}
    for kind, body, _ in _chunks(data):
        if kind not in _TEXT_CHUNKS:
            continue
        keyword, _, rest = body.partition(b"\x00")
        name = keyword.decode("latin-1")
        try:
            if kind == b"tEXt":
                found[name] = rest.decode("latin-1")
            elif kind == b"zTXt":
                found[name] = _inflate(rest[1:]).decode("latin-1")
            else:
                flag, _method, tail = rest[0], rest[1], rest[2:]
                _language, _, tail = tail.partition(b"\x00")
                _translated, _, text = tail.partition(b"\x00")
                found[name] = (_inflate(text) if flag else text).decode("utf-8")
        except (zlib.error, UnicodeDecodeError, IndexError):
            continue
    return found
