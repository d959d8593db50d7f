"""Fault and latency injection, deterministic under a seed.

A :class:`FaultInjector` draws from ``random.Random(seed)`` once per API request, in arrival order,
so the same sequence of requests meets the same faults. Kinds: ``"429"`` (with ``Retry-After``),
``"500"``, ``"503"`` and ``"drop"``: the connection is closed without any response.

An API operation only ever gets a status its spec entry documents (read from ``generated/openapi.json``
at run time, ``5XX`` ranges included): a drawn 429 on an operation that documents no 429 becomes another
configured kind it does document, or no fault (see :meth:`FaultInjector.decide`). File routes
(``fault_downloads``) are not spec operations and get any configured kind.

Dropping needs the server's transport, which ASGI does not expose. The outermost layer of the app
(see ``app.py``) keeps the server's own ``send`` in the scope; under uvicorn that is a bound method of
the connection's request/response cycle, which holds ``.transport``. When no transport can be found
(another server, or an in-process ASGI transport) :class:`ConnectionDropped` is raised instead, which
such clients also see as a failed request.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import Scope

from .options import SandboxOptions

__all__ = [
    "DROPPED_KEY",
    "ON_DROP_KEY",
    "RAW_SEND_KEY",
    "ConnectionDropped",
    "FaultInjector",
    "RateLimit",
    "drop_connection",
]

RAW_SEND_KEY = "bria_sandbox.raw_send"
#: Set in the scope of a request whose connection was dropped (the request log records status 0).
DROPPED_KEY = "bria_sandbox.dropped"
#: A callable in the scope, called just before the connection is dropped (the request log records it).
ON_DROP_KEY = "bria_sandbox.on_drop"


class ConnectionDropped(ConnectionError):
    """Raised to abort a response when the server's transport cannot be closed directly."""


async def drop_connection(scope: Scope) -> None:
    """Close the client's connection now (without or in the middle of a response)."""
    scope[DROPPED_KEY] = True
    on_drop = scope.get(ON_DROP_KEY)
    if on_drop is not None:
        on_drop()
    send = scope.get(RAW_SEND_KEY)
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "close"):
        raise ConnectionDropped("sandbox fault injection: connection dropped")
    transport.close()
    # Let the server notice the lost connection so it does not try to answer on it.
    for _ in range(3):
        await asyncio.sleep(0)


class FaultInjector:
    """Decides, request by request, whether to inject a fault (and which)."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self._random = random.Random(options.seed)
        self._lock = threading.Lock()
        self._download_dropped = False
        self.injected: list[str] = []

    def decide(self, documents: Callable[[int], bool] | None = None) -> str | None:
        """The fault for the next request, or ``None``. Always draws twice, so kinds do not shift rates.

        With ``documents`` (the operation's :meth:`~.spec.Operation.documents`), only a status the
        operation documents is injected: a drawn kind it does not document is replaced by another
        configured kind of the same class it does (503 → 500), else by any configured kind it does
        (``"drop"`` always qualifies: there is no answer), else no fault at all."""
        if self.options.fail_rate <= 0:
            return None
        with self._lock:
            hit = self._random.random() < self.options.fail_rate
            drawn = self._random.choice(self.options.fail_kinds)
            kind = self._documented(drawn, documents) if documents is not None else drawn
            if not hit or kind is None:
                return None
            self.injected.append(kind)
            return kind

    def _documented(self, kind: str, documents: Callable[[int], bool]) -> str | None:
        def usable(candidate: str) -> bool:
            return candidate == "drop" or documents(int(candidate))

        if usable(kind):
            return kind
        kinds = self.options.fail_kinds
        same_class = [k for k in kinds if k != "drop" and k[0] == kind[0] and usable(k)]
        return next(iter(same_class or [k for k in kinds if usable(k)]), None)

    def download_cut(self, start: int, end: int) -> int | None:
        """How many bytes of a download serving ``[start, end)`` to send before cutting it (once)."""
        limit = self.options.drop_download_after_bytes
        if limit is None:
            return None
        with self._lock:
            if self._download_dropped or end - start <= limit:
                return None
            self._download_dropped = True
            return limit

    async def delay(self) -> None:
        if self.options.latency_ms > 0:
            await asyncio.sleep(self.options.latency_ms / 1000)


class RateLimit:
    """``rate_limit`` requests per minute per token, over a sliding 60-second window (real time).

    :meth:`admit` counts an accepted request and returns ``None``, or returns the ``Retry-After`` seconds
    of a request over the limit (which is not counted). ``rejected`` counts those 429s.
    """

    WINDOW = 60.0

    def __init__(self, options: SandboxOptions, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = options.rate_limit
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}
        self.rejected = 0

    def admit(self, token: str) -> int | None:
        if self.limit is None:
            return None
        with self._lock:
            now = self.clock()
            seen = self._seen.setdefault(token, deque())
            while seen and seen[0] <= now - self.WINDOW:
                seen.popleft()
            if len(seen) + 1 > self.limit:
                self.rejected += 1
                return max(1, math.ceil(seen[0] + self.WINDOW - now))
            seen.append(now)
            return None
