"""Listing the files of a local folder without ever leaving it through a symbolic link.

A folder given to ``datasets.bulk_upload(source=...)`` or ``train`` is zipped or read and sent to Bria.
A symbolic link in it (``x.png -> ../../.ssh/id_rsa``) must not carry a file from elsewhere along:
:func:`walk_folder` lists every file with the path to read it from and, for a link whose target lies
outside the folder, the target instead, so that callers reject it by name. Links to folders are not
followed at all (their files are reached through the real folder when it is inside), so a walk never
loops and never leaves the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

__all__ = ["FolderFile", "inside", "walk_folder"]


@attrs.frozen
class FolderFile:
    """One file of a folder: its ``/``-separated path relative to the folder, where to read it from (the
    link's target, resolved, for a symbolic link that stays inside), and ``outside``: the target of a
    symbolic link that leaves the folder (then ``path`` must not be read)."""

    relative: str
    path: Path
    outside: Path | None = None


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved) is ``root`` (resolved) or lies under it."""
    return path == root or root in path.parents


def walk_folder(root: str | os.PathLike[str]) -> list[FolderFile]:
    """Every file under ``root``, sorted by path (see the module docstring). Links to folders are not
    followed; dangling links are skipped unless they point outside (a target could appear later)."""
    base = Path(root)
    real_root = base.resolve()
    found: list[FolderFile] = []
    for directory, _, files in os.walk(base, followlinks=False):
        here = Path(directory)
        for name in files:
            path = here / name
            relative = path.relative_to(base).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not inside(target, real_root):
                    found.append(FolderFile(relative, path, outside=target))
                elif target.is_file():
                    found.append(FolderFile(relative, target))
            elif path.is_file():
                found.append(FolderFile(relative, path))
    found.sort(key=lambda f: tuple(f.relative.split("/")))
    return found
