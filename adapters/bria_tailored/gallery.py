"""An offline ``index.html`` gallery of a folder of outputs: what ``generate --out``, ``batch`` and ``demo``
write so that a person can look at what they made.

:func:`write_gallery` lists the images and videos under a local folder. Each one saved with a sidecar
(``<file>.json``, see :mod:`bria_tailored.storage.sidecar`) gets a card: the picture (or the video with
its controls), the prompt, seed, model, aspect ratio and request id, the structured prompt (folded), and
links to the file and its sidecar. Images and videos without a sidecar, and other JSON documents, are
listed after the cards. The page is one self-contained file (inline CSS, no script, no network: every
link is relative), so it works when the folder is opened from disk, copied or zipped. Calling it again
rewrites it.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from urllib.parse import quote

import attrs

from ._version import __version__

__all__ = ["GALLERY_NAME", "GalleryItem", "gallery_items", "write_gallery"]

#: The file :func:`write_gallery` writes into the folder.
GALLERY_NAME = "index.html"
_IMAGES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
_VIDEOS = frozenset({".mp4", ".webm", ".mov", ".m4v"})
_MAX_SIDECAR_BYTES = 1024 * 1024


@attrs.frozen
class GalleryItem:
    """One file of the gallery: its path relative to the folder (``/``-separated), its kind and, when it
    has one, its sidecar (parsed)."""

    path: str
    kind: str  # "image", "video" or "json"
    sidecar: Mapping[str, object] | None = None

    @property
    def sidecar_path(self) -> str:
        return self.path + ".json"


def _files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath, name)


def _read_sidecar(path: Path) -> Mapping[str, object] | None:
    try:
        if path.stat().st_size > _MAX_SIDECAR_BYTES:
            return None
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cast("Mapping[str, object]", data) if isinstance(data, dict) else None


def gallery_items(folder: str | os.PathLike[str]) -> list[GalleryItem]:
    """The files :func:`write_gallery` shows: outputs with sidecars first (in the order they were made),
    then images and videos without one, then other JSON documents (hidden files and folders are left out)."""
    root = Path(folder).expanduser().resolve()
    files = [p for p in _files(root) if p.name != GALLERY_NAME or p.parent != root]
    media = {p for p in files if p.suffix.lower() in _IMAGES | _VIDEOS}
    sidecars = {p.with_name(p.name + ".json") for p in media}
    outputs: list[GalleryItem] = []
    plain: list[GalleryItem] = []
    documents: list[GalleryItem] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if path in media:
            kind = "image" if path.suffix.lower() in _IMAGES else "video"
            sidecar = _read_sidecar(path.with_name(path.name + ".json"))
            (outputs if sidecar is not None else plain).append(GalleryItem(rel, kind, sidecar))
        elif path.suffix.lower() == ".json" and path not in sidecars:
            documents.append(GalleryItem(rel, "json"))
    outputs.sort(key=_made_at)
    return [*outputs, *plain, *documents]


def _made_at(item: GalleryItem) -> tuple[str, str]:
    """Outputs in the order they were made: submitted (to the millisecond), else saved, then by path."""
    sidecar = item.sidecar or {}
    timings = sidecar.get("timings")
    submitted = (
        cast("Mapping[str, object]", timings).get("submitted_at") if isinstance(timings, Mapping) else None
    )
    return (str(submitted or sidecar.get("created_at") or ""), item.path)


def _href(rel: str) -> str:
    return html.escape(quote(rel), quote=True)


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _media(item: GalleryItem, alt: str) -> str:
    if item.kind == "video":
        return f'<video src="{_href(item.path)}" controls muted loop preload="metadata"></video>'
    return f'<a href="{_href(item.path)}"><img src="{_href(item.path)}" alt="{_text(alt)}"></a>'


def _card(item: GalleryItem) -> str:
    sidecar = item.sidecar or {}
    prompt = sidecar.get("prompt")
    caption = str(prompt) if prompt else item.path
    rows: list[str] = []
    for label, key in (
        ("seed", "seed"),
        ("model", "model_id"),
        ("aspect ratio", "aspect_ratio"),
        ("negative prompt", "negative_prompt"),
        ("source image", "source_image"),
        ("request id", "request_id"),
        ("saved", "created_at"),
    ):
        value = sidecar.get(key)
        if isinstance(value, str):
            value = value.split("?", 1)[0]
        if value is not None and value != "":
            rows.append(f"<dt>{label}</dt><dd>{_text(value)}</dd>")
    structured = sidecar.get("structured_prompt")
    folded = ""
    if structured:
        shown = (
            structured
            if isinstance(structured, str)
            else json.dumps(structured, indent=2, ensure_ascii=False)
        )
        folded = f"<details><summary>structured prompt</summary><pre>{_text(shown)}</pre></details>"
    links = (
        f'<a href="{_href(item.path)}">{_text(Path(item.path).name)}</a> · '
        f'<a href="{_href(item.sidecar_path)}">sidecar</a>'
    )
    return (
        f'<figure class="card {item.kind}">{_media(item, caption)}<figcaption>'
        f'<p class="prompt">{_text(caption)}</p><dl>{"".join(rows)}</dl>{folded}'
        f'<p class="links">{links}</p></figcaption></figure>'
    )


def _thumb(item: GalleryItem) -> str:
    return (
        f'<figure class="thumb {item.kind}">{_media(item, item.path)}'
        f"<figcaption>{_text(item.path)}</figcaption></figure>"
    )


_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; }
header p { color: GrayText; margin-top: 0; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
.thumbs { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
figure { margin: 0; border: 1px solid #8884; border-radius: 8px; padding: .5rem; overflow: hidden; }
figure img, figure video { width: 100%; height: auto; display: block; border-radius: 4px; }
.prompt { font-weight: 600; margin: .5rem 0 .25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 .5rem; margin: 0; font-size: .85rem; }
dt { color: GrayText; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; font-size: .75rem; max-height: 20rem; overflow: auto; }
.links, .thumb figcaption { font-size: .8rem; overflow-wrap: anywhere; }
ul { font-size: .9rem; }
"""


