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

import abc
import hashlib
import logging
import math
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from .errors import BriaError, PluginNotFoundError, ValidationError

if TYPE_CHECKING:
    from ._config import Config

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

#: The environment variable that names the shared limiter when ``rate_limit_url`` is not given.
RATE_LIMIT_ENV = "BRIA_RATE_LIMIT_URL"

#: The share of ``requests_per_minute`` the built-in limiters of a client aim at: a server counting requests
#: over a sliding minute never sees one more than the limit because of network and timer jitter.
HEADROOM = 0.97
#: The rate is multiplied by this on a 429 (at most once per ``episode``), and never falls below
#: ``MIN_FACTOR`` of the configured rate.
DECREASE = 0.5
MIN_FACTOR = 0.05


class RateLimiterUnavailableError(BriaError):
    """The shared rate limiter (e.g. Redis) could not be reached and it is configured to fail closed
    (``?on_error=fail``): the request was not sent."""


class RateLimiter(abc.ABC):
    """A limiter backend: ``requests_per_minute`` shared by everyone holding the same ``key``.

    Subclasses set ``schemes`` (the URL schemes they handle), ``blocking`` (``True`` when ``reserve`` or
    ``throttled`` do I/O: the async client then runs them in a worker thread), implement
    :meth:`from_url` and :meth:`reserve`, and may override :meth:`throttled`, :meth:`reset_lock` (called
    in a forked child) and :meth:`close`.
    """

    schemes: ClassVar[tuple[str, ...]] = ()
    blocking: ClassVar[bool] = False
    #: The configured limit, requests per minute.
    per_minute: float

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: str, *, requests_per_minute: float, key: str) -> RateLimiter:
        """The limiter ``url`` names, for ``requests_per_minute`` shared by every holder of ``key``."""

    @abc.abstractmethod
    def reserve(self) -> float:
        """Take one token; return the seconds to wait before the request may be sent (0 if none)."""

    def throttled(self, retry_after: float | None) -> None:  # noqa: B027 - optional hook
        """The server answered 429 (``retry_after`` seconds, if it said): hold back and slow down."""

    def reset_lock(self) -> None:  # noqa: B027 - optional hook
        """In a forked child: fresh locks and connections (the parent's may be held or shared)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (the limiter may not be used afterwards)."""


class TokenBucket(RateLimiter):
    """In-process: ``rate`` requests per ``per`` seconds, with bursts of up to ``burst`` (default: one
    request), shared by every thread and task of one process. ``local://`` names it in a URL. ``headroom``
    scales the rate it hands out (a client's limiter aims at :data:`HEADROOM` of its limit); ``per_minute``
    stays the configured limit."""

    schemes = ("local",)

    def __init__(
        self,
        rate: float,
        per: float = 60.0,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        headroom: float = 1.0,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"requests_per_minute={rate!r}: must be greater than 0")
        if not 0 < headroom <= 1:
            raise ValueError(f"headroom={headroom!r}: must be in (0, 1]")
        self.rate_per_second = rate / per * headroom
        self.per_minute = rate * 60.0 / per  # as configured, for comparing limits
        self.capacity = max(1.0, burst if burst is not None else 1.0)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._updated = clock()
        self._factor = 1.0  # the share of the configured rate in force (AIMD)
        self._throttled_at = -math.inf

    @classmethod
    def from_url(cls, url: str, *, requests_per_minute: float, key: str) -> TokenBucket:
        return cls(requests_per_minute, headroom=HEADROOM)

    @property
    def factor(self) -> float:
        """The share of the configured rate in force (below 1 after 429s, climbing back with each grant)."""
        return self._factor

    def _refill(self, now: float) -> float:
        rate = self.rate_per_second * self._factor
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * rate)
            self._updated = now
        return rate

    def reserve(self) -> float:
        with self._lock:
            rate = self._refill(self._clock())
            self._tokens -= 1.0
            if self._factor < 1.0:
                self._factor = min(1.0, self._factor + 1.0 / max(self.per_minute, 10.0))
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / rate

    def throttled(self, retry_after: float | None) -> None:
        with self._lock:
            now = self._clock()
            self._refill(now)
            if now - self._throttled_at >= max(1.0, 1.0 / self.rate_per_second):
                self._factor = max(MIN_FACTOR, self._factor * DECREASE)
                self._throttled_at = now
            rate = self.rate_per_second * self._factor
            hold = retry_after if retry_after is not None and retry_after > 0 else 1.0 / rate
            self._tokens = min(self._tokens, -hold * rate)

    def reset_lock(self) -> None:
        """A fresh lock, in a forked child (the parent's may have been held by another thread)."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate_per_second * 60:g}/min)"


# ------------------------------------------------------------------------------------------ choosing one
def limiter_key(api_token: str, base_url: str) -> str:
    """The name every client of one API token (and host) shares its limit under: a hash, never the token."""
    digest = hashlib.sha256(f"bria-tailored rate limit\0{base_url}\0{api_token}".encode())
    return digest.hexdigest()[:32]


def redacted_url(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + netloc))


def scheme_of_url(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


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


def open_limiter(config: Config) -> RateLimiter | None:
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
