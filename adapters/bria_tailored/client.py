"""``TailoredClient`` and ``AsyncTailoredClient``: the facade over every operation of the API.

Both expose the same resource groups with the same method names and exact types; every method of the
async client is a coroutine. Each method runs a plan (:mod:`bria_tailored._plan`) of the group it belongs
to, on the client's engine (:mod:`bria_tailored._engine`): that is the only difference between the two.
Configuration (token, base URL, timeout, retries, rate limit) has one home, :mod:`bria_tailored._config`.

Safe to embed: a client notices a ``fork()`` and gives the child its own connection pool and rate-limit
state before its first request (the parent is untouched); a closed client raises ``ClientClosedError``;
an async client used from another event loop says to create it inside the loop; a client refuses to be
pickled (build one per process).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import random
import threading
import weakref
from collections.abc import Callable, Generator
from typing import Generic, NoReturn, TypeVar

import httpx

from ._async_facade import (
    AsyncBatch,
    AsyncClientMethods,
    AsyncDatasets,
    AsyncGenerate,
    AsyncModels,
    AsyncProjects,
    AsyncStatus,
)
from ._client_plans import ClientPlans
from ._config import USER_AGENT, Config, make_config
from ._engine import AsyncEngine, SyncEngine
from ._sync_facade import Batch, ClientMethods, Datasets, Generate, Models, Projects, Status
from .batch.plans import BatchPlans
from .errors import ClientClosedError, ValidationError
from .ratelimit import RateLimiter, open_limiter
from .resources.datasets import DatasetPlans
from .resources.generate import GeneratePlans
from .resources.models import ModelPlans
from .resources.projects import ProjectPlans
from .resources.status import StatusPlans
from .transport import Connection, RetryPolicy, send_async, send_sync

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

#: The longest a whole request may take by default (connect, send, every byte of the answer), on top of
#: ``timeout``, which bounds each read: a server trickling bytes cannot hold a call open forever.
DEFAULT_REQUEST_DEADLINE = 300.0

_captures: contextvars.ContextVar[tuple[CapturedResponses, ...]] = contextvars.ContextVar(
    "bria_tailored_captures", default=()
)


class CapturedResponses:
    """The HTTP responses of the calls made inside ``with client.raw_responses() as raw:`` (in order,
    retries included): status, headers and body beside the parsed results the calls return."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    @property
    def last(self) -> httpx.Response:
        """The latest response (raises ``LookupError`` when no request was made)."""
        if not self.responses:
            raise LookupError("no request was made inside the block")
        return self.responses[-1]


def _record(response: httpx.Response) -> httpx.Response:
    for captured in _captures.get():
        captured.responses.append(response)
    return response


@contextlib.contextmanager
def raw_responses() -> Generator[CapturedResponses, None, None]:
    """Capture the HTTP responses of the calls made in the block (any client, this thread or task)."""
    captured = CapturedResponses()
    token = _captures.set((*_captures.get(), captured))
    try:
        yield captured
    finally:
        _captures.reset(token)


_live: weakref.WeakSet[_Pool[httpx.Client] | _Pool[httpx.AsyncClient]] = weakref.WeakSet()
_fork_lock = threading.Lock()


