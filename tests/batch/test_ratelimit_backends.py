"""Rate limiter backends: chosen by URL scheme through the ``bria_tailored_rate_limiters`` hook, validated in
the client's configuration, run off the event loop when they do I/O, slowed down by 429s (AIMD); and the
sandbox's own per-token limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import ClassVar

import httpx
import pytest

from bria_tailored import AsyncTailoredClient, TailoredClient
from bria_tailored.errors import RateLimitError, ValidationError
from bria_tailored.plugins import get_plugin_manager, hookimpl, reset_plugin_manager
from bria_tailored.ratelimit import (
    HEADROOM,
    RATE_LIMIT_ENV,
    RateLimiter,
    TokenBucket,
    rate_limiter_backends,
)
from bria_tailored.ratelimits.redis_limiter import RedisLimiter
from bria_tailored.sandbox import run_sandbox


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recording(RateLimiter):
    """A limiter that does "I/O": records the thread of every call."""

    schemes = ("recording",)
    blocking = True
    instances: ClassVar[list[Recording]] = []

    def __init__(self, url: str, requests_per_minute: float, key: str) -> None:
        self.url, self.per_minute, self.key = url, requests_per_minute, key
        self.threads: list[int] = []
        self.throttles: list[float | None] = []
        Recording.instances.append(self)

    @classmethod
    def from_url(cls, url: str, *, requests_per_minute: float, key: str) -> Recording:
        return cls(url, requests_per_minute, key)

    def reserve(self) -> float:
        self.threads.append(threading.get_ident())
        return 0.0

    def throttled(self, retry_after: float | None) -> None:
        self.throttles.append(retry_after)


class RecordingPlugin:
    @hookimpl
    def bria_tailored_rate_limiters(self) -> list[type[RateLimiter]]:
        return [Recording]


@pytest.fixture
def recording_plugin() -> Iterator[None]:
    reset_plugin_manager()
    plugin = RecordingPlugin()
    get_plugin_manager().register(plugin, name="recording-limiter")
    Recording.instances.clear()
    yield
    reset_plugin_manager()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RATE_LIMIT_ENV, raising=False)


# ------------------------------------------------------------------------------------- the in-process one
def test_token_bucket_backs_off_on_429_and_climbs_back() -> None:
    clock = Clock()
    bucket = TokenBucket(60, clock=clock)  # one per second
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(1.0)
    bucket.throttled(5.0)  # a 429 with Retry-After: 5
    assert bucket.factor == 0.5
    assert bucket.reserve() >= 5.0  # nobody sends before Retry-After
    bucket.throttled(None)  # a second 429 of the same burst: no second halving
    assert bucket.factor > 0.5
    clock.now += 3600
    for _ in range(40):
        bucket.reserve()
    assert 0.5 < bucket.factor <= 1.0
    for _ in range(40):
        bucket.reserve()
    assert bucket.factor == 1.0


def test_a_clients_limiter_aims_just_under_its_limit() -> None:
    with TailoredClient("t", base_url="http://127.0.0.1:9", requests_per_minute=600) as client:
        limiter = client._pool.limiter
        assert isinstance(limiter, TokenBucket)
        assert limiter.per_minute == 600 and limiter.rate_per_second == pytest.approx(10 * HEADROOM)


# ------------------------------------------------------------------------------ choosing a backend by URL
def test_builtin_backends_by_scheme() -> None:
    table = rate_limiter_backends()
    assert (
        table["local"] is TokenBucket and table["redis"] is RedisLimiter and table["rediss"] is RedisLimiter
    )


def test_rate_limit_url_is_validated_with_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://127.0.0.1:9"
    with pytest.raises(ValidationError, match="no rate limiter handles memcached://"):
        TailoredClient("t", base_url=url, requests_per_minute=60, rate_limit_url="memcached://h:1")
    with pytest.raises(ValidationError, match="needs requests_per_minute"):
        TailoredClient("t", base_url=url, rate_limit_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ValidationError) as caught:
        TailoredClient("t", base_url=url, requests_per_minute=60, rate_limit_url="nope://:hunter22@h/0")
    assert "hunter22" not in str(caught.value)
    with TailoredClient("t", base_url=url, requests_per_minute=60, rate_limit_url="local://") as client:
        assert isinstance(client._pool.limiter, TokenBucket)
    # The variable names the shared limiter of every client that has a limit; without one it is ignored.
    monkeypatch.setenv(RATE_LIMIT_ENV, "memcached://h:1")
    with pytest.raises(ValidationError, match=RATE_LIMIT_ENV):
        TailoredClient("t", base_url=url, requests_per_minute=60)
    with TailoredClient("t", base_url=url) as client:
        assert client._pool.limiter is None


def test_a_plugin_backend_is_chosen_by_scheme_and_shared_by_with_options_copies(
    recording_plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RATE_LIMIT_ENV, "recording://fleet")
    with run_sandbox(job_seconds=0.05) as url:
        with TailoredClient("tok", base_url=url, requests_per_minute=120) as client:
            client.projects.list()
            client.with_options(timeout=5.0).projects.list()
            faster = client.with_options(requests_per_minute=240)
            faster.projects.list()
        first, second = Recording.instances
        assert first.url == "recording://fleet" and first.per_minute == 120 and len(first.threads) == 2
        assert second.per_minute == 240 and len(second.threads) == 1  # same backend for a copy's own rate
        assert "tok" not in first.key and len(first.key) == 32  # a hash, never the token


async def test_a_blocking_limiter_runs_off_the_event_loop(recording_plugin: None) -> None:
    with run_sandbox(job_seconds=0.05) as url:
        async with AsyncTailoredClient(
            "tok", base_url=url, requests_per_minute=600, rate_limit_url="recording://x"
        ) as client:
            await client.projects.list()
            await client.projects.list()
    (limiter,) = Recording.instances
    assert len(limiter.threads) == 2 and threading.get_ident() not in limiter.threads


def test_a_429_reaches_the_limiter(recording_plugin: None) -> None:
    with run_sandbox(rate_limit=2) as url:
        with TailoredClient(
            "tok", base_url=url, requests_per_minute=600, rate_limit_url="recording://x", max_retries=0
        ) as client:
            client.projects.list()
            client.projects.list()
            with pytest.raises(RateLimitError):
                client.projects.list()
    (limiter,) = Recording.instances
    assert len(limiter.throttles) == 1 and (limiter.throttles[0] or 0) > 0


# ------------------------------------------------------------------------------------ the sandbox's limit
def test_the_sandbox_limits_requests_per_token_per_minute() -> None:
    with run_sandbox(rate_limit=3) as url:
        headers = {"api_token": "a"}
        with httpx.Client(base_url=url, headers=headers) as http:
            codes = [http.get("/v2/status/abc").status_code for _ in range(4)]
            assert 429 not in codes[:3] and codes[3] == 429
            limited = http.get("/v2/status/abc")
            assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
            other = http.get("/v2/status/abc", headers={"api_token": "b"})  # per token
            assert other.status_code != 429
