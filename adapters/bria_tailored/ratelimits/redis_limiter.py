"""One rate limit for a whole fleet: a token bucket kept in Redis, decided atomically by a Lua script.

``TailoredClient(requests_per_minute=600, rate_limit_url="redis://host:6379/0")`` (or
``$BRIA_RATE_LIMIT_URL``): every thread, task, process and host whose client has the same API token (and
host) draws from one bucket, whose key is a hash of the token (:func:`bria_tailored.ratelimit.limiter_key`).
Every process should be given the same ``requests_per_minute``.

**One decision per request, atomic.** :data:`SCRIPT` runs alone on the Redis server (scripts are atomic),
with the server's own clock (``TIME``), so hosts with skewed clocks still share one timeline. It refills
the bucket, takes a token and returns the seconds the caller must wait: a reservation, exactly like the
in-process :class:`~bria_tailored.ratelimit.TokenBucket` (both aim at
:data:`~bria_tailored.ratelimit.HEADROOM` of the limit, so that a server counting per sliding minute
never sees one request too many). A 429 seen by any process (``throttled``) holds
back every process for ``Retry-After`` and halves the shared rate (AIMD, at most once a second); each
grant adds ``1/requests_per_minute`` back.

**Counting what was granted.** The script also counts grants per second of use, in one hash per minute
(``<prefix>:{<key>}:grants:<minute>``: field = unix second, value = grants; kept two hours), so an
operator or a test can check from Redis itself that no window got more than its share.

**When Redis cannot be reached** (connection refused, timeout; 1 s socket timeouts by default):

* ``?on_error=local`` (the default): a warning, then an in-process bucket at the full rate for this process
  until Redis answers again (tried again every 5 s). The fleet may then exceed the limit; the 429s that
  follow slow each process down (AIMD).
* ``?on_error=fail``: fail closed: the request is not sent and
  :class:`~bria_tailored.ratelimit.RateLimiterUnavailableError` is raised.

Other URL options of ours: ``?prefix=NAME`` (key prefix, default ``bria-tailored``), ``?burst=N`` (bucket
capacity in requests, default 1). The rest of the URL (password, database, ``socket_timeout=``, TLS with
``rediss://``) is redis-py's ``Redis.from_url``. Needs the extra: ``pip install 'bria-tailored[redis]'``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import urllib.parse
import warnings
from typing import TYPE_CHECKING, Literal

from .._limiter import (
    DECREASE,
    HEADROOM,
    MIN_FACTOR,
    RateLimiter,
    RateLimiterUnavailableError,
    TokenBucket,
    redacted_url,
)
from ..errors import PluginNotFoundError, ValidationError

if TYPE_CHECKING:
    import redis

__all__ = ["SCRIPT", "RedisLimiter"]

log = logging.getLogger("bria_tailored.ratelimit")

#: How long a process uses its local fallback before trying Redis again (``on_error=local``).
RETRY_REDIS_AFTER = 5.0
#: How long the per-minute grant counters are kept.
GRANTS_TTL = 7200

#: The atomic decision. KEYS[1]: the bucket (hash: tokens, ts, factor, throttled_at). KEYS[2]: the prefix
#: of the per-minute grant counters (same hash slot). ARGV: op ("reserve" | "throttle"), rate per second,
#: capacity, Retry-After seconds (throttle; <= 0: none), requests per minute, decrease, min factor.
#: Returns the seconds to wait, as a string (Lua numbers would be truncated to integers).
SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local rate = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local per_minute = tonumber(ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'factor', 'throttled_at')
local tokens = tonumber(s[1]) or capacity
local ts = tonumber(s[2]) or now
local factor = tonumber(s[3]) or 1
local throttled_at = tonumber(s[4]) or 0
local effective = rate * factor
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * effective)
  ts = now
end
local wait = 0
if op == 'reserve' then
  tokens = tokens - 1
  if tokens < 0 then wait = -tokens / effective end
  if factor < 1 then factor = math.min(1, factor + 1 / math.max(per_minute, 10)) end
  local at = math.floor(now + wait)
  local counter = KEYS[2] .. ':' .. math.floor(at / 60)
  redis.call('HINCRBY', counter, at, 1)
  redis.call('EXPIRE', counter, tonumber(ARGV[8]))
else
  local retry = tonumber(ARGV[4])
  if now - throttled_at >= math.max(1, 1 / rate) then
    factor = math.max(tonumber(ARGV[7]), factor * tonumber(ARGV[6]))
    throttled_at = now
  end
  effective = rate * factor
  if retry <= 0 then retry = 1 / effective end
  tokens = math.min(tokens, -retry * effective)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts, 'factor', factor, 'throttled_at', throttled_at)
redis.call('EXPIRE', KEYS[1], math.ceil(math.max(0, -tokens) / effective) + 120)
return tostring(wait)
"""

_OURS = ("on_error", "prefix", "burst")


