"""The request log: what really reached the sandbox, for tests and benchmarks to count.

Every HTTP request outside ``/_sandbox/`` is recorded, whatever the answer: an operation's own status,
400/401/404/405/413/421, a rate-limit 429, an injected fault (a dropped connection is status ``0``: no
response was sent). It is recorded as its answer starts, before the client can read it (or just before its
connection is dropped), so a client that has its answer finds it in the log. ``/_sandbox/*`` requests
(health, files, this log) are not recorded. An entry (:class:`RequestEntry`) is::

    {"t": 1767225600.123456, "method": "GET", "path": "/v2/status/abc", "operation": "get-status",
     "status": 200, "token": "9f86d081884c7d65"}

``t`` is the wall-clock time (epoch seconds) the answer started, strictly increasing along the log,
so ``since=<the last t you saw>`` returns exactly what is new; ``operation`` is the spec's operationId
(``null`` when the request matched no operation: 404, 405, 421); ``token`` is the first 16 hex digits of
the SHA-256 of the ``api_token`` header (``null`` without one), never the token itself.

The log keeps the last ``request_log_size`` entries (a ``deque``; ``dropped`` counts the ones evicted),
so a long-running sandbox does not grow without bound. Recording is one lock and one tuple per request;
token hashes are cached. Read it over HTTP (``GET /_sandbox/requests?since=T&operation=ID``, no token
needed) or in process (``app.request_log.entries(since=..., operation=...)``).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from functools import lru_cache
from itertools import takewhile
from typing import TypedDict

__all__ = ["OPERATION_KEY", "RequestEntry", "RequestLog", "token_hash"]

#: Where an operation endpoint leaves its operationId in the ASGI scope, for the log to read.
OPERATION_KEY = "bria_sandbox.operation"

_Row = tuple[float, str, str, str | None, int, str | None]


class RequestEntry(TypedDict):
    """One request as the log keeps it (also the JSON of ``GET /_sandbox/requests``)."""

    t: float
    method: str
    path: str
    operation: str | None
    status: int
    token: str | None


@lru_cache(maxsize=1024)
def _hash(token: bytes) -> str:
    return hashlib.sha256(token).hexdigest()[:16]


def token_hash(token: str | bytes | None) -> str | None:
    """How the log names an ``api_token``: the first 16 hex digits of its SHA-256 (``None`` when absent
    or empty). Compute the same for a token of yours to find its requests."""
    if not token:
        return None
    if isinstance(token, bytes):
        return _hash(token)
    try:
        return _hash(token.encode("latin-1"))  # how HTTP carries a header (and Starlette decodes it)
    except UnicodeEncodeError:
        return _hash(token.encode())


def api_token_of(raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The ``api_token`` header of an ASGI scope's headers (``None`` when absent)."""
    for key, value in raw_headers:
        if key == b"api_token":
            return value
    return None


class RequestLog:
    """The last ``maxlen`` requests the sandbox answered (thread-safe; see the module docstring).

    ``entries(since=None, operation=None)`` lists them oldest first, ``dropped`` counts the entries the
    bound evicted, ``len(log)`` is how many it holds.
    """

    def __init__(self, maxlen: int = 200_000, clock: Callable[[], float] = time.time) -> None:
        if maxlen < 0:
            raise ValueError(f"request_log_size must be >= 0, got {maxlen!r}")
        self.maxlen = maxlen
        self.clock = clock
        self._rows: deque[_Row] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._last = -math.inf
        self._dropped = 0

    def record(
        self, method: str, path: str, operation: str | None, status: int, token: bytes | str | None
    ) -> None:
        """Add one answered request (``status`` 0: no response was sent); ``token`` is the raw header."""
        hashed = token_hash(token)
        with self._lock:
            now = self.clock()
            if now <= self._last:  # a clock stepping back, or two answers in the same tick
                now = math.nextafter(self._last, math.inf)
            self._last = now
            if len(self._rows) == self.maxlen:
                self._dropped += 1
            self._rows.append((now, method, path, operation, status, hashed))

    @property
    def dropped(self) -> int:
        """How many entries the bound has evicted (the oldest go first)."""
        return self._dropped

    def __len__(self) -> int:
        return len(self._rows)

    def entries(
        self, since: float | None = None, operation: str | Collection[str] | None = None
    ) -> list[RequestEntry]:
        """The entries, oldest first: only those with ``t > since`` when given, and only those of
        ``operation`` (an operationId, or several) when given."""
        return self.read(since, operation)[0]

    def read(
        self, since: float | None = None, operation: str | Collection[str] | None = None
    ) -> tuple[list[RequestEntry], int]:
        """:meth:`entries` and :attr:`dropped`, taken together."""
        with self._lock:
            if since is None:
                rows = list(self._rows)
            else:  # ``t`` strictly increases along the log: walk back from the newest entry
                rows = list(takewhile(lambda row: row[0] > since, reversed(self._rows)))
                rows.reverse()
            dropped = self._dropped
        if operation is not None:
            wanted = {operation} if isinstance(operation, str) else set(operation)
            rows = [row for row in rows if row[3] in wanted]
        return [
            {"t": t, "method": method, "path": path, "operation": op, "status": status, "token": token}
            for t, method, path, op, status, token in rows
        ], dropped
