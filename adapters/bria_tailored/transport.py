"""How one request reaches the API: auth headers, client-side rate limiting and retries, as a plan.

:func:`send` is an ordinary plan (:mod:`bria_tailored._plan`): it yields ``Sleep`` for the rate limiter and
for backoff, and ``Send`` for each attempt, so the sync and async clients share every decision and differ
only in the engine that runs it. A caller's own ``httpx.Client``/``AsyncClient`` is used as it is (its
proxies, event hooks and transports apply): nothing of it is replaced or mutated.

Retry rules (Bria has no idempotency keys and bills per call, so a request that may have started work on
the server is never repeated):

* 429 is retried for every operation, honouring ``Retry-After`` (seconds or an HTTP date, capped): the
  server did not take the request;
* 5xx and connection errors are retried only for the operations in :data:`SAFE_TO_REPEAT` (reads, and
  writes that set a value: repeating them changes nothing) — never for a POST, and never for a PUT or
  DELETE that *starts* work (``regenerate-all-captions`` would regenerate twice). An operation the table
  does not know (one added upstream) is retried only when it is a GET;
* the delay is exponential backoff with full jitter.

Every request is logged on ``bria_tailored.transport`` (DEBUG: method, path, status, latency, attempt,
request id; INFO: each retry). The ``api_token`` header is sent only to the API's own origin (scheme,
host and port of ``base_url``), and redirects are never followed with it.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import errors
from ._plan import Blocking, Plan, Send, Sleep
from .ratelimit import RateLimiter

logger = logging.getLogger("bria_tailored.transport")

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})

#: Operations a 5xx or a dropped connection may safely repeat (by operationId), decided from the spec and
#: Bria's docs: every read, the writes whose repetition leaves the same state, and the deletes (a repeat
#: finds the object gone: 404). Not here: every POST (creates, uploads, generation, training start/stop:
#: billed or duplicated) and ``regenerate-all-captions``, a PUT that starts caption work.
SAFE_TO_REPEAT: frozenset[str] = frozenset(
    {
        # reads
        "get-projects",
        "get-project",
        "get-datasets",
        "get-datasets-by-project",
        "get-dataset",
        "get-images",
        "get-image",
        "get-bulk-upload-status",
        "download-dataset",
        "get-models",
        "get-models-by-project",
        "get-model",
        "list-checkpoints",
        "get-checkpoint",
        "download-model",
        "get-status",
        # writes that set a value (the same request twice leaves the same state)
        "update-project",
        "update-dataset",
        "update-image-caption",
        "update-model",
        # deletes (a repeat finds the object gone)
        "delete-project",
        "delete-dataset",
        "delete-image",
        "delete-model",
        "delete-checkpoint",
    }
)


def safe_to_repeat(operation_id: str | None, method: str) -> bool:
    """Whether a 5xx or connection error may be retried for this operation (see :data:`SAFE_TO_REPEAT`)."""
    if operation_id is None or operation_id not in _KNOWN_OPERATIONS:
        return method.upper() == "GET"
    return operation_id in SAFE_TO_REPEAT


#: Every operation the table above has decided about (the others are new: only GET is retried).
_KNOWN_OPERATIONS: frozenset[str] = SAFE_TO_REPEAT | frozenset(
    {
        "create-project",
        "create-dataset",
        "clone-dataset",
        "upload-image",
        "regenerate-all-captions",
        "bulk-upload-images",
        "generate-visual-schema",
        "refine-structured-prompt",
        "create-model",
        "upload-model",
        "start-training",
        "stop-training",
        "generate-image",
        "generate-structured-prompt",
        "generate-video",
    }
)

#: The request extension that carries the operationId from the request builder to the retry rules.
OPERATION_EXTENSION = "bria_operation"


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
        operation_id: str | None = None,
    ) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None to give up and return/raise."""
        if attempt >= self.max_retries:
            return None
        repeatable = safe_to_repeat(operation_id, method)
        if error is not None:
            if repeatable and isinstance(error, httpx.TransportError):
                return self.backoff(attempt, rng)
            return None
        if status_code == 429:
            retry_after = parse_retry_after(headers.get("retry-after") if headers else None)
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
            return self.backoff(attempt, rng)
        if status_code in RETRYABLE_STATUS and repeatable:
            retry_after = parse_retry_after(headers.get("retry-after") if headers else None)
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
            return self.backoff(attempt, rng)
        return None


@dataclass(frozen=True)
class RequestOptions:
    """Per-call additions to every request a method makes (its submit and, for waiters, its polls).

    ``extra_body`` is merged into JSON bodies (spec fields it names are validated; unknown ones pass
    through, for a field Bria added before the SDK knows it); ``extra_query`` into query parameters;
    ``extra_headers`` into headers (never ``api_token``); ``request_timeout`` replaces the client's
    per-read timeout for these requests.
    """

    extra_body: Mapping[str, object] | None = None
    extra_query: Mapping[str, object] | None = None
    extra_headers: Mapping[str, str] | None = None
    request_timeout: float | None = None


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
    limiter: RateLimiter | None = None
    rng: random.Random = field(default_factory=random.Random)
    options: RequestOptions = field(default_factory=RequestOptions)

    def __repr__(self) -> str:  # never show the token
        return f"Connection(base_url={self.base_url!r}, api_token='***', policy={self.policy!r})"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        operation_id: str | None = None,
    ) -> httpx.Request:
        """A request to ``url`` (absolute, or a path under ``base_url``), authenticated only when it goes
        to the API's own origin."""
        if url.startswith("/"):  # a path under base_url: the API's own origin, no parsing needed
            url, ours = self.base_url + url, True
        else:
            if not url.startswith(("http://", "https://")):
                url = self.base_url + url
            ours = same_origin(url, self.base_url)
        extra = self.options
        headers = {"user-agent": self.user_agent, **(extra.extra_headers or {})}
        headers.pop("api_token", None)
        if ours:
            headers["api_token"] = self.api_token
        if extra.extra_query:
            params = {**(params or {}), **extra.extra_query}
        if extra.extra_body and isinstance(json, Mapping):
            body: Mapping[str, object] = json  # pyright: ignore[reportUnknownVariableType]  (a JSON object)
            json = {**body, **extra.extra_body}
        timeout = self.timeout if extra.request_timeout is None else httpx.Timeout(extra.request_timeout)
        extensions = {OPERATION_EXTENSION: operation_id} if operation_id else None
        request: httpx.Request = self.build_request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            timeout=timeout,
            extensions=extensions,
        )
        return request


