"""The engine under both clients: plans, and the sync and async drivers that run them.

Every facade method is written once, as a *plan*: a generator that yields small operations (call an API
operation, fetch a URL, sleep, run blocking storage I/O, run sub-plans concurrently, poll) and receives
their results. All decisions — validation, request building, error mapping, what to poll and when — live
in the plans and in the shared helpers here. :class:`SyncCore` runs a plan by blocking, :class:`AsyncCore`
by awaiting; that is the only difference between ``TailoredClient`` and ``AsyncTailoredClient``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import logging
import os
import platform
import time
import urllib.parse
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

import httpx

from . import errors
from ._version import __version__
from .ratelimit import TokenBucket
from .transport import AsyncBriaTransport, BriaTransport, RetryPolicy

logger = logging.getLogger("bria_tailored")

DEFAULT_BASE_URL = "https://engine.prod.bria-api.com"
USER_AGENT = f"bria-tailored/{__version__} python/{platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"

T = TypeVar("T")
Plan = Generator[Any, Any, T]


# ------------------------------------------------------------------------------------------ operations
@dataclass(frozen=True)
class Call:
    """Call one generated operation: ``operation`` is a module of ``bria_tailored_api.api``."""

    operation: ModuleType
    kwargs: dict[str, Any] = field(default_factory=dict)
    raw: bool = False  # return the httpx.Response (already checked for errors) instead of the parsed model


@dataclass(frozen=True)
class Fetch:
    """GET an absolute URL of the API (a ``status_url``), with the client's auth, limits and retries."""

    url: str


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Blocking:
    """Blocking work (storage I/O, file reads): run inline by the sync driver, in a thread by the async one."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Gather:
    """Run sub-plans concurrently (threads or tasks), at most ``concurrency`` at once; results in order."""

    plans: Sequence[Callable[[], Plan[Any]]]
    concurrency: int = 8
    return_exceptions: bool = False


@dataclass(frozen=True)
class Poll:
    """Poll ``check`` (a plan returning a ``polling.PollResult``) on ``policy`` until done or ``timeout``."""

    check: Callable[[], Plan[Any]]
    policy: Any
    timeout: float | None
    description: str
    on_progress: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class PollMany:
    """Poll many checks on one loop (see ``polling.wait_many_sync``/``wait_many_async``)."""

    checks: Sequence[Callable[[], Plan[Any]]]
    policy: Any
    timeout: float | None
    return_exceptions: bool = False
    on_progress: Callable[[int, Any], None] | None = None
    stats: Any = None


# ------------------------------------------------------------------------------------- configuration
@dataclass(frozen=True, repr=False)
class Config:
    api_token: str
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    requests_per_minute: float | None

    def __repr__(self) -> str:
        return f"Config(base_url={self.base_url!r}, api_token='***', max_retries={self.max_retries})"


def make_config(
    api_token: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    requests_per_minute: float | None,
) -> Config:
    token = api_token if api_token is not None else os.environ.get("BRIA_API_TOKEN")
    if not token:
        raise errors.BriaError(
            "No API token: pass api_token=... or set the BRIA_API_TOKEN environment variable "
            "(for the local sandbox any non-empty value works)."
        )
    errors.register_secret(token)
    url = (base_url or os.environ.get("BRIA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise errors.ValidationError("base_url", url, "must start with http:// or https://")
    if timeout is None:
        raise errors.ValidationError(
            "timeout", timeout, "must be seconds or an httpx.Timeout (never no timeout)"
        )
    if not isinstance(timeout, httpx.Timeout):
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise errors.ValidationError("timeout", timeout, "must be a positive number of seconds")
        timeout = httpx.Timeout(float(timeout), connect=min(float(timeout), 10.0))
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise errors.ValidationError("max_retries", max_retries, "must be an integer >= 0")
    if requests_per_minute is not None and (
        isinstance(requests_per_minute, bool)
        or not isinstance(requests_per_minute, (int, float))
        or requests_per_minute <= 0
    ):
        raise errors.ValidationError("requests_per_minute", requests_per_minute, "must be a positive number")
    configure_logging_from_env()
    return Config(token, url, timeout, max_retries, requests_per_minute)


_logging_configured = False


def configure_logging_from_env() -> None:
    """``BRIA_LOG=debug|info`` sends the ``bria_tailored`` loggers to stderr (once per process)."""
    global _logging_configured
    level = os.environ.get("BRIA_LOG", "").strip().upper()
    if _logging_configured or level not in ("DEBUG", "INFO", "WARNING"):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(_RedactFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    _logging_configured = True


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = errors.redact(record.getMessage())
        record.args = ()
        return True


# ------------------------------------------------------------------------------------ shared decisions
def error_from_response(response: httpx.Response, method: str, path: str) -> errors.APIStatusError:
    """The typed error for a 4xx/5xx response, carrying the server's words in all three body shapes."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    message, field_errors = errors.parse_error_body(body)
    cls = errors.status_error_class(response.status_code, message)
    reason = response.reason_phrase or ""
    text = f"{method.upper()} {path} -> {response.status_code} {reason}".rstrip()
    if message:
        text += f": {message}"
    return cls(
        text,
        status_code=response.status_code,
        body=body,
        field_errors=field_errors,
        response=response,
        method=method.upper(),
        path=path,
    )


