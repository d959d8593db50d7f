"""How one request reaches the API: auth headers, client-side rate limiting and retries, as a plan.

:func:`send` is an ordinary plan (:mod:`bria_tailored._plan`): it yields ``Sleep`` for the rate limiter and
for backoff, and ``Send`` for each attempt, so the sync and async clients share every decision and differ
only in the engine that runs it. A caller's own ``httpx.Client``/``AsyncClient`` is used as it is (its
proxies, event hooks and transports apply): nothing of it is replaced or mutated.

Retry rules (Bria has no idempotency keys and bills per call, so a POST that may have reached the server
is never repeated):

* 429 is retried for every method, honouring ``Retry-After`` (seconds or an HTTP date, capped);
* 5xx and connection errors are retried only for GET, PUT, DELETE, HEAD and OPTIONS;
* the delay is exponential backoff with full jitter; every retry is logged on ``bria_tailored.transport``.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import errors
from ._plan import Plan, Send, Sleep
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


@dataclass(frozen=True, repr=False)
class Connection:
    """Everything a request needs besides the HTTP client: where, who, how patiently, how often.

    ``build_request`` is the HTTP client's own ``build_request`` (pure, no I/O), so a caller's client
    defaults (headers, cookies, params) apply to our requests as they would to theirs.
    """

    base_url: str
    api_token: str
    timeout: httpx.Timeout
    user_agent: str
    build_request: Callable[..., httpx.Request]  # the HTTP client's own build_request
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: TokenBucket | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __repr__(self) -> str:  # never show the token
        return f"Connection(base_url={self.base_url!r}, api_token='***', policy={self.policy!r})"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Request:
        """An authenticated request to ``url`` (absolute, or a path under ``base_url``)."""
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        headers = {"api_token": self.api_token, "user-agent": self.user_agent}
        request: httpx.Request = self.build_request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            timeout=self.timeout,
        )
        return request


def send(conn: Connection, request: httpx.Request) -> Plan[httpx.Response]:
    """Send ``request`` with the client-side rate limit and the retry rules above; return the response.

    Raises :class:`~bria_tailored.errors.APIConnectionError` (or ``APITimeoutError``) when the connection
    fails and may not (or no longer) be retried. HTTP error statuses are returned, not raised.
    """
    method = request.method.upper()
    attempt = 0
    while True:
        if conn.limiter is not None:
            wait = conn.limiter.reserve()
            if wait > 0:
                yield Sleep(wait)
        try:
            response: httpx.Response = yield Send(request)
        except httpx.TransportError as exc:
            delay = conn.policy.decide(method, attempt, conn.rng, error=exc)
            if delay is None:
                raise connection_error(exc, request) from None
            why = type(exc).__name__
        else:
            delay = conn.policy.decide(
                method, attempt, conn.rng, status_code=response.status_code, headers=response.headers
            )
            if delay is None:
                return response
            why = f"HTTP {response.status_code}"
        logger.info(
            "retry %d/%d of %s %s after %s; waiting %.2fs",
            attempt + 1,
            conn.policy.max_retries,
            method,
            request.url.path,
            why,
            delay,
        )
        yield Sleep(delay)
        attempt += 1


def path_of(request: httpx.Request) -> str:
    """The request's path, for error messages."""
    return urllib.parse.unquote(request.url.path)


def connection_error(exc: Exception, request: httpx.Request) -> errors.APIConnectionError:
    kind = errors.APITimeoutError if isinstance(exc, httpx.TimeoutException) else errors.APIConnectionError
    return kind(
        f"{request.method} {path_of(request)} failed: {type(exc).__name__}: "
        f"{errors.redact(str(exc)) or 'no detail'}"
    )
