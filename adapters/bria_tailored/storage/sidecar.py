"""Saving an output with its metadata sidecar: what ``client.save`` does once it knows the output's URL.

:func:`save_output` streams an output (image, video, model weights, dataset zip) into a storage, writes
``<key>.json`` beside it (:func:`build_sidecar`: model id, prompt, structured prompt, seed, request id,
source URL without its query string, size, sha256, content type, created_at in UTC) and then calls the
``bria_tailored_output_saved`` hook of every plugin. A plugin's failing hook is reported with a warning:
the output is already saved.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pluggy

from .base import StorageBackend, StoredObject, validate_key
from .sources import is_http_url, strip_query

__all__ = ["SIDECAR_SUFFIX", "build_sidecar", "save_output", "sidecar_key"]

SIDECAR_SUFFIX = ".json"
_FIELDS = ("model_id", "prompt", "structured_prompt", "seed", "request_id")


def sidecar_key(key: str) -> str:
    """Where the sidecar of ``key`` lives: ``"a/b.png"`` → ``"a/b.png.json"``."""
    return key + SIDECAR_SUFFIX


def _utc_iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _structured(value: Any) -> Any:
    """The Status Service sends structured prompts as JSON strings: store them as JSON when they parse."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict | list) else value
    return value


def build_sidecar(
    stored: StoredObject,
    *,
    source_url: str | None = None,
    model_id: Any = None,
    prompt: str | None = None,
    structured_prompt: Any = None,
    seed: Any = None,
    request_id: str | None = None,
    created_at: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The sidecar metadata of a saved output (``extra`` adds keys but never overrides these)."""
    sidecar: dict[str, Any] = {
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
    store: StorageBackend | str,
    key: str,
    source: Any,
    metadata: Mapping[str, Any] | None = None,
    http_client: httpx.Client | None = None,
    *,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    plugin_manager: pluggy.PluginManager | None = None,
) -> StoredObject:
    """Stream ``source`` (an http(s) URL — resumed and verified — or any ``put`` source) to ``key``,
    write ``<key>.json`` beside it, call ``bria_tailored_output_saved`` and return the stored object.

    ``metadata`` may carry ``model_id``, ``prompt``, ``structured_prompt``, ``seed``, ``request_id``,
    ``source_url`` and ``created_at``; other keys are kept in the sidecar as they are.
    """
    from ..plugins import get_plugin_manager
    from . import open_storage
    from .download import download_to

    backend = open_storage(store)
    validate_key(key)
    fields = dict(metadata or {})
    source_url = fields.pop("source_url", None)
    created_at = fields.pop("created_at", None)
    known = {name: fields.pop(name) for name in _FIELDS if name in fields}

    if is_http_url(source):
        stored = download_to(
            source,
            backend,
            key,
            http_client=http_client,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
        )
        source_url = source_url or source
    else:
        stored = backend.put(key, source)

    sidecar = build_sidecar(stored, source_url=source_url, created_at=created_at, extra=fields, **known)
    body = json.dumps(sidecar, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    backend.put(sidecar_key(key), body, content_type="application/json")
    _notify(plugin_manager or get_plugin_manager(), stored, sidecar)
    return stored


def _notify(manager: pluggy.PluginManager, stored: StoredObject, sidecar: dict[str, Any]) -> None:
    from ..plugins import PluginLoadWarning

    for impl in reversed(manager.hook.bria_tailored_output_saved.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        offered = {"stored": stored, "metadata": dict(sidecar)}
        try:  # like pluggy, pass only the arguments the implementation names
            impl.function(*(offered[name] for name in impl.argnames))
        except Exception as exc:
            warnings.warn(
                f"bria-tailored plugin {impl.plugin_name!r}: bria_tailored_output_saved failed "
                f"({type(exc).__name__}: {exc}); {stored.uri} is saved",
                PluginLoadWarning,
                stacklevel=3,
            )