def path_of(kwargs: dict[str, Any]) -> str:
    """The path of a request's URL, for error messages (parsed only when an error needs it)."""
    return urllib.parse.unquote(urllib.parse.urlsplit(str(kwargs["url"])).path)


def error_from_transport(exc: Exception, method: str, path: str) -> errors.APIConnectionError:
    kind = errors.APITimeoutError if isinstance(exc, httpx.TimeoutException) else errors.APIConnectionError
    return kind(
        f"{method.upper()} {path} failed: {type(exc).__name__}: {errors.redact(str(exc)) or 'no detail'}"
    )


class _Core:
    """What both drivers share: the generated client, request building and response handling."""

    def __init__(self, config: Config) -> None:
        from bria_tailored_api.client import Client

        self.config = config
        self.generated = Client(base_url=config.base_url, raise_on_unexpected_status=False)
        self.limiter = TokenBucket(config.requests_per_minute) if config.requests_per_minute else None
        self.policy = RetryPolicy(max_retries=config.max_retries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r})"

    def request_kwargs(self, op: Call | Fetch) -> dict[str, Any]:
        if isinstance(op, Fetch):
            return {"method": "GET", "url": op.url}
        kwargs = op.operation._get_kwargs(**op.kwargs)
        logger.debug("%s %s", kwargs["method"].upper(), kwargs["url"])
        return kwargs

    def finish(self, op: Call | Fetch, kwargs: dict[str, Any], response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise error_from_response(response, kwargs["method"], path_of(kwargs))
        if isinstance(op, Fetch) or op.raw:
            return response
        try:
            return op.operation._build_response(client=self.generated, response=response).parsed
        except (ValueError, KeyError, TypeError) as exc:
            path = path_of(kwargs)
            raise errors.APIStatusError(
                f"{kwargs['method'].upper()} {path} -> {response.status_code}: unreadable response ({exc})",
                status_code=response.status_code,
                body=response.text[:2000],
                response=response,
            ) from None

    def _transport_args(self) -> dict[str, Any]:
        return {
            "token": self.config.api_token,
            "user_agent": USER_AGENT,
            "policy": self.policy,
            "limiter": self.limiter,
        }


def _client_url(http: httpx.Client | httpx.AsyncClient, base_url: str) -> None:
    if not str(http.base_url):
        http.base_url = httpx.URL(base_url)


# -------------------------------------------------------------------------------------------- drivers
class SyncCore(_Core):
    """Runs plans by blocking (threads for concurrency)."""

    def __init__(self, config: Config, http_client: httpx.Client | None = None) -> None:
        super().__init__(config)
        self.owns_http = http_client is None
        if http_client is None:
            transport = BriaTransport(httpx.HTTPTransport(), **self._transport_args())
            http_client = httpx.Client(base_url=config.base_url, timeout=config.timeout, transport=transport)
        else:
            # Wrap the caller's transport so auth, limits and retries apply to their client as well.
            if not isinstance(http_client._transport, BriaTransport):
                http_client._transport = BriaTransport(http_client._transport, **self._transport_args())
            _client_url(http_client, config.base_url)
        self.http = http_client

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    def _run_factory(self, factory: Callable[[], Plan[Any]]) -> Any:
        return self.run(factory())

    def send(self, op: Call | Fetch) -> Any:
        kwargs = self.request_kwargs(op)
        try:
            response = self.http.request(**kwargs)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, kwargs["method"], path_of(kwargs)) from None
        return self.finish(op, kwargs, response)

    def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                op = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = self.execute(op)
            except (KeyboardInterrupt, SystemExit):
                plan.close()
                raise
            except Exception as exc:
                error = exc

    def execute(self, op: Any) -> Any:
        from . import polling

        if isinstance(op, (Call, Fetch)):
            return self.send(op)
        if isinstance(op, Sleep):
            time.sleep(op.seconds)
            return None
        if isinstance(op, Blocking):
            return op.fn(*op.args)
        if isinstance(op, Gather):
            return self._gather(op)
        if isinstance(op, Poll):
            return polling.poll_sync(
                lambda: self.run(op.check()),
                policy=op.policy,
                timeout=op.timeout,
                description=op.description,
                on_progress=op.on_progress,
            )
        if isinstance(op, PollMany):
            return polling.wait_many_sync(
                [functools.partial(self._run_factory, c) for c in op.checks],
                policy=op.policy,
                timeout=op.timeout,
                return_exceptions=op.return_exceptions,
                on_progress=op.on_progress,
                stats=op.stats,
            )
        raise TypeError(f"unknown plan operation {op!r}")

    def _gather(self, op: Gather) -> list[Any]:
        if not op.plans:
            return []
        workers = max(1, min(op.concurrency, len(op.plans)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bria") as pool:
            futures = [pool.submit(self.run, factory()) for factory in op.plans]
            results: list[Any] = []
            try:
                for future in futures:
                    try:
                        results.append(future.result())
                    except Exception as exc:
                        if not op.return_exceptions:
                            raise
                        results.append(exc)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return results


class AsyncCore(_Core):
    """Runs plans by awaiting (tasks for concurrency) on the caller's event loop."""

    def __init__(self, config: Config, http_client: httpx.AsyncClient | None = None) -> None:
        super().__init__(config)
        self.owns_http = http_client is None
        if http_client is None:
            transport = AsyncBriaTransport(httpx.AsyncHTTPTransport(), **self._transport_args())
            http_client = httpx.AsyncClient(
                base_url=config.base_url, timeout=config.timeout, transport=transport
            )
        else:
            if not isinstance(http_client._transport, AsyncBriaTransport):
                http_client._transport = AsyncBriaTransport(http_client._transport, **self._transport_args())
            _client_url(http_client, config.base_url)
        self.http = http_client

    async def close(self) -> None:
        if self.owns_http:
            await self.http.aclose()

    async def _run_factory(self, factory: Callable[[], Plan[Any]]) -> Any:
        return await self.run(factory())

    async def send(self, op: Call | Fetch) -> Any:
        kwargs = self.request_kwargs(op)
        try:
            response = await self.http.request(**kwargs)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, kwargs["method"], path_of(kwargs)) from None
        return self.finish(op, kwargs, response)

    async def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                op = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = await self.execute(op)
            except (KeyboardInterrupt, SystemExit, asyncio.CancelledError):
                plan.close()
                raise
            except Exception as exc:
                error = exc

    async def execute(self, op: Any) -> Any:
        from . import polling

        if isinstance(op, (Call, Fetch)):
            return await self.send(op)
        if isinstance(op, Sleep):
            await asyncio.sleep(op.seconds)
            return None
        if isinstance(op, Blocking):
            return await asyncio.to_thread(op.fn, *op.args)
        if isinstance(op, Gather):
            return await self._gather(op)
        if isinstance(op, Poll):
            return await polling.poll_async(
                lambda: self.run(op.check()),
                policy=op.policy,
                timeout=op.timeout,
                description=op.description,
                on_progress=op.on_progress,
            )
        if isinstance(op, PollMany):
            return await polling.wait_many_async(
                [functools.partial(self._run_factory, c) for c in op.checks],
                policy=op.policy,
                timeout=op.timeout,
                return_exceptions=op.return_exceptions,
                on_progress=op.on_progress,
                stats=op.stats,
            )
        raise TypeError(f"unknown plan operation {op!r}")

    async def _gather(self, op: Gather) -> list[Any]:
        semaphore = asyncio.Semaphore(max(1, op.concurrency))

        async def one(factory: Callable[[], Plan[Any]]) -> Any:
            async with semaphore:
                return await self.run(factory())

        tasks = [asyncio.ensure_future(one(factory)) for factory in op.plans]
        try:
            return list(await asyncio.gather(*tasks, return_exceptions=op.return_exceptions))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return json.loads(response.text or "null")