class RedisLimiter(RateLimiter):
    """``requests_per_minute`` shared through Redis by every client of one API token (see the module)."""

    schemes = ("redis", "rediss")
    blocking = True

    def __init__(
        self,
        url: str,
        *,
        requests_per_minute: float,
        key: str,
        client: redis.Redis | None = None,
    ) -> None:
        if requests_per_minute <= 0:
            raise ValueError(f"requests_per_minute={requests_per_minute!r}: must be greater than 0")
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        ours = {name: value for name, value in query if name in _OURS}
        theirs = [(name, value) for name, value in query if name not in _OURS]
        on_error = ours.get("on_error", "local")
        if on_error not in ("local", "fail"):
            raise ValidationError("rate_limit_url", redacted_url(url), "on_error must be 'local' or 'fail'")
        self.on_error: Literal["local", "fail"] = "fail" if on_error == "fail" else "local"
        try:
            burst = float(ours.get("burst", "1"))
        except ValueError:
            burst = math.nan
        if not (math.isfinite(burst) and burst >= 1):
            raise ValidationError("rate_limit_url", redacted_url(url), "burst must be a number >= 1")
        prefix = ours.get("prefix") or "bria-tailored"
        self.url = redacted_url(url)
        self.per_minute = float(requests_per_minute)
        self.rate_per_second = self.per_minute / 60.0 * HEADROOM
        self.capacity = burst
        self.bucket_key = f"{prefix}:{{{key}}}:bucket"
        self.grants_key = f"{prefix}:{{{key}}}:grants"
        if client is None:
            try:
                import redis
            except ImportError as exc:
                raise PluginNotFoundError(
                    f"the Redis rate limiter needs its extra: pip install 'bria-tailored[redis]' ({exc})"
                ) from None
            options: dict[str, float] = {}
            names = {name for name, _ in theirs}
            if "socket_timeout" not in names:
                options["socket_timeout"] = 1.0
            if "socket_connect_timeout" not in names:
                options["socket_connect_timeout"] = 1.0
            clean = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(theirs)))
            client = redis.Redis.from_url(clean, **options)  # pyright: ignore[reportUnknownMemberType]
        self.client: redis.Redis = client
        self._script = client.register_script(SCRIPT)
        self._lock = threading.Lock()
        self._fallback: TokenBucket | None = None
        self._down_until = 0.0

    @classmethod
    def from_url(cls, url: str, *, requests_per_minute: float, key: str) -> RedisLimiter:
        return cls(url, requests_per_minute=requests_per_minute, key=key)

    # ------------------------------------------------------------------ decisions
    def _call(self, op: str, retry_after: float = 0.0) -> float:
        args = [
            op,
            repr(self.rate_per_second),
            repr(self.capacity),
            repr(retry_after),
            repr(self.per_minute),
            repr(DECREASE),
            repr(MIN_FACTOR),
            str(GRANTS_TTL),
        ]
        answer: object = self._script(keys=[self.bucket_key, self.grants_key], args=args)
        if isinstance(answer, bytes):
            answer = answer.decode()
        return max(0.0, float(str(answer)))

    def reserve(self) -> float:
        local = self._local_if_down()
        if local is not None:
            return local.reserve()
        try:
            wait = self._call("reserve")
        except Exception as exc:  # redis.RedisError and OSError: the limiter is unreachable
            return self._unavailable(exc).reserve()
        self._recovered()
        return wait

    def throttled(self, retry_after: float | None) -> None:
        local = self._local_if_down()
        if local is not None:
            local.throttled(retry_after)
            return
        try:
            self._call("throttle", retry_after if retry_after is not None else 0.0)
        except Exception as exc:
            self._unavailable(exc).throttled(retry_after)

    # ------------------------------------------------------------------ Redis down
    def _local_if_down(self) -> TokenBucket | None:
        with self._lock:
            if self._fallback is not None and time.monotonic() < self._down_until:
                return self._fallback
        return None

    def _unavailable(self, exc: Exception) -> TokenBucket:
        if self.on_error == "fail":
            raise RateLimiterUnavailableError(
                f"the shared rate limiter at {self.url} is unreachable ({type(exc).__name__}: {exc}); "
                "the request was not sent (on_error=fail)"
            ) from None
        with self._lock:
            first = self._fallback is None
            if self._fallback is None:
                self._fallback = TokenBucket(self.per_minute)
            self._down_until = time.monotonic() + RETRY_REDIS_AFTER
            fallback = self._fallback
        if first:
            message = (
                f"the shared rate limiter at {self.url} is unreachable ({type(exc).__name__}: {exc}); "
                f"this process limits itself to {self.per_minute:g}/min alone until it answers again "
                "(on_error=local; use ?on_error=fail to stop sending instead)"
            )
            log.warning("%s", message)
            warnings.warn(message, RuntimeWarning, stacklevel=4)
        return fallback

    def _recovered(self) -> None:
        if self._fallback is None:
            return
        with self._lock:
            if self._fallback is None:
                return
            self._fallback = None
        log.warning("the shared rate limiter at %s answers again", self.url)

    # ------------------------------------------------------------------ life cycle
    def grants(self, since: float, until: float) -> dict[int, int]:
        """Grants per unix second in ``[since, until]``, read from Redis (for operators and tests)."""
        counts: dict[int, int] = {}
        for minute in range(int(since) // 60, int(until) // 60 + 1):
            raw: object = self.client.hgetall(f"{self.grants_key}:{minute}")
            if isinstance(raw, dict):
                for second, count in raw.items():  # pyright: ignore[reportUnknownVariableType]
                    at = int(second)  # pyright: ignore[reportUnknownArgumentType]
                    if since <= at <= until:
                        counts[at] = int(count)  # pyright: ignore[reportUnknownArgumentType]
        return counts

    def reset_lock(self) -> None:
        self._lock = threading.Lock()
        if self._fallback is not None:
            self._fallback.reset_lock()
        # redis-py's connection pool notices the new pid and opens its own connections.

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"RedisLimiter(url={self.url!r}, rate={self.per_minute:g}/min)"
