"""Saving what the API makes (images, videos, model weights, dataset zips) into a team's storage.

Outputs arrive as short-lived presigned URLs. They are streamed (resuming after dropped connections,
verified, within a deadline: see :mod:`bria_tailored.storage.download`) into the storage named by ``to``,
with a ``<key>.json`` sidecar, and the ``bria_tailored_output_saved`` hook is called. Downloads use a
plain HTTP client: the API token is never sent to the hosts that serve outputs.

**Where it goes** (:func:`save_result`): ``to`` names the file when its last part has an output's
extension (``cat.png``, ``out/clip.mp4``, ``s3://bucket/cats/cat.png``) or is an existing file: exactly
that file is written (and overwritten). Otherwise ``to`` is a folder (a trailing ``/``, an existing
folder, a storage URI, a name without such an extension) and the file is named by ``key``, by the ``name``
template, or readably from what made it: ``{slug of the prompt}-{seed}.png`` (``a-red-fox-7.png``). A
name the SDK makes never replaces an existing file: ``-2``, ``-3``, ... is added.

**Whose URL it is decides what may be read.**

* *From the API*: an ``ImageResult``/``VideoResult`` (its ``image_url``/``video_url``) and the links of
  ``datasets.download``/``models.download`` (:func:`download_into`). These are downloaded only over
  ``https://``, or ``http://`` when the API itself is on ``http://`` (``api_base_url``, e.g. the sandbox);
  every redirect is held to the same rule. Anything else (a local path, ``file://``, ``s3://``, ``gs://``,
  a plugin's scheme) raises :class:`~bria_tailored.errors.UnsafeURLError` before anything is opened: a
  response (or whoever tampered with it) never makes the client read the user's files or buckets.
* *The caller's own*: a plain ``str`` given to ``save`` as its first argument is trusted as written in the
  caller's code: an http(s) URL, a storage URI (``s3://b/k``, ``gs://...``, ``file:///abs``, a plugin's
  scheme) or a local path. Do not pass a URL taken from a response as a ``str``: pass the result object.
"""

from __future__ import annotations

import os
import re
import string
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal, cast

from .errors import ValidationError
from .storage import StorageBackend, StoredObject, open_storage, scheme_of, validate_key
from .storage.download import check_output_url, output_schemes
from .storage.sidecar import save_output, sidecar_key
from .types import ImageResult, StructuredPromptResult, VideoResult

__all__ = [
    "IMAGE_EXTENSIONS",
    "NAME_FIELDS",
    "OUTPUT_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "Destination",
    "default_key",
    "download_into",
    "file_destination",
    "output_name",
    "save_result",
    "slugify",
]

#: Where an output goes: a storage URI (``s3://b/p``, ``gs://b/p``, ``file:///abs``, a plugin's scheme),
#: a local folder, or an opened storage; or the file itself (``cat.png``, ``s3://b/p/cat.png``).
Destination = str | os.PathLike[str] | StorageBackend

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".webm", ".m4v"})
#: A destination whose last part ends with one of these names a file, not a folder.
OUTPUT_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
#: The fields a ``name`` template may use.
NAME_FIELDS: tuple[str, ...] = (
    "slug",
    "seed",
    "model_id",
    "request_id",
    "short_id",
    "aspect_ratio",
    "kind",
    "date",
    "time",
)
_Kind = Literal["image", "video", "output"]
_SLUG_LIMIT = 60


def default_key(url: str, request_id: str | None = None) -> str:
    """The key of an output nothing else names: its file name, prefixed by the request id."""
    name = Path(url.split("?", 1)[0]).name or "output"
    return f"{request_id}-{name}" if request_id and request_id not in name else name


