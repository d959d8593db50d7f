"""Saving an output with its metadata sidecar: what ``client.save`` does once it knows the output's URL.

:func:`save_output` streams an output (image, video, model weights, dataset zip) into a storage, writes
``<key>.json`` beside it (:func:`build_sidecar`: model id, prompt, structured prompt, seed, request id,
source URL without its query string, size, sha256, content type, created_at in UTC) and then calls the
``bria_tailored_output_saved`` hook: an ordinary ``pm.hook.bria_tailored_output_saved(stored=...,
metadata=...)`` call, so hookwrappers and tracing see it. A hook that raises ends that call (pluggy's
rule) and is reported with a warning naming the plugin: the output is already saved.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import TypeAlias

import httpx
import pluggy

from .base import SourceLike, StorageBackend, StoredObject, validate_key
from .sources import is_http_url, strip_query

__all__ = ["SIDECAR_SUFFIX", "JSONValue", "Sidecar", "build_sidecar", "save_output", "sidecar_key"]

SIDECAR_SUFFIX = ".json"

#: A value of a JSON document.
JSONValue: TypeAlias = "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
#: The sidecar of a saved output, as written to ``<key>.json`` and given to ``bria_tailored_output_saved``:
#: ``key``, ``uri``, ``model_id``, ``prompt``, ``structured_prompt`` (parsed when it is JSON), ``seed``,
#: ``request_id``, ``source_url`` (without its query string), ``size``, ``sha256``, ``content_type``,
#: ``created_at`` (ISO 8601, UTC), then the caller's own keys. Values JSON cannot hold are written as text.
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
        "model_id": model_id,
        "prompt": prompt,
        "structured_prompt": _structured(structured_prompt),
        "seed": seed,
        "request_id": request_id,
        "source_url": strip_query(source_url) if source_url else None,
        "size": stored.size,
        "sha256": stored.sha256,
        "content_type": stored.content_type,
        "created_at": _utc_iso(created_at),
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
) -> StoredObject:
    """Stream ``source`` (an http(s) URL — resumed and verified — or any ``put`` source) to ``key``,
    write ``<key>.json`` beside it, call ``bria_tailored_output_saved`` and return the stored object.

    ``metadata`` may carry ``model_id``, ``prompt``, ``structured_prompt``, ``seed``, ``request_id``,
    ``source_url`` and ``created_at``; other keys are kept in the sidecar as they are.

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
    else:
        stored = backend.put(key, source)

    sidecar = build_sidecar(
        stored,
        source_url=source_url,
        created_at=created_at,
        model_id=fields.pop("model_id", None),
        prompt=fields.pop("prompt", None),
        structured_prompt=fields.pop("structured_prompt", None),
        seed=fields.pop("seed", None),
        request_id=fields.pop("request_id", None),
        extra=fields,
    )
    body = json.dumps(sidecar, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    backend.put(sidecar_key(key), body, content_type="application/json")
    _notify(plugin_manager or get_plugin_manager(), stored, sidecar)
    return stored


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
