"""``TailoredClient`` and ``AsyncTailoredClient``: the facade over every operation of the API.

Both expose the same resource groups with the same method names and exact types; every method of the
async client is a coroutine. Each method runs a plan (:mod:`bria_tailored._plan`) of the group it belongs
to, on the client's engine (:mod:`bria_tailored._engine`): that is the only difference between the two.
Configuration (token, base URL, timeout, retries, rate limit) has one home, :mod:`bria_tailored._config`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

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
from .ratelimit import TokenBucket
from .resources.client import ClientPlans
from .resources.datasets import DatasetPlans
from .resources.generate import GeneratePlans
from .resources.models import ModelPlans
from .resources.projects import ProjectPlans
from .resources.status import StatusPlans
from .transport import Connection, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable


def _connection(
    config: Config, build_request: Callable[..., httpx.Request], limiter: TokenBucket | None
) -> Connection:
    return Connection(
        base_url=config.base_url,
        api_token=config.api_token,
        timeout=config.timeout,
        user_agent=USER_AGENT,
        build_request=build_request,
        policy=RetryPolicy(max_retries=config.max_retries),
        limiter=limiter,
        rng=random.Random(),
    )


class TailoredClient(ClientMethods):
    """Synchronous client. Use as a context manager, or call :meth:`close`.

    ``api_token`` defaults to ``$BRIA_API_TOKEN``; ``base_url`` to ``$BRIA_BASE_URL`` or Bria's host root
    (paths carry ``/v1`` or ``/v2``); ``timeout`` is seconds or an ``httpx.Timeout`` (never none);
    ``max_retries`` applies to 429 always and to 5xx/connection errors of GET, PUT and DELETE;
    ``requests_per_minute`` is a client-side limit shared by every thread; ``http_client`` is your own
    ``httpx.Client`` (used as it is: its proxies, hooks and transport apply; the client never changes it
    and does not close it).
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
        http_client: httpx.Client | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError(
                "http_client must be an httpx.Client (use AsyncTailoredClient for httpx.AsyncClient)"
            )
        self._config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=self._config.timeout)
        limiter = TokenBucket(requests_per_minute) if requests_per_minute else None
        self._setup(limiter)

    def _setup(self, limiter: TokenBucket | None) -> None:
        http = self._http
        self._limiter = limiter
        self._conn = _connection(self._config, http.build_request, limiter)
        self._engine = SyncEngine(lambda request: http.send(request, follow_redirects=False))
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = Projects(self._engine, ProjectPlans(self._conn))
        self.datasets = Datasets(self._engine, DatasetPlans(self._conn))
        self.models = Models(self._engine, ModelPlans(self._conn))
        self.generate = Generate(self._engine, GeneratePlans(self._conn))
        self.status = Status(self._engine, StatusPlans(self._conn))

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._config.base_url

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> TailoredClient:
        """A client with other options sharing this one's connection pool and rate limit (close this one,
        not the copy)."""
        copy = TailoredClient.__new__(TailoredClient)
        copy._config = make_config(
            self._config.api_token,
            self._config.base_url,
            self._config.timeout if timeout is None else timeout,
            self._config.max_retries if max_retries is None else max_retries,
            self._config.requests_per_minute,
        )
        copy._owns_http = False
        copy._http = self._http
        copy._setup(self._limiter)
        return copy

    def __repr__(self) -> str:
        return f"TailoredClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> TailoredClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTailoredClient(AsyncClientMethods):
    """Asynchronous client (asyncio or trio): the same surface as :class:`TailoredClient`, every method a
    coroutine. ``http_client`` is your own ``httpx.AsyncClient``, used as it is."""

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
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use TailoredClient for httpx.Client)")
        self._config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        self._owns_http = http_client is None
        self._http = (
            http_client if http_client is not None else httpx.AsyncClient(timeout=self._config.timeout)
        )
        limiter = TokenBucket(requests_per_minute) if requests_per_minute else None
        self._setup(limiter)

    def _setup(self, limiter: TokenBucket | None) -> None:
        http = self._http
        self._limiter = limiter
        self._conn = _connection(self._config, http.build_request, limiter)

        async def send(request: httpx.Request) -> httpx.Response:
            return await http.send(request, follow_redirects=False)

        self._engine = AsyncEngine(send)
        super().__init__(self._engine, ClientPlans(self._conn))
        self.projects = AsyncProjects(self._engine, ProjectPlans(self._conn))
        self.datasets = AsyncDatasets(self._engine, DatasetPlans(self._conn))
        self.models = AsyncModels(self._engine, ModelPlans(self._conn))
        self.generate = AsyncGenerate(self._engine, GeneratePlans(self._conn))
        self.status = AsyncStatus(self._engine, StatusPlans(self._conn))

    @property
    def base_url(self) -> str:
        """The API's host root every path is joined to."""
        return self._config.base_url

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> AsyncTailoredClient:
        """A client with other options sharing this one's connection pool and rate limit (close this one,
        not the copy)."""
        copy = AsyncTailoredClient.__new__(AsyncTailoredClient)
        copy._config = make_config(
            self._config.api_token,
            self._config.base_url,
            self._config.timeout if timeout is None else timeout,
            self._config.max_retries if max_retries is None else max_retries,
            self._config.requests_per_minute,
        )
        copy._owns_http = False
        copy._http = self._http
        copy._setup(self._limiter)
        return copy

    def __repr__(self) -> str:
        return f"AsyncTailoredClient(base_url={self.base_url!r})"

    async def close(self) -> None:
        """Close the connection pool (unless it is the caller's ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncTailoredClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
