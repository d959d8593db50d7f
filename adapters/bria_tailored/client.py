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

import math
import os
import random
import weakref
from typing import Generic, NoReturn, TypeVar

import httpx

from ._async_facade import (
    AsyncClientMethods,
    AsyncDatasets,
    AsyncGenerate,
    AsyncModels,
    AsyncProjects,
    AsyncStatus,
)
from ._config import USER_AGENT, Config, make_config
from ._engine import AsyncEngine, SyncEngine
from ._sync_facade import ClientMethods, Datasets, Generate, Models, Projects, Status
from .errors import ClientClosedError, ValidationError
from .ratelimit import TokenBucket
from .resources.client import ClientPlans
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

_live: weakref.WeakSet[_State[httpx.Client] | _State[httpx.AsyncClient]] = weakref.WeakSet()


class _State(Generic[HttpT]):
    """What a client holds besides its resource groups: config, the HTTP client, the limiter, and the
    checks every request passes (closed, forked, other event loop)."""

    def __init__(self, config: Config, http: HttpT, owns_http: bool, limiter: TokenBucket | None) -> None:
        self.config = config
        self.http: HttpT = http
        self.owns_http = owns_http
        self.limiter = limiter
        self.pid = os.getpid()
        self.closed = False
        self.loop: object = None  # the event loop (or a weak reference to it) an async client runs on
        self.abandoned: list[HttpT] = []  # a parent's pools, kept alive (never closed) in a forked child
        _live.add(self)  # pyright: ignore[reportArgumentType]

    def reset_after_fork(self) -> None:
        """In a forked child: fresh limiter state (its lock may have been held by another thread)."""
        if self.limiter is not None:
            self.limiter = TokenBucket(self.limiter.rate_per_second * 60.0)

    def connection(self) -> Connection:
        return Connection(
            base_url=self.config.base_url,
            api_token=self.config.api_token,
            timeout=self.config.timeout,
            user_agent=USER_AGENT,
            build_request=self.http.build_request,
            policy=RetryPolicy(max_retries=self.config.max_retries),
            limiter=self.limiter,
            rng=random.Random(),
        )

    def check(self, kind: str) -> bool:
        """Before a request: raise if closed; return True when this process is a fork of the creator."""
        if self.closed:
            raise ClientClosedError(f"this {kind} is closed: create a new one (or keep it open while in use)")
        if os.getpid() == self.pid:
            return False
        if not self.owns_http:
            raise ClientClosedError(
                f"this {kind} was created before fork() with an http_client you passed in, whose connections "
                "the parent process shares: build the client (and its httpx client) in each process"
            )
        self.pid = os.getpid()
        self.abandoned.append(self.http)
        return True


