"""The rate limiter backends' base: :class:`RateLimiter`, the in-process :class:`TokenBucket`, and the
helpers every backend shares (the limit's key, a URL without its password).

It needs neither the plugins nor the client's configuration, so the hook specifications and the
built-in backends (``bria_tailored.ratelimits``) import it from below; the public names are
:mod:`bria_tailored.ratelimit`'s, which hands these on and picks a backend.
"""

from __future__ import annotations

import abc
import hashlib
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import ClassVar

from .errors import BriaError

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

    __module__ = "bria_tailored.ratelimit"  # where users import it from (and what a traceback shows)


class RateLimiter(abc.ABC):
    """A limiter backend: ``requests_per_minute`` shared by everyone holding the same ``key``.

    Subclasses set ``schemes`` (the URL schemes they handle), ``blocking`` (``True`` when ``reserve`` or
    ``throttled`` do I/O: the async client then runs them in a worker thread), implement
    :meth:`from_url` and :meth:`reserve`, and may override :meth:`throttled`, :meth:`reset_lock` (called
    in a forked child) and :meth:`close`.
    """

    __module__ = "bria_tailored.ratelimit"  # where users import it from

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

    __module__ = "bria_tailored.ratelimit"  # where users import it from
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


# ------------------------------------------------------------------------------------------- helpers
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
