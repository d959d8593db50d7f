"""Saving an output with its metadata sidecar: what ``client.save`` does once it knows the output's URL.

:func:`save_output` streams an output (image, video, model weights, dataset zip) into a storage, writes
``<key>.json`` beside it (:func:`build_sidecar`: model id, prompt, structured prompt, seed, request id,
source URL without its query string, size, sha256, content type, created_at in UTC, the SDK's version,
and what the caller adds: negative prompt, aspect ratio, a video's source image, timings, ...) and then
calls the ``bria_tailored_output_saved`` hook: an ordinary ``pm.hook.bria_tailored_output_saved(stored=...,
metadata=...)`` call, so hookwrappers and tracing see it. A hook that raises ends that call (pluggy's
rule) and is reported with a warning naming the plugin: the output is already saved.

With ``embed_png=True`` a PNG output also carries the same metadata in its own text chunks
(:mod:`bria_tailored.storage.pngtext`, standard library only): ``bria-tailored`` (the metadata as JSON),
``Description`` (the prompt) and ``Software``. The PNG is rewritten once, in memory, after the download
(outputs up to :data:`MAX_EMBED_BYTES`; bigger ones keep only the sidecar); the sidecar's size and sha256
are those of the file as finally stored. Videos keep their bytes: for an MP4 the sidecar is the record.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import TypeAlias, cast

import httpx
import pluggy

from .._storage_base import SourceLike, StorageBackend, StoredObject, validate_key
from .._version import __version__
from .sources import is_http_url, strip_query

__all__ = [
    "EMBED_KEYWORD",
    "MAX_EMBED_BYTES",
    "SIDECAR_SUFFIX",
    "JSONValue",
    "Sidecar",
    "build_sidecar",
    "embedded_metadata",
    "save_output",
    "sidecar_key",
]

SIDECAR_SUFFIX = ".json"
#: The PNG text keyword that holds an output's metadata (JSON).
EMBED_KEYWORD = "bria-tailored"
#: The largest PNG whose metadata is embedded (it is rewritten in memory once).
MAX_EMBED_BYTES = 64 * 1024 * 1024
#: Sidecar fields about the stored file itself, not about how the output was made: never embedded.
_FILE_FIELDS = frozenset({"key", "uri", "size", "sha256", "content_type"})

#: A value of a JSON document.
JSONValue: TypeAlias = "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
#: The sidecar of a saved output, as written to ``<key>.json`` and given to ``bria_tailored_output_saved``:
#: ``key``, ``uri``, ``model_id`` (a number when it is one), ``prompt``, ``structured_prompt`` (parsed when
#: it is JSON), ``seed``, ``request_id``, ``source_url`` (without its query string), ``size``, ``sha256``,
#: ``content_type``, ``created_at`` (ISO 8601, UTC), ``sdk_version``, then the caller's own keys (``save``
#: adds ``kind``, ``negative_prompt``, ``aspect_ratio``, ``source_image`` and ``timings`` when known).
#: Values JSON cannot hold are written as text.
Sidecar: TypeAlias = dict[str, object]


def sidecar_key(key: str) -> str:
    """Where the sidecar of ``key`` lives: ``"a/b.png"`` → ``"a/b.png.json"``."""
    return key + SIDECAR_SUFFIX


def _utc_iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _structured(value: object) -> object:
    """The Status Service sends structured prompts as JSON strings: store them as JSON when they parse."""
    if isinstance(value, str):
        try:
            parsed: JSONValue = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict | list) else value
    return value


def _model_id(value: object) -> object:
    """Model ids are numbers everywhere (the generation API sends them as decimal text)."""
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return value


def build_sidecar(
    stored: StoredObject,
    *,
    source_url: str | None = None,
    model_id: object = None,
    prompt: object = None,
    structured_prompt: object = None,
    seed: object = None,
    request_id: object = None,
    created_at: datetime | None = None,
    extra: Mapping[str, object] | None = None,
) -> Sidecar:
    """The sidecar metadata of a saved output (``extra`` adds keys but never overrides these)."""
    sidecar: Sidecar = {
        "key": stored.key,
        "uri": stored.uri,
        "model_id": _model_id(model_id),
        "prompt": prompt,
        "structured_prompt": _structured(structured_prompt),
        "seed": seed,
        "request_id": request_id,
        "source_url": strip_query(source_url) if source_url else None,
        "size": stored.size,
        "sha256": stored.sha256,
        "content_type": stored.content_type,
        "created_at": _utc_iso(created_at),
        "sdk_version": __version__,
    }
    for name, value in (extra or {}).items():
        sidecar.setdefault(str(name), value)
    return sidecar


def save_output(
    store: str | os.PathLike[str] | StorageBackend,
    key: str,
    source: SourceLike,
    metadata: Mapping[str, object] | None = None,
    http_client: httpx.Client | None = None,
    *,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    plugin_manager: pluggy.PluginManager | None = None,
    schemes: Collection[str] | None = None,
    embed_png: bool = False,
) -> StoredObject:
    """Stream ``source`` (an http(s) URL — resumed and verified — or any ``put`` source) to ``key``,
    write ``<key>.json`` beside it, call ``bria_tailored_output_saved`` and return the stored object.

    ``metadata`` may carry ``model_id``, ``prompt``, ``structured_prompt``, ``seed``, ``request_id``,
    ``source_url`` and ``created_at``; other keys are kept in the sidecar as they are. A download's
    duration is added to ``timings`` (``download_seconds``). ``embed_png=True`` also writes the metadata
    into the output's own text chunks when it is a PNG (see the module docstring).

    ``schemes`` (e.g. ``{"https"}``) restricts the download: ``source`` must then be a URL of one of
    those schemes, and so must every redirect (``UnsafeURLError`` otherwise, before anything is read).
    ``None`` accepts any ``put`` source: what :func:`bria_tailored.saving.save_result` passes for a source
    named by the caller's own code, never for a URL from the API.
    """
    from ..plugins import get_plugin_manager
    from . import open_storage
    from .download import HTTP_SCHEMES, check_output_url, download_to

    if schemes is not None:
        check_output_url(source, schemes=schemes)

    backend = open_storage(store)
    validate_key(key)
    fields = dict(metadata or {})
    given_url = fields.pop("source_url", None)
    source_url = given_url if isinstance(given_url, str) else None
    given_time = fields.pop("created_at", None)
    created_at = given_time if isinstance(given_time, datetime) else None

    started = time.monotonic()
    if is_http_url(source):
        stored = download_to(
            source,
            backend,
            key,
            http_client=http_client,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
            schemes=HTTP_SCHEMES if schemes is None else schemes,
        )
        source_url = source_url or source
        given_timings = fields.get("timings")
        timings: dict[str, object] = {}
        if isinstance(given_timings, Mapping):
            timings.update(cast("Mapping[str, object]", given_timings))
        timings["download_seconds"] = round(time.monotonic() - started, 3)
        fields["timings"] = timings
    else:
        stored = backend.put(key, source)
    if created_at is None:
        created_at = datetime.now(UTC)
    model_id, prompt = fields.pop("model_id", None), fields.pop("prompt", None)
    structured_prompt, seed = fields.pop("structured_prompt", None), fields.pop("seed", None)
    request_id = fields.pop("request_id", None)

    def sidecar_of(obj: StoredObject) -> Sidecar:
        return build_sidecar(
            obj,
            source_url=source_url,
            created_at=created_at,
            model_id=model_id,
            prompt=prompt,
            structured_prompt=structured_prompt,
            seed=seed,
            request_id=request_id,
            extra=fields,
        )

    if embed_png:
        stored = _embed(backend, stored, sidecar_of(stored))
    sidecar = sidecar_of(stored)
    body = json.dumps(sidecar, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    backend.put(sidecar_key(key), body, content_type="application/json")
    _notify(plugin_manager or get_plugin_manager(), stored, sidecar)
    return stored


def embedded_metadata(sidecar: Mapping[str, object]) -> dict[str, str]:
    """The PNG text chunks that carry a sidecar's metadata: ``bria-tailored`` (JSON, without the fields
    about the file itself), ``Description`` (the prompt) and ``Software``."""
    data = {k: v for k, v in sidecar.items() if k not in _FILE_FIELDS and v is not None}
    texts = {EMBED_KEYWORD: json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))}
    prompt = sidecar.get("prompt")
    if isinstance(prompt, str) and prompt:
        texts["Description"] = prompt
    texts["Software"] = f"bria-tailored {__version__}"
    return texts


def _embed(backend: StorageBackend, stored: StoredObject, sidecar: Sidecar) -> StoredObject:
    """Rewrite a stored PNG with its metadata in text chunks; anything else is left as it is."""
    from .pngtext import embed_text, is_png

    if stored.size > MAX_EMBED_BYTES or (stored.content_type or "image/png") != "image/png":
        return stored
    with backend.open_read(stored.key) as reader:
        data = reader.read(MAX_EMBED_BYTES + 1)
    if not is_png(data) or len(data) != stored.size:
        return stored
    try:
        rewritten = embed_text(data, embedded_metadata(sidecar))
    except ValueError:  # not a sound PNG: keep it byte for byte
        return stored
    return backend.put(stored.key, rewritten, content_type="image/png")


def _notify(manager: pluggy.PluginManager, stored: StoredObject, sidecar: Sidecar) -> None:
    """Call ``bria_tailored_output_saved``; a plugin's failure is a warning, never an error."""
    from ..plugins import PluginLoadWarning, raising_plugin

    try:
        manager.hook.bria_tailored_output_saved(stored=stored, metadata=dict(sidecar))
    except Exception as exc:
        plugin = raising_plugin(manager.hook.bria_tailored_output_saved, exc)
        who = f"bria-tailored plugin {plugin!r}" if plugin else "a bria-tailored plugin"
        warnings.warn(
            f"{who}: bria_tailored_output_saved failed ({type(exc).__name__}: {exc}); {stored.uri} is saved",
            PluginLoadWarning,
            stacklevel=3,
        )