def slugify(text: str | None, limit: int = _SLUG_LIMIT) -> str:
    """``"A red fox, jumping!"`` → ``"a-red-fox-jumping"``: ASCII letters and digits joined by ``-``, cut
    at a word boundary within ``limit`` characters (``""`` when nothing is left)."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[:limit]
    return slug.strip("-")


def _extension(url: str, kind: _Kind) -> str:
    suffix = PurePosixPath(url.split("?", 1)[0]).suffix.lower()
    if suffix in OUTPUT_EXTENSIONS:
        return suffix
    return {"image": ".png", "video": ".mp4"}.get(kind, suffix if 1 < len(suffix) <= 6 else "")


class _Template(string.Formatter):
    """``str.format`` for ``name`` templates: known fields only, a missing value is empty."""

    def __init__(self, template: str, fields: Mapping[str, object]) -> None:
        self.template = template
        self.fields = fields

    def get_field(self, field_name: str, args: object, kwargs: Mapping[str, object]) -> tuple[object, str]:
        if field_name not in self.fields:  # also refuses "{seed.real}", "{slug[0]}" and "{}"
            known = ", ".join("{" + name + "}" for name in NAME_FIELDS)
            raise ValidationError(
                "name", self.template, f"has an unknown field {{{field_name}}} (known: {known})"
            )
        return self.fields[field_name], field_name

    def format_field(self, value: object, format_spec: str) -> str:
        return "" if value is None else str(super().format_field(value, format_spec))

    def render(self) -> str:
        try:
            return self.vformat(self.template, (), {})
        except ValidationError:
            raise
        except (ValueError, IndexError, TypeError) as exc:
            raise ValidationError("name", self.template, f"is not a valid name template ({exc})") from None


def output_name(
    url: str,
    kind: _Kind = "output",
    *,
    template: str | None = None,
    prompt: str | None = None,
    seed: int | None = None,
    model_id: int | str | None = None,
    request_id: str | None = None,
    aspect_ratio: str | None = None,
    now: datetime | None = None,
) -> str:
    """The key an output is saved under in a folder.

    Without ``template``: ``{slug of the prompt}-{seed}`` (the kind instead of the slug when there is no
    prompt, the request id's first 8 characters instead of the seed when there is no seed), with the
    output's extension; an output known by nothing but its request id keeps :func:`default_key`. A
    ``template`` is a ``str.format`` string over :data:`NAME_FIELDS` (``"{slug}-{seed:04d}"``,
    ``"{model_id}/{date}/{slug}"``); a missing value renders empty, doubled ``-`` and ``_`` are folded, and
    the extension is added unless the template gives one.
    """
    ext = _extension(url, kind)
    slug = slugify(prompt)
    short = request_id[:8] if request_id else None
    if template is None:
        if not slug and seed is None and model_id is None:
            return default_key(url, request_id)
        tail = str(seed) if seed is not None else short
        stem = slug or (kind if kind != "output" else "output")
        return f"{stem}-{tail}{ext}" if tail else f"{stem}{ext}"
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    fields: dict[str, object] = {
        "slug": slug or (kind if kind != "output" else None),
        "seed": seed,
        "model_id": model_id,
        "request_id": request_id,
        "short_id": short,
        "aspect_ratio": aspect_ratio.replace(":", "x") if aspect_ratio else None,
        "kind": kind,
        "date": moment.strftime("%Y-%m-%d"),
        "time": moment.strftime("%H%M%S"),
    }
    rendered = _Template(template, fields).render()
    parts: list[str] = []
    for part in rendered.split("/"):
        part = re.sub(r"([-_])[-_]+", r"\1", part).strip("-_ ")
        if not part or part in (".", ".."):
            raise ValidationError(
                "name", template, f"gives a key with an empty or relative part: {rendered!r}"
            )
        parts.append(part)
    key = "/".join(parts)
    if PurePosixPath(key).suffix.lower() not in OUTPUT_EXTENSIONS:
        key += ext
    return validate_key(key, "name")


def _free_key(backend: StorageBackend, key: str) -> str:
    """``key``, or ``key`` with ``-2``, ``-3``, ... before its extension when an object is there."""

    def taken(candidate: str) -> bool:
        return backend.exists(candidate) or backend.exists(sidecar_key(candidate))

    if not taken(key):
        return key
    path = PurePosixPath(key)
    stem = str(path.with_suffix("")) if path.suffix else key
    for number in range(2, 100_000):
        candidate = f"{stem}-{number}{path.suffix}"
        if not taken(candidate):
            return candidate
    raise ValidationError("key", key, "is taken, and so are its numbered variants")


def file_destination(to: Destination) -> tuple[Destination, str] | None:
    """``(storage, key)`` when ``to`` names a file (see the module docstring), ``None`` for a folder."""
    if isinstance(to, StorageBackend):
        return None
    text = os.fspath(to)
    if not text or text.endswith(("/", os.sep)):
        return None
    if scheme_of(text) == "file":
        from .storage.local import root_from_uri

        path = root_from_uri(text)
        if path.is_dir():
            return None
        if path.is_file() or path.suffix.lower() in OUTPUT_EXTENSIONS:
            return str(path.parent), path.name
        return None
    head, _, last = text.rpartition("/")
    if PurePosixPath(last).suffix.lower() in OUTPUT_EXTENSIONS and head.partition("://")[2]:
        return head, last
    return None


def _check_kind(kind: _Kind, key: str) -> None:
    suffix = PurePosixPath(key).suffix.lower()
    if kind == "image" and suffix in VIDEO_EXTENSIONS:
        raise ValidationError("to", key, f"names a {suffix} file, but this output is an image")
    if kind == "video" and suffix in IMAGE_EXTENSIONS:
        raise ValidationError("to", key, f"names a {suffix} file, but this output is a video")


def save_result(
    result_or_url: ImageResult | VideoResult | str,
    to: Destination,
    key: str | None = None,
    *,
    name: str | None = None,
    model_id: int | str | None = None,
    prompt: str | None = None,
    structured_prompt: str | Mapping[str, object] | None = None,
    seed: int | None = None,
    request_id: str | None = None,
    created_at: datetime | None = None,
    api_base_url: str | None = None,
    embed_metadata: bool = True,
    **metadata: object,
) -> StoredObject:
    """Save an image or video result (or the caller's own URL, URI or path) into ``to`` with a
    ``<key>.json`` sidecar.

    A result's URL comes from the API: it must be ``https://``, or ``http://`` when ``api_base_url`` (the
    base URL of the API that answered; ``None``: unknown, so ``https://`` only) is ``http://``; anything
    else raises ``UnsafeURLError`` before anything is read. A ``str`` is the caller's own and may also be a
    storage URI or a local path (see the module docstring).

    ``to`` is the file itself (``"cat.png"``, ``"s3://b/cats/cat.png"``: written exactly there) or a
    folder; in a folder the file is ``key``, else the ``name`` template (:func:`output_name`), else
    ``{slug of the prompt}-{seed}.png``. Made-up names never overwrite: ``-2``, ``-3``... is added.

    The sidecar records ``model_id``, ``prompt``, ``structured_prompt`` (as a JSON object), ``seed`` and
    ``request_id`` (each defaults to what the result carries: results remember their inputs), the
    result's ``kind``, negative prompt, aspect ratio and source image (a video's), the SDK version and
    ``timings`` (``submitted_at``, ``completed_at``, ``generation_seconds``, ``download_seconds``), and
    every other keyword argument as it is (values JSON cannot hold become text).

    With ``embed_metadata`` (the default) a PNG image also carries that metadata in its own text chunks
    (``bria-tailored``: JSON; ``Description``: the prompt; ``Software``), written with the standard library
    (no Pillow needed) when the result says what made it; an MP4 keeps its bytes (the sidecar is its
    record).
    """
    schemes: frozenset[str] | None = None  # None: the caller's own source, any kind
    kind: _Kind = "output"
    timings: dict[str, object] = {}
    if isinstance(result_or_url, ImageResult):
        kind = "image"
        schemes = output_schemes(api_base_url)
        url = check_output_url(result_or_url.image_url, schemes=schemes, what="image_url")
        if structured_prompt is None:
            structured_prompt = result_or_url.structured_prompt
        prompt = prompt if prompt is not None else result_or_url.prompt
        for field in ("negative_prompt", "aspect_ratio"):
            carried = getattr(result_or_url, field)
            if carried is not None:
                metadata.setdefault(field, carried)
    elif isinstance(result_or_url, VideoResult):
        kind = "video"
        schemes = output_schemes(api_base_url)
        url = check_output_url(result_or_url.video_url, schemes=schemes, what="video_url")
        if result_or_url.source_image is not None:
            metadata.setdefault("source_image", result_or_url.source_image)
    else:
        url = _url(result_or_url)
    if isinstance(result_or_url, (ImageResult, VideoResult)):
        request_id = request_id or result_or_url.request_id
        model_id = model_id if model_id is not None else result_or_url.model_id
        if seed is None:
            seed = result_or_url.seed
        timings = _timings(result_or_url.submitted_at, result_or_url.completed_at)
    aspect_ratio = metadata.get("aspect_ratio")

    target = file_destination(to)
    if target is not None:
        store, key_in_to = target
        for field_name, value in (("key", key), ("name", name)):
            if value is not None:
                raise ValidationError(
                    field_name, value, f"cannot be given when `to` names the file ({key_in_to})"
                )
        key = key_in_to
        backend = open_storage(store)
        _check_kind(kind, key)
    else:
        backend = open_storage(to)
        if key is None:
            key = _free_key(
                backend,
                output_name(
                    url,
                    kind,
                    template=name,
                    prompt=prompt,
                    seed=seed,
                    model_id=model_id,
                    request_id=request_id,
                    aspect_ratio=aspect_ratio if isinstance(aspect_ratio, str) else None,
                    now=created_at,
                ),
            )
        elif name is not None:
            raise ValidationError("name", name, "cannot be given together with key")

    fields: dict[str, object] = {
        "model_id": model_id,
        "prompt": prompt,
        "structured_prompt": structured_prompt,
        "seed": seed,
        "request_id": request_id,
    }
    if kind != "output":
        fields["kind"] = kind
    fields.update(metadata)
    if timings:
        extra_timings = fields.get("timings")
        if isinstance(extra_timings, Mapping):
            timings.update(cast("Mapping[str, object]", extra_timings))
        fields["timings"] = timings
    if created_at is not None:
        fields["created_at"] = created_at
    described = kind == "image" and (prompt or structured_prompt or model_id is not None or seed is not None)
    return save_output(
        backend, key, url, fields, schemes=schemes, embed_png=bool(embed_metadata and described)
    )


def _timings(submitted_at: str | None, completed_at: str | None) -> dict[str, object]:
    timings: dict[str, object] = {}
    if submitted_at:
        timings["submitted_at"] = submitted_at
    if completed_at:
        timings["completed_at"] = completed_at
    if submitted_at and completed_at:
        try:
            seconds = (_parse(completed_at) - _parse(submitted_at)).total_seconds()
        except ValueError:
            return timings
        timings["generation_seconds"] = round(seconds, 3)
    return timings


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def download_into(
    url: object,
    to: Destination,
    key: str,
    metadata: Mapping[str, object],
    *,
    api_base_url: str | None = None,
) -> StoredObject:
    """Stream a download link from the API (model weights, dataset zip) into storage with a sidecar.

    ``url`` comes from a response: it must be ``https://``, or ``http://`` when ``api_base_url`` (the API's
    base URL; ``None``: unknown, so ``https://`` only) is ``http://``; anything else (a missing link
    included) raises ``UnsafeURLError`` before anything is read.
    """
    schemes = output_schemes(api_base_url)
    link = check_output_url(url, schemes=schemes, what="download_url")
    return save_output(to, key, link, metadata, schemes=schemes)


def _url(value: object) -> str:
    """The URL given to ``save_result``; anything else is refused (for callers without a type checker)."""
    if isinstance(value, str):
        return value
    if isinstance(value, StructuredPromptResult):
        raise TypeError(
            "a StructuredPromptResult has no file to save; save result.structured_prompt yourself"
        )
    raise TypeError(f"cannot save a {type(value).__name__}: give an ImageResult, a VideoResult or a URL")