def same_origin(url: str | httpx.URL, base_url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``base_url``."""
    try:
        a, b = httpx.URL(url), httpx.URL(base_url)
    except httpx.InvalidURL:
        return False
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def send(conn: Connection, request: httpx.Request) -> Plan[httpx.Response]:
    """Send ``request`` with the client-side rate limit and the retry rules above; return the response.

    Raises :class:`~bria_tailored.errors.APIConnectionError` (or ``APITimeoutError``) when the connection
    fails and may not (or no longer) be retried. HTTP error statuses are returned, not raised.
    """
    method = request.method.upper()
    operation_id = request.extensions.get(OPERATION_EXTENSION)
    attempt = 0
    while True:
        limiter = conn.limiter
        if limiter is not None:
            # A limiter that does I/O (Redis) decides off the event loop; the in-process one inline.
            wait: float = (yield Blocking(limiter.reserve)) if limiter.blocking else limiter.reserve()
            if wait > 0:
                yield Sleep(wait)
        started = time.monotonic()
        try:
            response: httpx.Response = yield Send(request)
        except httpx.TransportError as exc:
            _log_request(request, None, started, attempt, type(exc).__name__)
            delay = conn.policy.decide(method, attempt, conn.rng, error=exc, operation_id=operation_id)
            if delay is None:
                raise connection_error(exc, request) from None
            why = type(exc).__name__
        else:
            _log_request(request, response, started, attempt, None)
            if response.status_code == 429 and limiter is not None:
                # Every client of the limiter holds back for Retry-After and slows down (AIMD).
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if limiter.blocking:
                    yield Blocking(limiter.throttled, (retry_after,))
                else:
                    limiter.throttled(retry_after)
            delay = conn.policy.decide(
                method,
                attempt,
                conn.rng,
                status_code=response.status_code,
                headers=response.headers,
                operation_id=operation_id,
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


def _log_request(
    request: httpx.Request,
    response: httpx.Response | None,
    started: float,
    attempt: int,
    failure: str | None,
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    request_id = None
    if response is not None:
        request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    outcome = failure or str(response.status_code if response is not None else "?")
    logger.debug(
        "%s %s -> %s in %.0f ms (attempt %d)%s",
        request.method,
        request.url.path,
        outcome,
        (time.monotonic() - started) * 1000,
        attempt + 1,
        f" request_id={request_id}" if request_id else "",
    )


def path_of(request: httpx.Request) -> str:
    """The request's path, for error messages."""
    return urllib.parse.unquote(request.url.path)


def connection_error(exc: Exception, request: httpx.Request) -> errors.APIConnectionError:
    kind = errors.APITimeoutError if isinstance(exc, httpx.TimeoutException) else errors.APIConnectionError
    return kind(
        f"{request.method} {path_of(request)} failed: {type(exc).__name__}: "
        f"{errors.redact(str(exc)) or 'no detail'}"
    )


# ------------------------------------------------------------------------------------- total deadline
def send_sync(http: httpx.Client, request: httpx.Request, deadline: float) -> httpx.Response:
    """Send ``request`` on ``http`` and read the whole answer within ``deadline`` seconds in total.

    httpx's timeouts are per read: a server trickling a byte at a time could hold a call open forever.
    Here the body is read chunk by chunk and the call fails with ``httpx.ReadTimeout`` (an
    ``APITimeoutError`` for the caller) once the deadline has passed. Redirects are never followed.
    """
    ends = time.monotonic() + deadline
    response = http.send(request, stream=True, follow_redirects=False)
    if response.is_stream_consumed:  # already complete (an in-memory transport)
        return response
    try:
        chunks: list[bytes] = []
        for chunk in response.iter_raw():
            chunks.append(chunk)
            if time.monotonic() > ends:
                raise httpx.ReadTimeout(f"no complete answer within {deadline:g} s", request=request)
    finally:
        response.close()
    return _complete(response, b"".join(chunks))


async def send_async(http: httpx.AsyncClient, request: httpx.Request, deadline: float) -> httpx.Response:
    """The awaitable twin of :func:`send_sync` (the deadline is an anyio cancel scope)."""
    import anyio

    with anyio.move_on_after(deadline) as scope:
        response = await http.send(request, follow_redirects=False)
        return response
    if scope.cancelled_caught:
        raise httpx.ReadTimeout(f"no complete answer within {deadline:g} s", request=request)
    raise AssertionError("unreachable")  # pragma: no cover


def _complete(streamed: httpx.Response, raw: bytes) -> httpx.Response:
    """A fully read response from a streamed one and its raw (still encoded) bytes."""
    response = httpx.Response(
        streamed.status_code,
        headers=streamed.headers,
        content=raw,
        request=streamed.request,
        extensions=streamed.extensions,
    )
    response.read()
    return response