def _after_fork_in_child() -> None:
    for state in list(_live):
        state.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_deadline(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValidationError("request_deadline", value, "must be a positive, finite number of seconds")
    return float(value)


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
    client-side limit shared by every thread; ``http_client`` is your own ``httpx.Client`` (used as it is:
    its proxies, hooks and transport apply; the client never changes it and does not close it).
    """

    projects: Projects
    datasets: Datasets
    models: Models
    generate: Generate
    status: Status

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        http_client: httpx.Client | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError(
                "http_client must be an httpx.Client (use AsyncTailoredClient for httpx.AsyncClient)"
            )
        config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        deadline = _check_deadline(request_deadline)
        http = http_client if http_client is not None else httpx.Client(timeout=config.timeout)
        limiter = TokenBucket(config.requests_per_minute) if config.requests_per_minute else None
        self._setup(_State(config, http, http_client is None, limiter), deadline)

    def _setup(self, state: _State[httpx.Client], deadline: float) -> None:
        self._state = state
        self._deadline = deadline
        self._conn = state.connection()
        self._engine = SyncEngine(self._send)
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = Projects(self._engine, ProjectPlans(self._conn))
        self.datasets = Datasets(self._engine, DatasetPlans(self._conn))
        self.models = Models(self._engine, ModelPlans(self._conn))
        self.generate = Generate(self._engine, GeneratePlans(self._conn))
        self.status = Status(self._engine, StatusPlans(self._conn))

    def _send(self, request: httpx.Request) -> httpx.Response:
        if self._state.check("TailoredClient"):
            # A forked child: a fresh pool, then rebuild the request on it.
            self._state.http = httpx.Client(timeout=self._state.config.timeout)
            self._setup(self._state, self._deadline)
        return send_sync(self._state.http, request, self._deadline)

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._state.config.base_url

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        request_deadline: float | None = None,
    ) -> TailoredClient:
        """A client with other options sharing this one's connection pool and rate limit (close this one,
        not the copy)."""
        config = self._state.config
        copy = TailoredClient.__new__(TailoredClient)
        new_config = make_config(
            config.api_token,
            config.base_url,
            config.timeout if timeout is None else timeout,
            config.max_retries if max_retries is None else max_retries,
            config.requests_per_minute,
        )
        deadline = self._deadline if request_deadline is None else _check_deadline(request_deadline)
        copy._setup(_State(new_config, self._state.http, False, self._state.limiter), deadline)
        return copy

    def __repr__(self) -> str:
        return f"TailoredClient(base_url={self.base_url!r})"

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("TailoredClient")

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``); later calls raise
        ``ClientClosedError``."""
        self._state.closed = True
        if self._state.owns_http:
            self._state.http.close()

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

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use TailoredClient for httpx.Client)")
        config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        deadline = _check_deadline(request_deadline)
        http = http_client if http_client is not None else httpx.AsyncClient(timeout=config.timeout)
        limiter = TokenBucket(config.requests_per_minute) if config.requests_per_minute else None
        self._setup(_State(config, http, http_client is None, limiter), deadline)

    def _setup(self, state: _State[httpx.AsyncClient], deadline: float) -> None:
        self._state = state
        self._deadline = deadline
        self._conn = state.connection()
        self._engine = AsyncEngine(self._send)
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = AsyncProjects(self._engine, ProjectPlans(self._conn))
        self.datasets = AsyncDatasets(self._engine, DatasetPlans(self._conn))
        self.models = AsyncModels(self._engine, ModelPlans(self._conn))
        self.generate = AsyncGenerate(self._engine, GeneratePlans(self._conn))
        self.status = AsyncStatus(self._engine, StatusPlans(self._conn))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        state = self._state
        if state.check("AsyncTailoredClient"):
            state.http = httpx.AsyncClient(timeout=state.config.timeout)
            state.loop = None
            self._setup(state, self._deadline)
        loop = _current_loop()
        if state.loop is None:
            state.loop = weakref.ref(loop) if _weakrefable(loop) else loop
        elif _deref(state.loop) is not loop:
            raise ClientClosedError(
                "this AsyncTailoredClient was first used on another event loop, whose connections it holds: "
                "create the client inside the loop that uses it (once per asyncio.run()), e.g. "
                "`async with AsyncTailoredClient() as client:` in your main coroutine"
            )
        return await send_async(state.http, request, self._deadline)

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._state.config.base_url

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        request_deadline: float | None = None,
    ) -> AsyncTailoredClient:
        """A client with other options sharing this one's connection pool and rate limit (close this one,
        not the copy)."""
        config = self._state.config
        copy = AsyncTailoredClient.__new__(AsyncTailoredClient)
        new_config = make_config(
            config.api_token,
            config.base_url,
            config.timeout if timeout is None else timeout,
            config.max_retries if max_retries is None else max_retries,
            config.requests_per_minute,
        )
        deadline = self._deadline if request_deadline is None else _check_deadline(request_deadline)
        copy._setup(_State(new_config, self._state.http, False, self._state.limiter), deadline)
        return copy

    def __repr__(self) -> str:
        return f"AsyncTailoredClient(base_url={self.base_url!r})"

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("AsyncTailoredClient")

    async def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``); later calls raise
        ``ClientClosedError``."""
        self._state.closed = True
        if self._state.owns_http:
            await self._state.http.aclose()

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


__all__ = ["AsyncTailoredClient", "TailoredClient"]
