"""The images of a training source (a folder, a ``.zip`` file or a storage prefix), and their checks.

:func:`scan` lists the files without reading them; :func:`validate` reads every one and reports *all*
problems together in one :class:`InvalidImagesError` (by file name), before anything exists remotely.
Bria names an image by its file name, and a resumed run matches uploads by that name, so two files with
the same base name are a problem too.

Hostile sources are contained:

* a folder's symbolic links to files *outside* it are never read: each is a problem naming the link and
  its target (links inside the folder are followed; links to folders are not);
* a ``.zip`` is never extracted to disk: members are read into memory one at a time. Before any is read,
  :func:`scan` checks the sizes of the archive's central directory against :data:`MAX_ZIP_MEMBERS`,
  :data:`MAX_ZIP_MEMBER_BYTES`, :data:`MAX_ZIP_UNCOMPRESSED_BYTES` and :data:`MAX_ZIP_RATIO` (a zip bomb
  is refused whole); while reading, a member that yields more or fewer bytes than the directory said, or
  fails its CRC, is a problem of that member, and never more than its announced size is decompressed.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from .. import validation
from ..errors import InvalidImagesError, ValidationError
from ..storage.folders import inside, walk_folder

if TYPE_CHECKING:
    from bria_tailored_api.models import UploadType

    from .._operations import UploadTypeValue

__all__ = [
    "InvalidImagesError",
    "SourceFiles",
    "default_name",
    "default_state_path",
    "sample",
    "scan",
    "upload_type_for",
    "validate",
]

MIN_IMAGES = 5
MAX_BASIC_IMAGES = 200
MAX_IMAGES = 5000
_HEAD = 512 * 1024
_TAIL = 64
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")

# Limits of a .zip source, checked on its central directory before any member is read (the members are
# read into memory one at a time, never extracted to disk).
#: Members of one archive: room for MAX_IMAGES images plus hidden files, folders and __MACOSX entries.
MAX_ZIP_MEMBERS = 4 * MAX_IMAGES
#: Uncompressed size of one member: far above any training image, and the most one read may hold in memory.
MAX_ZIP_MEMBER_BYTES = 64 * 1024 * 1024
#: Uncompressed size of all members together: Bria's own limit for a bulk ZIP (5 GB).
MAX_ZIP_UNCOMPRESSED_BYTES = 5 * 1024**3
#: Most a member (and the whole archive) may grow when decompressed. Images are compressed already, so a
#: real archive of them stays near 1:1; a zip bomb reaches 1000:1 and more.
MAX_ZIP_RATIO = 100
#: Members and archives smaller than this uncompressed are not held to MAX_ZIP_RATIO (tiny files compress
#: well, harmlessly).
ZIP_RATIO_FLOOR = 1024 * 1024


#: Where a source's images live: a local folder, a local ``.zip`` file, or under a storage prefix.
SourceKind: TypeAlias = Literal["folder", "zip", "storage"]


@attrs.frozen
class SourceFiles:
    """The files of a source: ``kind`` is ``folder``, ``zip`` or ``storage``; ``paths`` maps each image
    name (the file's base name, what Bria calls ``image_name``) to where it is inside the source."""

    kind: SourceKind
    location: str
    paths: dict[str, str]
    duplicates: list[tuple[str, str]] = attrs.field(factory=list[tuple[str, str]])
    #: Files that are never read, with the reason (symbolic links out of a folder).
    rejected: list[tuple[str, str]] = attrs.field(factory=list[tuple[str, str]])

    @property
    def names(self) -> list[str]:
        return sorted(self.paths)

    def read(self, name: str) -> bytes:
        """The whole file."""
        return _reader(self)(self.paths[name], None)

    def read_for_check(self, name: str) -> bytes:
        """Enough of the file for :func:`validation.check_image`: the head and the tail of big files."""
        return _reader(self)(self.paths[name], _HEAD)

    def upload_source(self, name: str) -> str | None:
        """What ``images.upload`` gets: a storage URI (sent presigned) or ``None`` (send the bytes)."""
        if self.kind == "storage":
            return f"{self.location.rstrip('/')}/{self.paths[name]}"
        return None

    @property
    def bulk_source(self) -> str:
        """What ``datasets.bulk_upload(source=...)`` stages: the folder, the zip file or the prefix."""
        return self.location


def default_name(source: str | os.PathLike[str]) -> str:
    """A readable name for datasets and models made from ``source`` (the folder's or file's stem)."""
    text = os.fspath(source).rstrip("/\\")
    name = PurePosixPath(text.replace("\\", "/")).name or "images"
    return name[:-4] if name.lower().endswith(".zip") else name


def default_state_path(source: str | os.PathLike[str]) -> Path:
    """``<source>.bria-train.json`` beside a local source; in the working directory for a storage URI."""
    if isinstance(source, str) and _URI.match(source) and not source.lower().startswith("file://"):
        return Path.cwd() / f"{default_name(source)}.bria-train.json"
    path = Path(_local(source)).expanduser().resolve()
    return path.parent / f"{path.name}.bria-train.json"


def _local(source: str | os.PathLike[str]) -> str:
    text = os.fspath(source)
    return text[7:] if text.lower().startswith("file://") else text


def scan(source: str | os.PathLike[str]) -> SourceFiles:
    """List the files of ``source`` (hidden files and ``__MACOSX`` skipped; every other file counts)."""
    if isinstance(source, str) and _URI.match(source) and not source.lower().startswith("file://"):
        return _scan_storage(source)
    path = Path(_local(source)).expanduser()
    if path.is_dir():
        listed = walk_folder(path)
        outside = {f.relative: f.outside for f in listed if f.outside is not None}
        return _files("folder", str(path.resolve()), [f.relative for f in listed], outside)
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ValidationError("source", str(source), f"is not a readable zip archive ({exc})") from None
        location = str(path.resolve())
        _check_zip(location, path.stat().st_size, infos)
        return _files("zip", location, [i.filename for i in infos if not i.is_dir()])
    if path.is_file():
        raise ValidationError("source", str(source), "a single file must be a .zip archive of images")
    raise ValidationError(
        "source", str(source), "does not exist (give a folder, a .zip file or a storage URI)"
    )


def _scan_storage(uri: str) -> SourceFiles:
    from ..storage import open_storage

    store = open_storage(uri)
    return _files("storage", uri, sorted(store.list()))


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member of a .zip source may not be read, judged by its central directory entry."""
    size, packed = info.file_size, info.compress_size
    if size > MAX_ZIP_MEMBER_BYTES:
        return f"is {size} bytes uncompressed; a member may hold at most {MAX_ZIP_MEMBER_BYTES} bytes"
    if size > ZIP_RATIO_FLOOR and size > MAX_ZIP_RATIO * packed:
        return (
            f"grows from {packed} to {size} bytes when decompressed, more than {MAX_ZIP_RATIO}:1 "
            "(a zip bomb?)"
        )
    return None


def _check_zip(location: str, archive_bytes: int, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a .zip source whose central directory breaks a limit (see the module constants), before
    any member is read. Raises :class:`InvalidImagesError` naming each offending member."""
    members = [i for i in infos if not i.is_dir()]
    problems: list[tuple[str, str]] = []
    if len(infos) > MAX_ZIP_MEMBERS:
        problems.append(
            ("(source)", f"holds {len(infos)} entries; a .zip source holds at most {MAX_ZIP_MEMBERS}")
        )
    for info in members:
        problem = _member_problem(info)
        if problem is not None:
            problems.append((info.filename, problem))
        if len(problems) >= 50:
            break
    total = sum(i.file_size for i in members)
    if total > MAX_ZIP_UNCOMPRESSED_BYTES:
        problems.append(
            (
                "(source)",
                f"is {total} bytes uncompressed; a .zip source may hold {MAX_ZIP_UNCOMPRESSED_BYTES}",
            )
        )
    elif not problems and total > ZIP_RATIO_FLOOR and total > MAX_ZIP_RATIO * archive_bytes:
        problems.append(
            (
                "(source)",
                f"grows from {archive_bytes} to {total} bytes when decompressed, more than "
                f"{MAX_ZIP_RATIO}:1 (a zip bomb?)",
            )
        )
    if problems:
        raise InvalidImagesError(location, problems, len(members))


def _files(
    kind: SourceKind, location: str, rels: list[str], outside: dict[str, Path] | None = None
) -> SourceFiles:
    paths: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    for rel in rels:
        parts = PurePosixPath(rel).parts
        if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        target = (outside or {}).get(rel)
        if target is not None:
            rejected.append(
                (
                    rel,
                    f"is a symbolic link to {target}, outside the source folder: it is never read or uploaded",
                )
            )
            continue
        name = parts[-1]
        if name in paths:
            duplicates.append((rel, f"has the same file name as {paths[name]} (file names must be unique)"))
            continue
        paths[name] = rel
    return SourceFiles(kind, location, paths, duplicates, rejected)


def _reader(files: SourceFiles) -> Callable[[str, int | None], bytes]:
    def folder(rel: str, head: int | None) -> bytes:
        path = Path(files.location) / rel
        if not inside(path.resolve(), Path(files.location)):  # a link changed since the scan
            raise ValidationError("source", rel, "is a symbolic link to a file outside the source folder")
        size = path.stat().st_size
        with path.open("rb") as handle:
            if head is None or size <= head + _TAIL:
                return handle.read()
            start = handle.read(head)
            if start[:3] == b"\xff\xd8\xff":  # JPEG: the size marker may sit after big metadata
                return start + handle.read()
            handle.seek(size - _TAIL)
            return start + handle.read()

    def archive(rel: str, head: int | None) -> bytes:
        try:
            with zipfile.ZipFile(files.location) as zf:
                info = zf.getinfo(rel)
                problem = _member_problem(info)  # the archive may have changed since the scan
                if problem is not None:
                    raise ValidationError("source", rel, problem)
                with zf.open(info) as member:
                    data = member.read(info.file_size + 1)  # never more than announced (+1 to see a lie)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, KeyError) as exc:
            raise ValidationError("source", rel, f"cannot be read from the zip archive ({exc})") from None
        if len(data) != info.file_size:
            raise ValidationError(
                "source",
                rel,
                f"holds {'more' if len(data) > info.file_size else 'fewer'} bytes than the {info.file_size} "
                "its zip directory announces (a damaged or forged archive)",
            )
        return data

    def storage(rel: str, head: int | None) -> bytes:
        from ..storage import open_storage

        with open_storage(files.location).open_read(rel) as stream:
            data: bytes = stream.read()
            return data

    return {"folder": folder, "zip": archive, "storage": storage}[files.kind]


def upload_type_for(
    count: int, via: str | None, requested: UploadTypeValue | UploadType | None
) -> UploadTypeValue:
    """``basic`` (up to 200 images, uploaded one by one) or ``advanced`` (a bulk ZIP staged via ``via``)."""
    if requested not in (None, "basic", "advanced"):
        raise ValidationError("upload_type", requested, "must be 'basic' or 'advanced' (or None: automatic)")
    if requested == "advanced" or (requested is None and count > MAX_BASIC_IMAGES):
        if via is None:
            raise ValidationError(
                "via",
                None,
                f"{count} images need an advanced (bulk ZIP) upload: pass via=<storage URI> to stage the ZIP"
                if count > MAX_BASIC_IMAGES
                else "an advanced upload needs via=<storage URI> to stage the ZIP",
            )
        return "advanced"
    if count > MAX_BASIC_IMAGES:
        raise ValidationError(
            "upload_type", requested, f"basic datasets hold at most {MAX_BASIC_IMAGES} images"
        )
    return "basic"


def validate(
    files: SourceFiles, *, via: str | None, upload_type: UploadTypeValue | UploadType | None
) -> UploadTypeValue:
    """Check every file (format, truncation, resolution for the upload type) and the count; return the
    upload type. Raises :class:`InvalidImagesError` listing every problem."""
    problems: list[tuple[str, str]] = [*files.rejected, *files.duplicates]
    total = len(files.paths) + len(files.duplicates) + len(files.rejected)
    count = len(files.paths)
    kind: UploadTypeValue
    try:
        kind = upload_type_for(count, via, upload_type)
    except ValidationError as exc:
        if exc.field != "via":
            raise
        kind = "advanced"
        problems.append(("(source)", exc.rule))
    good = 0
    for name in files.names:
        try:
            data = files.read_for_check(name)
            if not data:
                raise ValidationError("source", name, "is an empty file")
            validation.check_image("source", data, name=name, increase_resolution=kind == "basic")
            good += 1
        except ValidationError as exc:
            problems.append(
                (files.paths[name], exc.rule.replace("increase_resolution=False", "advanced upload"))
            )
        except OSError as exc:
            problems.append((files.paths[name], f"cannot be read ({exc.strerror or exc})"))
    if count < MIN_IMAGES:
        problems.append(("(source)", f"holds {count} images; a dataset needs at least {MIN_IMAGES}"))
    elif count > MAX_IMAGES:
        problems.append(("(source)", f"holds {count} images; a dataset holds at most {MAX_IMAGES}"))
    if problems:
        raise InvalidImagesError(files.location, problems, total)
    return kind


def sample(names: list[str], low: int = 5, high: int = 10) -> list[str]:
    """A deterministic, evenly spread sample of ``low``-``high`` names for the visual schema."""
    ordered = sorted(names)
    k = max(min(high, len(ordered)), min(low, len(ordered)))
    if k <= 1:
        return ordered[:k]
    step = (len(ordered) - 1) / (k - 1)
    return [ordered[round(i * step)] for i in range(k)]
