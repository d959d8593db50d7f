"""The images of a training source (a folder, a ``.zip`` file or a storage prefix), and their checks.

:func:`scan` lists the files without reading them; :func:`validate` reads every one and reports *all*
problems together in one :class:`InvalidImagesError` (by file name), before anything exists remotely.
Bria names an image by its file name, and a resumed run matches uploads by that name, so two files with
the same base name are a problem too.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from .. import validation
from ..errors import InvalidImagesError, ValidationError

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
        rels = [p.relative_to(path).as_posix() for p in sorted(path.rglob("*")) if p.is_file()]
        return _files("folder", str(path.resolve()), rels)
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            rels = [i.filename for i in archive.infolist() if not i.is_dir()]
        return _files("zip", str(path.resolve()), rels)
    if path.is_file():
        raise ValidationError("source", str(source), "a single file must be a .zip archive of images")
    raise ValidationError(
        "source", str(source), "does not exist (give a folder, a .zip file or a storage URI)"
    )


def _scan_storage(uri: str) -> SourceFiles:
    from ..storage import open_storage

    store = open_storage(uri)
    return _files("storage", uri, sorted(store.list()))


def _files(kind: SourceKind, location: str, rels: list[str]) -> SourceFiles:
    paths: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    for rel in rels:
        parts = PurePosixPath(rel).parts
        if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        name = parts[-1]
        if name in paths:
            duplicates.append((rel, f"has the same file name as {paths[name]} (file names must be unique)"))
            continue
        paths[name] = rel
    return SourceFiles(kind, location, paths, duplicates)


def _reader(files: SourceFiles) -> Callable[[str, int | None], bytes]:
    def folder(rel: str, head: int | None) -> bytes:
        path = Path(files.location) / rel
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
        with zipfile.ZipFile(files.location) as zf:
            return zf.read(rel)

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
    problems: list[tuple[str, str]] = list(files.duplicates)
    total = len(files.paths) + len(files.duplicates)
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