class _Pool(Generic[HttpT]):
    """What a client and its ``with_options`` copies share: the HTTP client, the rate limiter, and the
    checks every request passes (closed, forked, other event loop).

    After ``fork()`` the child swaps in a fresh HTTP client (and a fresh limiter lock) before its first
    request: in the at-fork hook, while the child has one thread, and again on the first request of a
    process whose pid changed without the hook (uWSGI does not run at-fork hooks by default), under a lock
    so that concurrent first requests of a threaded child cannot use the parent's connections.
    """

    def __init__(self, http: HttpT, make_http: Callable[[], HttpT] | None, limiter: RateLimiter | None) -> None:
        self.http: HttpT = http
        self.make_http: Callable[[], HttpT] | None = make_http  # None: the caller's own http_client
        self.limiter = limiter
        self.pid = os.getpid()
        self.closed = False
        self.loop: object = None  # the event loop (or a weak reference to it) an async client runs on
        self.abandoned: list[HttpT] = []  # a parent's pools, kept alive (never closed) in a forked child
        self.copy_limiters: list[RateLimiter] = []  # limiters of with_options copies sharing this pool
        _live.add(self)  # pyright: ignore[reportArgumentType]

    def after_fork(self) -> None:
        """In a forked child: a fresh pool (the parent's sockets stay untouched) and limiter lock."""
        if self.pid == os.getpid():
            return
        for limiter in [self.limiter, *self.copy_limiters]:
            if limiter is not None:
                limiter.reset_lock()
        if self.make_http is not None:
            self.abandoned.append(self.http)
            self.http = self.make_http()
            self.loop = None
            self.pid = os.getpid()

    def check(self, kind: str) -> HttpT:
        """Before a request: the HTTP client to send on, or raise (closed; a caller's client after fork)."""
        if self.closed:
            raise ClientClosedError(f"this {kind} is closed: create a new one (or keep it open while in use)")
        if self.pid != os.getpid():
            with _fork_lock:
                self.after_fork()
            if self.pid != os.getpid():
                raise ClientClosedError(
                    f"this {kind} was created before fork() with an http_client you passed in, whose "
                    "connections the parent process shares: build the client (and its httpx client) in "
                    "each process"
                )
        return self.http


def _after_fork_in_child() -> None:
    global _fork_lock
    _fork_lock = threading.Lock()  # it may have been held by another thread of the parent
    for pool in list(_live):
        pool.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _connection(config: Config, pool: _Pool[httpx.Client] | _Pool[httpx.AsyncClient]) -> Connection:
    limiter = pool.limiter
    if config.requests_per_minute and (limiter is None or limiter.per_minute != config.requests_per_minute):
        limiter = open_limiter(config)  # a with_options copy with its own rate (same backend)
        if limiter is not None:
            pool.copy_limiters.append(limiter)
    return Connection(
        base_url=config.base_url,
        api_token=config.api_token,
        timeout=config.timeout,
        user_agent=USER_AGENT,
        build_request=pool.http.build_request,  # pure: still right after a fork swapped the pool
        policy=RetryPolicy(max_retries=config.max_retries),
        limiter=limiter if config.requests_per_minute else None,
        rng=random.Random(),
    )


PoolT = TypeVar("PoolT", _Pool[httpx.Client], _Pool[httpx.AsyncClient])


def _copied(
    config: Config,
    pool: PoolT,
    deadline: float,
    timeout: float | httpx.Timeout | None,
    max_retries: int | None,
    request_deadline: float | None,
    requests_per_minute: float | None,
) -> tuple[Config, PoolT, float]:
    """The options of a ``with_options`` copy: same token, URL and pool; other limits (the same limiter
    unless ``requests_per_minute`` changes)."""
    new_config = make_config(
        config.api_token,
        config.base_url,
        config.timeout if timeout is None else timeout,
        config.max_retries if max_retries is None else max_retries,
        config.requests_per_minute if requests_per_minute is None else requests_per_minute,
        config.rate_limit_url,
    )
    return new_config, pool, deadline if request_deadline is None else _check_deadline(request_deadline)


def _check_deadline(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValidationError("request_deadline", value, "must be a positive, finite number of seconds")
    return float(value)


#: What a client says when given the other kind of HTTP client.
_WRONG_HTTP_CLIENT: dict[type[httpx.Client | httpx.AsyncClient], str] = {
    httpx.Client: "http_client must be an httpx.Client (use AsyncTailoredClient for httpx.AsyncClient)",
    httpx.AsyncClient: "http_client must be an httpx.AsyncClient (use TailoredClient for httpx.Client)",
}


def _opened(
    kind: type[HttpT],
    http_client: object,
    api_token: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    requests_per_minute: float | None,
    rate_limit_url: str | None,
    request_deadline: float,
) -> tuple[Config, _Pool[HttpT], float]:
    """What a new client starts from (sync and async alike): its checked options, its limiter, and a pool
    around the caller's HTTP client of ``kind`` (used as it is) or one of its own, made again after a fork."""
    if http_client is not None and not isinstance(http_client, kind):
        raise TypeError(_WRONG_HTTP_CLIENT[kind])
    config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute, rate_limit_url)
    deadline = _check_deadline(request_deadline)
    limiter = open_limiter(config)
    if http_client is not None:
        return config, _Pool(http_client, None, limiter), deadline

    def make_http() -> HttpT:
        return kind(timeout=config.timeout)

    return config, _Pool(make_http(), make_http, limiter), deadline


