"""The Redis rate limiter against a real ``redis-server``: one atomic decision per request, one limit for
several processes (counted from Redis itself and from the requests' send times), 429s slowing the whole
fleet, and what happens when Redis cannot be reached."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Sequence

import pytest
from batch_support import child_env, free_port

from bria_tailored import TailoredClient
from bria_tailored.ratelimit import HEADROOM, RateLimiterUnavailableError, limiter_key
from bria_tailored.ratelimits.redis_limiter import RedisLimiter
from bria_tailored.sandbox import create_app, run_sandbox


def most_in_any_window(times: Sequence[float], window: float) -> int:
    ordered = sorted(times)
    best = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_one_atomic_decision_per_request_and_429s_hold_back_everyone(redis_url: str) -> None:
    key = uuid.uuid4().hex
    first = RedisLimiter(redis_url, requests_per_minute=600, key=key)
    second = RedisLimiter(redis_url, requests_per_minute=600, key=key)  # another process, same token
    interval = 1 / (10 * HEADROOM)
    assert first.reserve() == 0.0
    assert second.reserve() == pytest.approx(interval, abs=0.02)  # the token the first one took is gone
    assert first.reserve() == pytest.approx(2 * interval, abs=0.03)
    second.throttled(3.0)  # a 429 seen by one process...
    assert first.reserve() >= 2.9  # ...holds back the other
    assert float(first.client.hget(first.bucket_key, "factor") or 0) == pytest.approx(0.5, abs=0.01)
    now = time.time()
    assert sum(first.grants(now - 60, now + 60).values()) == 4
    other = RedisLimiter(redis_url, requests_per_minute=600, key=uuid.uuid4().hex)  # another token
    assert other.reserve() == 0.0
    assert "password" not in repr(
        RedisLimiter("redis://:password@127.0.0.1:1/0", requests_per_minute=1, key="k")
    )


_WORKER = """
import json, sys, time
import httpx
from bria_tailored import TailoredClient
url, token, rpm, limiter, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
sent = []
http = httpx.Client(timeout=30, event_hooks={"request": [lambda request: sent.append(time.time())]})
with TailoredClient(token, base_url=url, requests_per_minute=rpm, rate_limit_url=limiter, http_client=http) as client:
    for _ in range(count):
        client.projects.list()
print(json.dumps(sent))
"""


def test_several_processes_share_one_limit(redis_url: str) -> None:
    rpm, processes, each = 600.0, 4, 12
    token = f"fleet-{uuid.uuid4().hex}"
    rate = rpm / 60 * HEADROOM
    app = create_app(rate_limit=rpm)
    with run_sandbox(app=app) as url:
        started = time.time()
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, url, token, str(rpm), redis_url, str(each)],
                stdout=subprocess.PIPE,
                text=True,
                env=child_env(),
            )
            for _ in range(processes)
        ]
        sent: list[float] = []
        for worker in workers:
            out, _ = worker.communicate(timeout=120)
            assert worker.returncode == 0
            sent.extend(json.loads(out))
    total = processes * each
    assert len(sent) == total and app.rate_limit.rejected == 0  # not one 429
    # From Redis itself: the tokens granted per second of use, over every 3-second window.
    limiter = RedisLimiter(redis_url, requests_per_minute=rpm, key=limiter_key(token, url))
    grants = limiter.grants(started - 5, time.time() + 5)
    assert sum(grants.values()) == total
    seconds = range(min(grants), max(grants) + 1)
    busiest = max(sum(grants.get(s + i, 0) for i in range(3)) for s in seconds)
    assert busiest <= rate * 3 + 2  # 3 s of the shared rate, the bucket's one token and a second boundary
    # From the requests' send times, with room for process scheduling: the fleet kept to one limit, not four.
    assert most_in_any_window(sent, 3.0) <= rate * 3 + 3
    assert max(sent) - min(sent) >= (total - 2) / rate * 0.9


def test_unreachable_redis_falls_back_to_the_local_limiter_or_fails_closed() -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"
    with run_sandbox() as url:
        with TailoredClient("tok", base_url=url, requests_per_minute=600, rate_limit_url=down) as client:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                client.projects.list()
                client.projects.list()  # the fallback stays in use (one warning)
            assert [str(w.message) for w in caught if "unreachable" in str(w.message)][:1]
            assert sum("unreachable" in str(w.message) for w in caught) == 1
        closed = down + "?on_error=fail"
        with TailoredClient("tok", base_url=url, requests_per_minute=600, rate_limit_url=closed) as client:
            with pytest.raises(RateLimiterUnavailableError, match="was not sent"):
                client.projects.list()
