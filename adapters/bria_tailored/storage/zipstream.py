"""A streaming ZIP writer for bulk uploads: the archive as chunks, never whole in memory or on disk.

``iter_zip(entries)`` yields the bytes of a ZIP built from ``(arcname, source)`` pairs (a source is
anything :func:`~bria_tailored.storage.sources.open_source` accepts: path, bytes, binary file, iterator of
bytes, URL, storage URI); ``ZipStream(entries)`` is the same as a non-seekable file object with
``read(n)``, ready for ``StorageBackend.put``. Entries are STORED (images are already compressed). The
standard ``zipfile`` module writes into a small pipe-like buffer that is drained after every chunk; as
the output cannot seek, each entry carries a data descriptor, and ZIP64 records are used where sizes or
offsets need them (entries of unknown size are always written with ZIP64 sizes).
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeAlias

from .._storage_base import DEFAULT_CHUNK_SIZE, SourceLike, iter_chunks, validate_key
from ..errors import ValidationError
from .folders import walk_folder
from .sources import IterStream, open_source

__all__ = ["ZipEntry", "ZipStream", "folder_entries", "iter_zip"]

#: One member of an archive: its name in the archive and where its bytes come from.
ZipEntry: TypeAlias = tuple[str, SourceLike]
_DateTime: TypeAlias = tuple[int, int, int, int, int, int]
_MIN_DATE: _DateTime = (1980, 1, 1, 0, 0, 0)


class _Pipe:
    """What zipfile writes into: no ``tell``/``seek``, so zipfile streams; the generator drains it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.pending = 0

    def write(self, data: bytes, /) -> int:
        chunk = bytes(data)
        if chunk:
            self._parts.append(chunk)
            self.pending += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.pending = 0
        return data


def _date_time(source: SourceLike) -> _DateTime:
    """The entry's timestamp: a local file's modification time, else now (never before 1980, ZIP's epoch)."""
    mtime = None
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "://" not in source):
        try:
            mtime = os.stat(source).st_mtime
        except OSError:
            mtime = None
    t = time.localtime(mtime if mtime is not None else time.time())
    return max((t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec), _MIN_DATE)


def iter_zip(
    entries: Iterable[ZipEntry], *, chunk_size: int = DEFAULT_CHUNK_SIZE, force_zip64: bool = False
) -> Iterator[bytes]:
    """Yield a ZIP archive of STORED entries as chunks of about ``chunk_size`` bytes.

    ``arcname``s must be relative ``/``-separated names without ``..`` (no "zip slip") and unique.
    Memory stays around ``chunk_size`` whatever the size of the entries.
    """
    pipe = _Pipe()
    seen: set[str] = set()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for arcname, source in entries:
            validate_key(arcname, field="arcname")
            if arcname in seen:
                raise ValidationError("arcname", arcname, "appears twice in the archive")
            seen.add(arcname)
            info = zipfile.ZipInfo(arcname, date_time=_date_time(source))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with open_source(source, chunk_size=chunk_size) as src:
                if src.size is not None:
                    info.file_size = src.size
                zip64 = force_zip64 or src.size is None
                with archive.open(info, mode="w", force_zip64=zip64) as member:
                    if pipe.pending:  # the local header on its own: data chunks then pass through uncopied
                        yield pipe.drain()
                    for chunk in iter_chunks(src.stream, chunk_size):
                        member.write(chunk)
                        if pipe.pending >= chunk_size:
                            yield pipe.drain()
            if pipe.pending:
                yield pipe.drain()
    if pipe.pending:
        yield pipe.drain()


class ZipStream(IterStream):
    """:func:`iter_zip` as a non-seekable binary file object (``read(n)``), e.g. for ``store.put``."""

    name = "archive.zip"

    def __init__(
        self,
        entries: Iterable[ZipEntry],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        force_zip64: bool = False,
    ) -> None:
        super().__init__(iter_zip(entries, chunk_size=chunk_size, force_zip64=force_zip64))


def folder_entries(
    root: str | os.PathLike[str], *, suffixes: Iterable[str] | None = None, include_hidden: bool = False
) -> Iterator[tuple[str, Path]]:
    """``(arcname, path)`` for every file under ``root`` (sorted; hidden files skipped unless asked).

    ``suffixes`` (e.g. ``{".png", ".jpg"}``, case-insensitive) keeps only files with those extensions.
    A symbolic link to a file inside ``root`` is followed; links to folders are not. A symbolic link to a
    file *outside* ``root`` raises ``ValidationError`` naming every such link, before anything is yielded:
    a folder never carries another file of the machine into an archive.
    """
    wanted = {s.lower() for s in suffixes} if suffixes is not None else None
    entries: list[tuple[str, Path]] = []
    escaping: list[str] = []
    for found in walk_folder(root):
        parts = found.relative.split("/")
        if not include_hidden and any(part.startswith(".") for part in parts):
            continue
        if wanted is not None and Path(parts[-1]).suffix.lower() not in wanted:
            continue
        if found.outside is not None:
            escaping.append(f"{found.relative} -> {found.outside}")
            continue
        entries.append((found.relative, found.path))
    if escaping:
        raise ValidationError(
            "source",
            os.fspath(root),
            "holds symbolic links to files outside the folder, which are never uploaded: "
            + ", ".join(escaping)
            + " (copy the files into the folder, or remove the links)",
        )
    yield from entries