def _refuse_pickle(kind: str) -> NoReturn:
    raise TypeError(
        f"a {kind} cannot be pickled (it holds connections and locks): build one client per process, "
        "e.g. in a worker's initializer or at module level of the worker"
    )


class TailoredClient(ClientMethods):
    """Synchronous client. Use as a context manager, or call :meth:`close`.

    ``api_token`` defaults to ``$BRIA_API_TOKEN``; ``base_url`` to ``$BRIA_BASE_URL`` or Bria's host root
    (paths carry ``/v1`` or ``/v2``); ``timeout`` is seconds or an ``httpx.Timeout`` (each read; never
    none) and ``request_deadline`` the most a whole request may take; ``max_retries`` applies to 429
    always and to 5xx/connection errors of the operations safe to repeat; ``requests_per_minute`` is a
    client-side limit shared by every thread, and with ``rate_limit_url`` (``redis://host:6379/0``, default
    ``$BRIA_RATE_LIMIT_URL``) by every process and host using the token; ``http_client`` is your own ``httpx.Client`` (used as it is:
    its proxies, hooks and transport apply; the client never changes it and does not close it).
    """

    projects: Projects
    datasets: Datasets
    models: Models
    generate: Generate
    status: Status
    batch: Batch

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        rate_limit_url: str | None = None,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._setup(
            *_opened(
                httpx.Client,
                http_client,
                api_token,
                base_url,
                timeout,
                max_retries,
                requests_per_minute,
                rate_limit_url,
                request_deadline,
            )
        )

    def _setup(self, config: Config, pool: _Pool[httpx.Client], deadline: float) -> None:
        self._config = config
        self._pool = pool
        self._deadline = deadline
        self._conn = _connection(config, pool)
        self._engine = SyncEngine(self._send)
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = Projects(self._engine, ProjectPlans(self._conn))
        self.datasets = Datasets(self._engine, DatasetPlans(self._conn))
        self.models = Models(self._engine, ModelPlans(self._conn))
        self.generate = Generate(self._engine, GeneratePlans(self._conn))
        self.status = Status(self._engine, StatusPlans(self._conn))
        self.batch = Batch(self._engine, BatchPlans(self._conn))

    def _send(self, request: httpx.Request) -> httpx.Response:
        return _record(send_sync(self._pool.check("TailoredClient"), request, self._deadline))

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._config.base_url

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        request_deadline: float | None = None,
        requests_per_minute: float | None = None,
    ) -> TailoredClient:
        """A client with other options sharing this one's connection pool, and its rate limit unless
        ``requests_per_minute`` is given (closing either closes the pool)."""
        copy = TailoredClient.__new__(TailoredClient)
        options = _copied(
            self._config, self._pool, self._deadline, timeout, max_retries, request_deadline, requests_per_minute
        )
        copy._setup(*options)
        return copy

    def raw_responses(self) -> contextlib.AbstractContextManager[CapturedResponses]:
        """``with client.raw_responses() as raw: project = client.projects.get(1)``, then
        ``raw.last.status_code`` / ``raw.last.headers``: the HTTP responses behind the calls of the block."""
        return raw_responses()

    def __repr__(self) -> str:
        return f"TailoredClient(base_url={self.base_url!r})"

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("TailoredClient")

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``); later calls raise
        ``ClientClosedError``."""
        self._pool.closed = True
        if self._pool.make_http is not None:
            self._pool.http.close()

    def __enter__(self) -> TailoredClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _current_loop() -> object:
    """The running event loop (asyncio) or run (trio), to tell two loops apart."""
    import sniffio

    if sniffio.current_async_library() == "trio":
        import trio

        return trio.lowlevel.current_trio_token()
    import asyncio

    return asyncio.get_running_loop()


class AsyncTailoredClient(AsyncClientMethods):
    """Asynchronous client (asyncio or trio): the same surface as :class:`TailoredClient`, every method a
    coroutine. ``http_client`` is your own ``httpx.AsyncClient``, used as it is. A client belongs to the
    event loop it first runs on: create it inside that loop (once per ``asyncio.run``)."""

    projects: AsyncProjects
    datasets: AsyncDatasets
    models: AsyncModels
    generate: AsyncGenerate
    status: AsyncStatus
    batch: AsyncBatch

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        rate_limit_url: str | None = None,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._setup(
            *_opened(
                httpx.AsyncClient,
                http_client,
                api_token,
                base_url,
                timeout,
                max_retries,
                requests_per_minute,
                rate_limit_url,
                request_deadline,
            )
        )

    def _setup(self, config: Config, pool: _Pool[httpx.AsyncClient], deadline: float) -> None:
        self._config = config
        self._pool = pool
        self._deadline = deadline
        self._conn = _connection(config, pool)
        self._engine = AsyncEngine(self._send)
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = AsyncProjects(self._engine, ProjectPlans(self._conn))
        self.datasets = AsyncDatasets(self._engine, DatasetPlans(self._conn))
        self.models = AsyncModels(self._engine, ModelPlans(self._conn))
        self.generate = AsyncGenerate(self._engine, GeneratePlans(self._conn))
        self.status = AsyncStatus(self._engine, StatusPlans(self._conn))
        self.batch = AsyncBatch(self._engine, BatchPlans(self._conn))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        pool = self._pool
        http = pool.check("AsyncTailoredClient")
        loop = _current_loop()
        if pool.loop is None:
            pool.loop = weakref.ref(loop) if _weakrefable(loop) else loop
        elif _deref(pool.loop) is not loop:
            raise ClientClosedError(
                "this AsyncTailoredClient was first used on another event loop, whose connections it holds: "
                "create the client inside the loop that uses it (once per asyncio.run()), e.g. "
                "`async with AsyncTailoredClient() as client:` in your main coroutine"
            )
        return _record(await send_async(http, request, self._deadline))

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._config.base_url

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        request_deadline: float | None = None,
        requests_per_minute: float | None = None,
    ) -> AsyncTailoredClient:
        """A client with other options sharing this one's connection pool, and its rate limit unless
        ``requests_per_minute`` is given (closing either closes the pool)."""
        copy = AsyncTailoredClient.__new__(AsyncTailoredClient)
        options = _copied(
            self._config, self._pool, self._deadline, timeout, max_retries, request_deadline, requests_per_minute
        )
        copy._setup(*options)
        return copy

    def raw_responses(self) -> contextlib.AbstractContextManager[CapturedResponses]:
        """``with client.raw_responses() as raw: project = client.projects.get(1)``, then
        ``raw.last.status_code`` / ``raw.last.headers``: the HTTP responses behind the calls of the block."""
        return raw_responses()

    def __repr__(self) -> str:
        return f"AsyncTailoredClient(base_url={self.base_url!r})"

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("AsyncTailoredClient")

    async def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``); later calls raise
        ``ClientClosedError``."""
        self._pool.closed = True
        if self._pool.make_http is not None:
            await self._pool.http.aclose()

    async def __aenter__(self) -> AsyncTailoredClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _deref(value: object) -> object:
    if isinstance(value, weakref.ref):
        reference: weakref.ref[object] = value  # pyright: ignore[reportUnknownVariableType]
        return reference()
    return value


def _weakrefable(value: object) -> bool:
    try:
        weakref.ref(value)
    except TypeError:
        return False
    return True


__all__ = ["AsyncTailoredClient", "CapturedResponses", "TailoredClient", "raw_responses"]
