"""The plugin hooks of bria-tailored (pluggy project ``bria_tailored``): what a plugin may implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from ._limiter import RateLimiter
    from ._storage_base import StorageBackend, StoredObject

hookspec = HookspecMarker("bria_tailored")
hookimpl = HookimplMarker("bria_tailored")


@hookspec
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:  # type: ignore[empty-body]
    """Return storage backend classes (subclasses of ``StorageBackend``), each with ``schemes = ("s3",)``."""


@hookspec
def bria_tailored_output_saved(stored: StoredObject, metadata: dict[str, object]) -> None:
    """Called after ``client.save`` stored an output (a ``StoredObject``) and wrote its sidecar metadata."""


@hookspec
def bria_tailored_rate_limiters() -> list[type[RateLimiter]]:  # type: ignore[empty-body]
    """Return rate limiter backend classes (subclasses of ``bria_tailored.ratelimit.RateLimiter``), each
    with ``schemes = ("redis",)``: ``rate_limit_url="redis://..."`` picks the class by the URL's scheme."""
