"""httpx transports that add auth, client-side rate limiting and retries to every request of a client.

``BriaTransport`` (sync) and ``AsyncBriaTransport`` wrap an inner httpx transport. What to retry and how
long to wait is decided once, in :class:`RetryPolicy`; the two classes differ only in how they send and
sleep.

Retry rules (Bria has no idempotency keys and bills per call, so a POST that may have reached the server
is never repeated):

* 429 is retried for every method, honouring ``Retry-After`` (seconds or an HTTP date, capped);
* 5xx and connection errors are retried only for GET, PUT, DELETE, HEAD and OPTIONS;
* the delay is exponential backoff with full jitter; every retry is logged on ``bria_tailored.transport``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from .ratelimit import TokenBucket

logger = logging.getLogger("bria_tailored.transport")

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - current)


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a request, and how long to wait first. Shared by the sync and async transports."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**attempt)]."""
        return rng.uniform(0.0, min(self.max_delay, self.base_delay * (2**attempt)))

    def decide(
        self,
        method: str,
        attempt: int,
        rng: random.Random,
        *,
        status_code: int | None = None,
        headers: httpx.Headers | None = None,
        error: Exception | None = None,
    ) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None to give up and return/raise."""
        if attempt >= self.max_retries:
            return None
        method = method.upper()
        if error is not None:
            if method in IDEMPOTENT_METHODS and isinstance(error, httpx.TransportError):
                return self.backoff(attempt, rng)
            return None
        if status_code == 429:
            retry_after = parse_retry_after(headers.get("retry-after") if headers else None)
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
            return self.backoff(attempt, rng)
        if status_code in RETRYABLE_STATUS and method in IDEMPOTENT_METHODS:
            retry_after = parse_retry_after(headers.get("retry-after") if headers else None)
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
            return self.backoff(attempt, rng)
        return None


@dataclass
class _Settings:
    """What both transports need: the token, headers, policy, limiter, clock and randomness."""

    token: str
    user_agent: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: TokenBucket | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __repr__(self) -> str:  # never show the token
        return f"_Settings(token='***', policy={self.policy!r}, limiter={self.limiter!r})"

    def prepare(self, request: httpx.Request) -> None:
        request.headers["api_token"] = self.token
        if "user-agent" not in request.headers or request.headers["user-agent"].startswith("python-httpx"):
            request.headers["user-agent"] = self.user_agent

    def log_retry(self, request: httpx.Request, attempt: int, delay: float, why: str) -> None:
        logger.info(
            "retry %d/%d of %s %s after %s; waiting %.2fs",
            attempt + 1,
            self.policy.max_retries,
            request.method,
            request.url.path,
            why,
            delay,
        )


def _attempts(s: _Settings, request: httpx.Request) -> Generator[tuple[str, Any], Any, httpx.Response]:
    """The retry loop without I/O, shared by both transports.

    Yields ``("wait", seconds)``, ``("send", None)`` (answered with the response, or the
    ``httpx.TransportError`` raised) and ``("discard", response)``; returns the response to hand back.
    """
    s.prepare(request)
    attempt = 0
    while True:
        if s.limiter is not None:
            wait = s.limiter.reserve()
            if wait > 0:
                yield ("wait", wait)
        outcome = yield ("send", None)
        if isinstance(outcome, Exception):
            delay = s.policy.decide(request.method, attempt, s.rng, error=outcome)
            if delay is None:
                raise outcome
            s.log_retry(request, attempt, delay, type(outcome).__name__)
        else:
            delay = s.policy.decide(
                request.method, attempt, s.rng, status_code=outcome.status_code, headers=outcome.headers
            )
            if delay is None:
                return outcome  # type: ignore[no-any-return]
            yield ("discard", outcome)
            s.log_retry(request, attempt, delay, f"HTTP {outcome.status_code}")
        yield ("wait", delay)
        attempt += 1


class BriaTransport(httpx.BaseTransport):
    """Sync transport: auth header, rate limit and retries around ``inner``."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        token: str,
        user_agent: str,
        policy: RetryPolicy | None = None,
        limiter: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self._settings = _Settings(
            token, user_agent, policy or RetryPolicy(), limiter, rng or random.Random()
        )
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"BriaTransport(inner={self.inner!r})"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        steps = _attempts(self._settings, request)
        received: Any = None
        while True:
            try:
                action, value = steps.send(received)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            received = None
            if action == "send":
                try:
                    received = self.inner.handle_request(request)
                except httpx.TransportError as exc:
                    received = exc
            elif action == "wait":
                self._sleep(value)
            else:
                value.close()

    def close(self) -> None:
        self.inner.close()


class AsyncBriaTransport(httpx.AsyncBaseTransport):
    """Async transport: the same decisions as :class:`BriaTransport`, awaiting instead of blocking."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        token: str,
        user_agent: str,
        policy: RetryPolicy | None = None,
        limiter: TokenBucket | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self._settings = _Settings(
            token, user_agent, policy or RetryPolicy(), limiter, rng or random.Random()
        )
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"AsyncBriaTransport(inner={self.inner!r})"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        steps = _attempts(self._settings, request)
        received: Any = None
        while True:
            try:
                action, value = steps.send(received)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            received = None
            if action == "send":
                try:
                    received = await self.inner.handle_async_request(request)
                except httpx.TransportError as exc:
                    received = exc
            elif action == "wait":
                await self._sleep(value)
            else:
                await value.aclose()

    async def aclose(self) -> None:
        await self.inner.aclose()
