"""Client-side rate limiting: one token bucket shared by every thread and asyncio task of a client.

The bucket hands out *reservations*: :meth:`TokenBucket.reserve` takes a token now (under a lock) and
says how long the caller must wait before using it. Sync callers sleep, async callers ``await`` the same
delay, so threads and tasks draw from one budget and the decision logic exists once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` requests per ``per`` seconds, with bursts of up to ``burst`` (default: one second's worth)."""

    def __init__(
        self,
        rate: float,
        per: float = 60.0,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"requests_per_minute={rate!r}: must be greater than 0")
        self.rate_per_second = rate / per
        self.per_minute = rate * 60.0 / per  # as configured, for comparing limits
        self.capacity = max(1.0, burst if burst is not None else 1.0)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._updated = clock()

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before the request may be sent (0 if none)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate_per_second)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate_per_second

    def reset_lock(self) -> None:
        """A fresh lock, in a forked child (the parent's may have been held by another thread)."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate_per_second * 60:g}/min)"
