"""Client-side rate limiting: a pluggable limiter backend shared by every thread and task of a client, and
(with a shared backend such as Redis) by every process and host using the same API token.

Every backend hands out *reservations*: :meth:`RateLimiter.reserve` takes a token now and says how long
the caller must wait before sending (0 if none). Sync callers sleep, async callers ``await`` the same
delay, so threads and tasks draw from one budget and the decision logic exists once. A backend whose
``reserve`` does I/O (``blocking = True``, e.g. Redis) is run by :func:`bria_tailored.transport.send` as a
``Blocking`` effect, off the event loop; the in-process :class:`TokenBucket` is called inline.

**Choosing a backend.** ``TailoredClient(requests_per_minute=600)`` uses the in-process
:class:`TokenBucket`. ``rate_limit_url="redis://host:6379/0"`` (or ``$BRIA_RATE_LIMIT_URL``) picks the
backend whose ``schemes`` hold the URL's scheme, from the classes the plugins return from the hook
``bria_tailored_rate_limiters()`` (built in: ``local://`` → :class:`TokenBucket`, ``redis://`` and
``rediss://`` → :class:`bria_tailored.ratelimits.redis.RedisLimiter`). A backend is built with
``cls.from_url(url, requests_per_minute=..., key=...)``; ``key`` is :func:`limiter_key`, a hash of the API
token and host (never the token itself), so every client of one key shares one limit.

**Adapting to 429s (AIMD).** The transport tells the limiter about every 429 (:meth:`RateLimiter.throttled`
with the ``Retry-After`` seconds): nobody sends again before that delay, and the rate is halved (once per
burst of 429s); every grant then adds back ``1/requests_per_minute`` of the configured rate, so a limiter
that was too optimistic settles under the server's real limit and climbs back when the 429s stop.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Protocol

from ._limiter import (
    HEADROOM,
    RATE_LIMIT_ENV,
    RateLimiter,
    RateLimiterUnavailableError,
    TokenBucket,
    limiter_key,
    redacted_url,
    scheme_of_url,
)
from .errors import PluginNotFoundError, ValidationError

__all__ = [
    "HEADROOM",
    "RATE_LIMIT_ENV",
    "RateLimiter",
    "RateLimiterUnavailableError",
    "TokenBucket",
    "limiter_key",
    "open_limiter",
    "rate_limiter_backends",
    "redacted_url",
]

log = logging.getLogger("bria_tailored.ratelimit")


class _LimiterSettings(Protocol):
    """What :func:`open_limiter` reads of a client's configuration (``bria_tailored._config.Config``)."""

    @property
    def requests_per_minute(self) -> float | None: ...
    @property
    def rate_limit_url(self) -> str | None: ...
    @property
    def api_token(self) -> str: ...
    @property
    def base_url(self) -> str: ...


# ------------------------------------------------------------------------------------------ choosing one
def rate_limiter_backends() -> Mapping[str, type[RateLimiter]]:
    """URL scheme → limiter class, from one call of the ``bria_tailored_rate_limiters`` hook (a
    third-party plugin's class beats a built-in one for the same scheme)."""
    from .plugins import PluginLoadWarning, get_plugin_manager

    table: dict[str, type[RateLimiter]] = {}
    offers: list[object] = get_plugin_manager().hook.bria_tailored_rate_limiters()
    for offered in offers:
        items: list[object] = list(offered) if isinstance(offered, list | tuple) else [offered]  # pyright: ignore[reportUnknownArgumentType]
        for cls in items:
            if isinstance(cls, type) and issubclass(cls, RateLimiter) and cls.schemes:
                for scheme in cls.schemes:
                    table.setdefault(scheme.lower().removesuffix("://"), cls)
            else:
                warnings.warn(
                    f"bria_tailored_rate_limiters() offered {cls!r}, which is not a RateLimiter subclass "
                    "with schemes = (...); it is ignored",
                    PluginLoadWarning,
                    stacklevel=2,
                )
    return table


def check_rate_limit_url(field: str, url: object) -> str:
    """``url`` when it names a limiter some plugin handles; else ``ValidationError`` naming ``field``."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError(field, url, "must be a URL such as redis://host:6379/0")
    shown = redacted_url(url)
    scheme = scheme_of_url(url)
    if not scheme:
        raise ValidationError(field, shown, "must be a URL with a scheme, such as redis://host:6379/0")
    backends = rate_limiter_backends()
    if scheme not in backends:
        known = ", ".join(f"{s}://" for s in sorted(backends)) or "none"
        raise ValidationError(
            field,
            shown,
            f"no rate limiter handles {scheme}:// (known: {known}); a plugin can add one through the "
            "bria_tailored_rate_limiters hook",
        )
    return url


def open_limiter(config: _LimiterSettings) -> RateLimiter | None:
    """The limiter of a client's configuration: none without ``requests_per_minute``, the backend of
    ``rate_limit_url`` when set, else an in-process :class:`TokenBucket`."""
    rate = config.requests_per_minute
    if not rate:
        return None
    url = config.rate_limit_url
    if url is None:
        return TokenBucket(rate, headroom=HEADROOM)
    backend = rate_limiter_backends().get(scheme_of_url(url))
    if backend is None:  # validated by make_config; a plugin went away since
        raise PluginNotFoundError(f"no rate limiter handles {redacted_url(url)}")
    limiter = backend.from_url(
        url, requests_per_minute=rate, key=limiter_key(config.api_token, config.base_url)
    )
    log.debug("rate limiter: %r for %s", limiter, redacted_url(url))
    return limiter
