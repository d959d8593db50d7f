"""Plans: the one effect protocol of the SDK, and the four effects a plan may yield.

Every facade method, waiter and workflow is written once, as a *plan*: a generator that yields effects and
receives their results (or has their exception thrown in)::

    def plan() -> Plan[Project]:
        response = yield Send(request)          # -> httpx.Response (or raises httpx.TransportError)
        yield Sleep(0.5)                        # -> None
        data = yield Blocking(read_file, (p,))  # -> whatever read_file returns, run off the event loop
        both = yield Gather([plan_a, plan_b])   # -> [result of plan_a(), result of plan_b()]
        return ...

:mod:`bria_tailored._engine` runs a plan by blocking (``SyncEngine``) or by awaiting (``AsyncEngine``); that
is the only place where sync and async differ. Retries, rate limiting, polling of one job or of many are
ordinary plans built from these four effects (see :mod:`bria_tailored._request` and
:mod:`bria_tailored.polling`).

A plan starts running only when an engine sends it its first value, so everything a plan checks (argument
validation included) raises when the call is run: on the call for the sync client, at ``await`` for the
async one.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import httpx

T = TypeVar("T")

#: A generator of effects that returns ``T``. What is sent back in depends on the effect yielded.
Plan: TypeAlias = Generator["Effect", Any, T]


@dataclass(frozen=True)
class Send:
    """Send one HTTP request on the client's connection pool; the response comes back unread-checked."""

    request: httpx.Request


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` (``time.sleep`` or the event loop's sleep)."""

    seconds: float


@dataclass(frozen=True)
class Blocking:
    """Blocking work (storage I/O, file reads): run inline by the sync engine, in a worker thread by the
    async one, so the event loop never stalls."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Gather:
    """Run sub-plans concurrently (threads or tasks), at most ``concurrency`` at once; results in order.

    With ``return_exceptions=True`` a sub-plan's exception takes its place in the results; otherwise the
    first one cancels the rest and is raised.
    """

    plans: Sequence[Callable[[], Plan[Any]]]
    concurrency: int = 8
    return_exceptions: bool = False


Effect: TypeAlias = Send | Sleep | Blocking | Gather


def blocking(fn: Callable[..., T], *args: Any) -> Plan[T]:
    """A typed one-step plan: ``value = yield from blocking(fn, a, b)``."""
    value: T = yield Blocking(fn, args)
    return value


def gather(
    plans: Sequence[Callable[[], Plan[T]]], concurrency: int = 8
) -> Plan[list[T]]:
    """A typed plan running ``plans`` concurrently (exceptions propagate): ``yield from gather(...)``."""
    results: list[T] = yield Gather(plans, concurrency)
    return results


def gather_settled(
    plans: Sequence[Callable[[], Plan[T]]], concurrency: int = 8
) -> Plan[list[T | Exception]]:
    """Like :func:`gather`, with each failed sub-plan's exception in its slot of the results."""
    results: list[T | Exception] = yield Gather(plans, concurrency, return_exceptions=True)
    return results


def sleep(seconds: float) -> Plan[None]:
    """A typed one-step plan: ``yield from sleep(1.5)``."""
    yield Sleep(seconds)