def render_gallery(items: list[GalleryItem], title: str) -> str:
    """The HTML of a gallery of ``items`` (see :func:`gallery_items`)."""
    outputs = [i for i in items if i.sidecar is not None]
    plain = [i for i in items if i.sidecar is None and i.kind != "json"]
    documents = [i for i in items if i.kind == "json"]
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{_text(title)}</h1><p>{len(outputs)} output(s) · written {made} by bria-tailored "
        f"{_text(__version__)}</p></header>",
    ]
    if outputs:
        parts.append('<main class="grid">' + "".join(_card(i) for i in outputs) + "</main>")
    else:
        parts.append("<main><p>No saved outputs (files with a .json sidecar) in this folder yet.</p></main>")
    if plain:
        parts.append("<h2>Other images and videos</h2>")
        parts.append('<section class="grid thumbs">' + "".join(_thumb(i) for i in plain) + "</section>")
    if documents:
        parts.append("<h2>Other files</h2><ul>")
        parts.extend(f'<li><a href="{_href(i.path)}">{_text(i.path)}</a></li>' for i in documents)
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_gallery(folder: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write ``index.html`` into ``folder`` (a local folder of outputs) and return its path.

    The page shows every saved output with its prompt, seed, model and a link to its sidecar, then the
    other images, videos and JSON files; it needs no network and no server (see the module docstring).
    Raises ``NotADirectoryError`` when ``folder`` is not an existing folder.
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise NotADirectoryError(
            f"{root} is not a folder: a gallery is written into a local folder of outputs"
        )
    page = render_gallery(gallery_items(root), title or f"bria-tailored outputs: {root.name}")
    target = root / GALLERY_NAME
    fd, tmp = tempfile.mkstemp(prefix=".bria-tmp-", suffix=".html", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
