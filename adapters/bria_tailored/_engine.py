"""The two engines that run plans: :class:`SyncEngine` blocks, :class:`AsyncEngine` awaits.

This module is the only place where ``TailoredClient`` and ``AsyncTailoredClient`` differ. Each engine
turns the four effects of :mod:`bria_tailored._plan` into real work:

============  ============================================  ================================================
effect        SyncEngine                                    AsyncEngine (anyio: asyncio or trio)
============  ============================================  ================================================
``Send``      ``httpx.Client.send``                         ``await httpx.AsyncClient.send``
``Sleep``     ``time.sleep``                                ``await anyio.sleep``
``Blocking``  called inline                                 ``anyio.to_thread.run_sync`` (loop stays free)
``Gather``    a thread pool (inline for one sub-plan)       a task group with a semaphore
============  ============================================  ================================================

An exception raised by an effect is thrown into the plan at its ``yield``, so a plan handles errors with
ordinary ``try``/``except``. ``KeyboardInterrupt``, ``SystemExit`` and cancellation close the plan and
propagate at once.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import httpx

from ._plan import Blocking, Effect, Gather, Plan, Send, Sleep

T = TypeVar("T")

SyncSend = Callable[[httpx.Request], httpx.Response]
AsyncSend = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _no_http(request: httpx.Request) -> httpx.Response:
    raise RuntimeError(f"this engine has no HTTP client (plan tried to send {request.method} {request.url})")


async def _no_http_async(request: httpx.Request) -> httpx.Response:
    return _no_http(request)


class SyncEngine:
    """Runs plans in the calling thread; ``Gather`` uses worker threads."""

    def __init__(self, send: SyncSend = _no_http, sleep: Callable[[float], object] = time.sleep) -> None:
        self.send = send
        self.sleep = sleep

    def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            value, error = None, None
            try:
                value = self.execute(effect)
            except (KeyboardInterrupt, SystemExit):
                plan.close()
                raise
            except Exception as exc:
                error = exc

    def execute(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.send(effect.request)
        if isinstance(effect, Sleep):
            if effect.seconds > 0:
                self.sleep(effect.seconds)
            return None
        if isinstance(effect, Blocking):
            return effect.fn(*effect.args)
        if isinstance(effect, Gather):
            return self._gather(effect)
        raise TypeError(f"a plan yielded {effect!r}, which is not an effect of bria_tailored._plan")

    def _gather(self, effect: Gather) -> list[Any]:
        if len(effect.plans) <= 1 or effect.concurrency <= 1:
            return [self._settle(factory, effect.return_exceptions) for factory in effect.plans]
        workers = min(effect.concurrency, len(effect.plans))
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bria")
        # Each worker runs in a copy of the caller's context (contextvars reach sub-plans, as with tasks).
        futures = [
            pool.submit(contextvars.copy_context().run, self._settle, factory, effect.return_exceptions)
            for factory in effect.plans
        ]
        try:
            results = [future.result() for future in futures]
        except BaseException:
            # Ctrl-C or a failed sub-plan: return at once. Sub-plans not started are cancelled; the ones in
            # flight end on their own (each HTTP call is bounded by the client's timeout).
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return results

    def _settle(self, factory: Callable[[], Plan[Any]], return_exceptions: bool) -> Any:
        try:
            return self.run(factory())
        except Exception as exc:
            if not return_exceptions:
                raise
            return exc


class AsyncEngine:
    """Runs plans on the caller's event loop (asyncio or trio, through anyio); ``Gather`` uses tasks."""

    def __init__(
        self, send: AsyncSend = _no_http_async, sleep: Callable[[float], Awaitable[object]] = anyio.sleep
    ) -> None:
        self.send = send
        self.sleep = sleep

    async def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        cancelled = anyio.get_cancelled_exc_class()
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            value, error = None, None
            try:
                value = await self.execute(effect)
            except (KeyboardInterrupt, SystemExit, cancelled):
                plan.close()
                raise
            except Exception as exc:
                error = exc

    async def execute(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self.send(effect.request)
        if isinstance(effect, Sleep):
            await self.sleep(max(0.0, effect.seconds))
            return None
        if isinstance(effect, Blocking):
            fn, args = effect.fn, effect.args
            return await anyio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=False)
        if isinstance(effect, Gather):
            return await self._gather(effect)
        raise TypeError(f"a plan yielded {effect!r}, which is not an effect of bria_tailored._plan")

    async def _gather(self, effect: Gather) -> list[Any]:
        if len(effect.plans) == 1:
            return [await self._settle(effect.plans[0], effect.return_exceptions)]
        results: list[Any] = [None] * len(effect.plans)
        limit = anyio.Semaphore(max(1, effect.concurrency))

        async def one(i: int, factory: Callable[[], Plan[Any]]) -> None:
            async with limit:
                results[i] = await self._settle(factory, effect.return_exceptions)

        try:
            async with anyio.create_task_group() as group:
                for i, factory in enumerate(effect.plans):
                    group.start_soon(one, i, factory)
        except BaseExceptionGroup as group_error:
            # A sub-plan failed (return_exceptions=False): the group cancelled its siblings; raise the
            # first real error as itself, not wrapped in a group.
            raise _first_error(group_error) from None
        return results

    async def _settle(self, factory: Callable[[], Plan[Any]], return_exceptions: bool) -> Any:
        try:
            return await self.run(factory())
        except Exception as exc:
            if not return_exceptions:
                raise
            return exc


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)  # pyright: ignore[reportUnknownArgumentType]
        if not isinstance(exc, anyio.get_cancelled_exc_class()):
            return exc
    return group.exceptions[0]
