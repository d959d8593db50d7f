"""The poller (bria_tailored.polling): schedule, Retry-After, deadline, cancellation, many-job waits.

No real sleeping: a fake clock is advanced by an injected sleep, and random sources are seeded.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import threading
from typing import Any

import pytest

from bria_tailored.errors import JobFailedError, ValidationError, WaitTimeoutError
from bria_tailored.polling import (
    BULK_UPLOAD,
    CAPTIONS,
    GENERATION,
    TRAINING,
    PollPolicy,
    PollResult,
    PollStats,
    Schedule,
    checks_needed,
    minimum_checks,
    poll_async,
    poll_sync,
    wait_many_async,
    wait_many_sync,
)

EXACT = GENERATION.replace(jitter=False)  # 1 s -> 15 s, sleeps exactly cap(n): 1, 2, 4, 8, 15, 15, ...


class FakeClock:
    """A monotonic clock that only moves when the injected sleep (or a slow fake check) moves it."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


class FakeJob:
    """A job that becomes terminal ``duration`` seconds after creation; each check may cost time."""

    def __init__(
        self,
        clock: FakeClock,
        duration: float,
        value: Any = "done",
        *,
        fail: bool = False,
        retry_after: float | None = None,
        check_cost: float = 0.0,
    ) -> None:
        self.clock = clock
        self.done_at = clock.now + duration
        self.value = value
        self.fail = fail
        self.retry_after = retry_after
        self.check_cost = check_cost
        self.calls = 0

    def __call__(self) -> PollResult[Any]:
        self.calls += 1
        self.clock.now += self.check_cost
        if self.clock.now >= self.done_at:
            if self.fail:
                raise JobFailedError("boom from the server", request_id="r1", code=500, status="ERROR")
            return PollResult.finished(self.value, status="COMPLETED")
        return PollResult.pending(status=f"IN_PROGRESS {self.calls}", retry_after=self.retry_after)

    async def acheck(self) -> PollResult[Any]:
        await asyncio.sleep(0)
        return self()


# ---------------------------------------------------------------------------------------------- policy


def test_presets() -> None:
    assert (GENERATION.min_interval, GENERATION.max_interval) == (1.0, 15.0)
    assert (CAPTIONS.min_interval, CAPTIONS.max_interval) == (2.0, 30.0)
    assert (BULK_UPLOAD.min_interval, BULK_UPLOAD.max_interval) == (2.0, 30.0)
    assert (TRAINING.min_interval, TRAINING.max_interval) == (15.0, 300.0)
    assert GENERATION.multiplier == 2.0 and GENERATION.jitter is True
    custom = TRAINING.replace(min_interval=5, max_interval=60)
    assert (custom.min_interval, custom.max_interval, TRAINING.min_interval) == (5.0, 60.0, 15.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_interval": 0, "max_interval": 1},
        {"min_interval": -1, "max_interval": 1},
        {"min_interval": 2, "max_interval": 1},
        {"min_interval": 1, "max_interval": float("inf")},
        {"min_interval": 1, "max_interval": 2, "multiplier": 0.5},
        {"min_interval": 1, "max_interval": 2, "max_retry_after": -1},
    ],
)
def test_policy_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PollPolicy(**kwargs)


def test_cap_grows_exponentially_to_max_without_overflow() -> None:
    assert [GENERATION.cap(n) for n in range(7)] == [1, 2, 4, 8, 15, 15, 15]
    assert GENERATION.cap(10**9) == 15.0
    assert PollPolicy(3, 3).cap(50) == 3.0
    assert PollPolicy(1, 10, multiplier=1).cap(50) == 1.0


# -------------------------------------------------------------------------------------------- schedule


def test_intervals_within_bounds_and_growing_on_average() -> None:
    attempts = 8
    per_attempt: list[list[float]] = [[] for _ in range(attempts)]
    for seed in range(400):
        schedule = Schedule(GENERATION, clock=lambda: 0.0, rng=random.Random(seed))
        for k in range(attempts):
            delay = schedule.next_delay()
            assert delay is not None
            assert GENERATION.min_interval <= delay <= GENERATION.cap(k) <= GENERATION.max_interval
            per_attempt[k].append(delay)
    means = [statistics.fmean(d) for d in per_attempt]
    assert means[0] == 1.0  # the first re-check is always min_interval later
    assert all(a < b for a, b in zip(means[:5], means[1:5], strict=False))  # grows while the cap grows
    for k, mean in enumerate(means):  # full jitter: mean ~ (min + cap) / 2
        assert mean == pytest.approx((1.0 + GENERATION.cap(k)) / 2, rel=0.1)


def test_jitter_present_and_seeded() -> None:
    def delays(policy: PollPolicy, seed: int) -> list[float]:
        schedule = Schedule(policy, clock=lambda: 0.0, rng=random.Random(seed))
        return [schedule.next_delay() or 0.0 for _ in range(10)]

    jittered = delays(GENERATION, 1)
    assert len(set(jittered[1:])) > 5  # not all equal
    assert jittered == delays(GENERATION, 1)  # reproducible with a seed
    assert jittered != delays(GENERATION, 2)
    assert delays(EXACT, 1) == [GENERATION.cap(k) for k in range(10)]  # jitter=False: exactly the cap


def test_schedule_rejects_negative_timeout() -> None:
    with pytest.raises(ValidationError):
        Schedule(GENERATION, timeout=-1)


# ------------------------------------------------------------------------------------------ poll_sync


def test_poll_sync_follows_backoff_and_returns_value() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 20, value={"image_url": "u"})
    stats = PollStats()
    result = poll_sync(job, policy=EXACT, clock=clock, sleep=clock.sleep, stats=stats)
    assert result == {"image_url": "u"}
    assert clock.sleeps == [1, 2, 4, 8, 15]  # checks at 0, 1, 3, 7, 15, 30
    assert job.calls == stats.checks == 6 == checks_needed(20, EXACT)
    assert stats.sleeps == 5 and stats.slept == 30 and stats.timeouts == 0


def test_on_progress_after_every_check_including_terminal() -> None:
    clock = FakeClock()
    seen: list[Any] = []
    poll_sync(FakeJob(clock, 3), policy=EXACT, clock=clock, sleep=clock.sleep, on_progress=seen.append)
    assert seen == ["IN_PROGRESS 1", "IN_PROGRESS 2", "COMPLETED"]


def test_retry_after_raises_the_delay() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 30, retry_after=7)
    poll_sync(job, policy=EXACT, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [7, 7, 7, 8, 15]  # max(retry_after, backoff); the backoff keeps advancing


def test_retry_after_capped_by_policy() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 50, retry_after=1000)
    poll_sync(job, policy=EXACT.replace(max_retry_after=20), clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [20, 20, 20]


def test_retry_after_never_past_the_deadline() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 1000, retry_after=50)
    with pytest.raises(WaitTimeoutError):
        poll_sync(job, policy=EXACT, timeout=10, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [10]
    assert job.calls == 2  # at 0 and at the deadline


def test_terminal_state_at_the_deadline_is_returned() -> None:
    clock = FakeClock(100.0)
    job = FakeJob(clock, 10)
    assert poll_sync(job, policy=EXACT, timeout=10, clock=clock, sleep=clock.sleep) == "done"
    assert clock.sleeps == [1, 2, 4, 3]  # the 8 s sleep is clipped so the final check is at the deadline
    assert clock.now == 110.0


def test_terminal_state_seen_by_a_check_that_ends_after_the_deadline_is_returned() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 3.4, check_cost=0.5)  # checks end at 0.5, 2.0, 3.5
    assert poll_sync(job, policy=EXACT, timeout=3, clock=clock, sleep=clock.sleep) == "done"
    assert clock.sleeps == [1.0, 1.0]  # second sleep clipped: 2.0 -> 3.0 (the deadline)
    assert clock.now == 3.5 and job.calls == 3


def test_never_terminal_raises_wait_timeout_with_last_status() -> None:
    clock = FakeClock(5.0)
    job = FakeJob(clock, 10**6)
    stats = PollStats()
    with pytest.raises(WaitTimeoutError) as info:
        poll_sync(
            job,
            policy=GENERATION,
            timeout=30,
            description="generation job abc123",
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(7),
            stats=stats,
        )
    err = info.value
    assert isinstance(err, TimeoutError)
    assert err.last_status == f"IN_PROGRESS {job.calls}"
    text = str(err)
    assert "generation job abc123" in text
    assert "30.0s" in text and "timeout 30s" in text
    assert "may still finish" in text and "do not resubmit" in text
    assert clock.now == pytest.approx(35.0)  # never slept past the deadline; final check right there
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert all(s <= GENERATION.max_interval for s in clock.sleeps)
    assert stats.timeouts == 1 and stats.checks == job.calls


def test_timeout_zero_checks_once() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 5)
    with pytest.raises(WaitTimeoutError):
        poll_sync(job, policy=EXACT, timeout=0, clock=clock, sleep=clock.sleep)
    assert job.calls == 1 and clock.sleeps == []
    assert poll_sync(FakeJob(clock, 0), policy=EXACT, timeout=0, clock=clock, sleep=clock.sleep) == "done"


def test_check_raising_job_failed_propagates() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 4, fail=True)
    with pytest.raises(JobFailedError, match="boom from the server") as info:
        poll_sync(job, policy=EXACT, clock=clock, sleep=clock.sleep)
    assert info.value.code == 500
    assert job.calls == 4 and len(clock.sleeps) == 3  # no sleep or check after the failure


def test_keyboard_interrupt_during_sleep_propagates_and_no_thread_is_started() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 10**6)
    threads_before = threading.active_count()

    def sleep(seconds: float) -> None:
        if len(clock.sleeps) == 2:
            raise KeyboardInterrupt
        clock.sleep(seconds)

    with pytest.raises(KeyboardInterrupt):
        poll_sync(job, policy=GENERATION, timeout=100, clock=clock, sleep=sleep)
    assert job.calls == 3
    assert threading.active_count() == threads_before


def test_keyboard_interrupt_during_check_propagates() -> None:
    def check() -> PollResult[None]:
        raise KeyboardInterrupt

    clock = FakeClock()
    with pytest.raises(KeyboardInterrupt):
        poll_sync(check, policy=GENERATION, clock=clock, sleep=clock.sleep)


def test_check_must_return_poll_result() -> None:
    with pytest.raises(TypeError, match="PollResult"):
        poll_sync(lambda: {"status": "COMPLETED"}, policy=GENERATION)  # type: ignore[arg-type,return-value]


def test_jittered_runs_never_beat_the_minimum() -> None:
    for seed in range(50):
        rng = random.Random(seed)
        clock = FakeClock()
        duration = rng.uniform(0, 200)
        job = FakeJob(clock, duration)
        poll_sync(job, policy=GENERATION, clock=clock, sleep=clock.sleep, rng=rng)
        assert job.calls >= checks_needed(duration, GENERATION)


# ----------------------------------------------------------------------------------------- poll_async


async def test_poll_async_shares_the_schedule_with_poll_sync() -> None:
    sync_clock, async_clock = FakeClock(), FakeClock()
    sync_progress: list[Any] = []
    async_progress: list[Any] = []
    value = poll_sync(
        FakeJob(sync_clock, 100, retry_after=3),
        policy=GENERATION,
        clock=sync_clock,
        sleep=sync_clock.sleep,
        rng=random.Random(42),
        on_progress=sync_progress.append,
    )
    async_value = await poll_async(
        FakeJob(async_clock, 100, retry_after=3).acheck,
        policy=GENERATION,
        clock=async_clock,
        sleep=async_clock.async_sleep,
        rng=random.Random(42),
        on_progress=async_progress.append,
    )
    assert value == async_value == "done"
    assert sync_clock.sleeps == async_clock.sleeps
    assert sync_progress == async_progress


async def test_poll_async_timeout_and_failure() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 10**6)
    with pytest.raises(WaitTimeoutError) as info:
        await poll_async(job.acheck, policy=EXACT, timeout=10, clock=clock, sleep=clock.async_sleep)
    assert info.value.last_status == "IN_PROGRESS 5" and clock.now == 10
    failing = FakeJob(clock, 2, fail=True)
    with pytest.raises(JobFailedError):
        await poll_async(failing.acheck, policy=EXACT, clock=clock, sleep=clock.async_sleep)


def _other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


async def test_poll_async_cancelled_during_sleep_leaves_nothing_running() -> None:
    calls = 0

    async def check() -> PollResult[None]:
        nonlocal calls
        calls += 1
        return PollResult.pending("IN_PROGRESS")

    # real asyncio.sleep (1 s minimum interval), cancelled long before it would end
    task = asyncio.create_task(poll_async(check, policy=GENERATION, timeout=60))
    for _ in range(5):
        await asyncio.sleep(0)
    assert calls == 1 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _other_tasks() == set()
    await asyncio.sleep(0)
    assert calls == 1


async def test_poll_async_cancelled_during_check_leaves_nothing_running() -> None:
    entered = asyncio.Event()
    cancelled = False

    async def check() -> PollResult[None]:
        nonlocal cancelled
        entered.set()
        try:
            await asyncio.Event().wait()  # a status call that never answers
        except asyncio.CancelledError:
            cancelled = True
            raise
        return PollResult.pending()

    task = asyncio.create_task(poll_async(check, policy=GENERATION))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled
    assert _other_tasks() == set()


# ------------------------------------------------------------------------------------------ wait_many


DURATIONS = [50.0, 3.0, 20.0, 0.0, 7.5, 200.0, 1.0]


def test_wait_many_sync_results_in_input_order() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(DURATIONS)]
    threads_before = threading.active_count()
    results = wait_many_sync(jobs, policy=GENERATION, clock=clock, sleep=clock.sleep, rng=random.Random(3))
    assert results == list(range(len(DURATIONS)))
    assert threading.active_count() == threads_before


async def test_wait_many_async_results_in_input_order() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=f"v{i}") for i, d in enumerate(DURATIONS)]
    results = await wait_many_async(
        [j.acheck for j in jobs],
        policy=GENERATION,
        clock=clock,
        sleep=clock.async_sleep,
        rng=random.Random(3),
    )
    assert results == [f"v{i}" for i in range(len(DURATIONS))]


def test_wait_many_sync_and_async_make_the_same_decisions() -> None:
    def run_sync() -> tuple[list[Any], list[float]]:
        clock = FakeClock()
        jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(DURATIONS)]
        out = wait_many_sync(jobs, policy=GENERATION, clock=clock, sleep=clock.sleep, rng=random.Random(9))
        return out, clock.sleeps

    async def run_async() -> tuple[list[Any], list[float]]:
        clock = FakeClock()
        jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(DURATIONS)]
        out = await wait_many_async(
            [j.acheck for j in jobs],
            policy=GENERATION,
            clock=clock,
            sleep=clock.async_sleep,
            rng=random.Random(9),
        )
        return out, clock.sleeps

    assert run_sync() == asyncio.run(run_async())


def test_wait_many_return_exceptions_collects_per_job_failures() -> None:
    clock = FakeClock()
    ok = FakeJob(clock, 5, value="ok")
    failing = FakeJob(clock, 2, fail=True)
    stuck = FakeJob(clock, 10**6)
    results = wait_many_sync(
        [ok, failing, stuck],
        policy=EXACT,
        timeout=60,
        return_exceptions=True,
        clock=clock,
        sleep=clock.sleep,
    )
    assert results[0] == "ok"
    assert isinstance(results[1], JobFailedError)
    assert isinstance(results[2], WaitTimeoutError)
    assert results[2].last_status == f"IN_PROGRESS {stuck.calls}"
    assert "job #2" in str(results[2]) and "do not resubmit" in str(results[2])
    assert clock.now == 60  # never slept past the deadline


async def test_wait_many_async_return_exceptions() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, 5, value="ok"), FakeJob(clock, 2, fail=True), FakeJob(clock, 10**6)]
    results = await wait_many_async(
        [j.acheck for j in jobs],
        policy=EXACT,
        timeout=60,
        return_exceptions=True,
        clock=clock,
        sleep=clock.async_sleep,
    )
    assert results[0] == "ok"
    assert isinstance(results[1], JobFailedError) and isinstance(results[2], WaitTimeoutError)


def test_wait_many_without_return_exceptions_raises_the_failure() -> None:
    clock = FakeClock()
    slow = FakeJob(clock, 100)
    failing = FakeJob(clock, 2, fail=True)
    with pytest.raises(JobFailedError):
        wait_many_sync([slow, failing], policy=EXACT, clock=clock, sleep=clock.sleep)
    assert clock.now == 3  # aborted at the failing check, the slow job was not waited for


def test_wait_many_deadline_raises_one_error_naming_unfinished_jobs() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, 10**6), FakeJob(clock, 30, value="late but seen"), FakeJob(clock, 10**6)]
    seen: list[tuple[int, Any]] = []
    with pytest.raises(WaitTimeoutError) as info:
        wait_many_sync(
            jobs,
            policy=EXACT,
            timeout=30,
            description=["gen req-a", "gen req-b", "gen req-c"],
            on_progress=lambda i, status: seen.append((i, status)),
            clock=clock,
            sleep=clock.sleep,
        )
    err = info.value
    assert set(err.last_status) == {0, 2}
    assert err.last_status[0] == f"IN_PROGRESS {jobs[0].calls}"
    assert "2 of 3" in str(err) and "gen req-a" in str(err) and "gen req-c" in str(err)
    assert (1, "COMPLETED") in seen  # terminal at the deadline's final check: counted as done
    assert clock.now == 30


async def test_wait_many_async_max_concurrent_checks() -> None:
    clock = FakeClock()
    in_flight = peak = 0

    def make(duration: float, value: int) -> Any:
        job = FakeJob(clock, duration, value=value)

        async def check() -> PollResult[Any]:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            in_flight -= 1
            return job()

        return check

    checks = [make(d, i) for i, d in enumerate([4.0] * 10)]
    results = await wait_many_async(
        checks, policy=EXACT, clock=clock, sleep=clock.async_sleep, max_concurrent_checks=3
    )
    assert results == list(range(10))
    assert peak == 3
    with pytest.raises(ValidationError):
        await wait_many_async(checks, policy=EXACT, max_concurrent_checks=0)


async def test_wait_many_async_cancelled_leaves_no_task_behind() -> None:
    started = 0
    cancelled = 0
    all_started = asyncio.Event()

    async def check() -> PollResult[None]:
        nonlocal started, cancelled
        started += 1
        if started == 4:
            all_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return PollResult.pending()

    task = asyncio.create_task(wait_many_async([check] * 4, policy=GENERATION, timeout=60))
    await all_started.wait()
    assert len(_other_tasks()) == 5  # the waiter and its 4 checks in flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled == 4
    assert _other_tasks() == set()


def test_wait_many_empty() -> None:
    assert wait_many_sync([], policy=GENERATION) == []
    assert asyncio.run(wait_many_async([], policy=GENERATION)) == []


# ------------------------------------------------------------------------------ stats and the minimum


def test_checks_needed_by_hand() -> None:
    # EXACT checks happen at 0, 1, 3, 7, 15, 30, 45, 60, 75, 90, 105, ...
    assert [checks_needed(d, GENERATION) for d in (0, 1, 1.5, 3, 7.1, 100)] == [1, 2, 3, 3, 5, 11]
    # past the deadline: checks up to and including the one clipped to the deadline (0..45, 50)
    assert checks_needed(100, GENERATION, timeout=50) == 8
    assert checks_needed(100, GENERATION, timeout=0) == 1
    assert minimum_checks([0, 1, 100], GENERATION) == 1 + 2 + 11
    with pytest.raises(ValidationError):
        checks_needed(-1, GENERATION)


def test_timed_out_wait_makes_exactly_the_minimum_without_jitter() -> None:
    clock = FakeClock()
    stats = PollStats()
    with pytest.raises(WaitTimeoutError):
        poll_sync(FakeJob(clock, 100), policy=EXACT, timeout=50, clock=clock, sleep=clock.sleep, stats=stats)
    assert stats.checks == checks_needed(100, EXACT, timeout=50) == 8


def test_wait_many_stats_against_minimum() -> None:
    rng = random.Random(2024)
    durations = [round(rng.uniform(0, 120), 2) for _ in range(100)]

    # without jitter and with instantaneous checks, the schedule makes exactly the minimum
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(durations)]
    stats = PollStats()
    results = wait_many_sync(jobs, policy=EXACT, clock=clock, sleep=clock.sleep, stats=stats)
    assert results == list(range(100))
    assert stats.checks == sum(j.calls for j in jobs) == minimum_checks(durations, EXACT)
    assert stats.per_job == [checks_needed(d, EXACT) for d in durations]

    # with jitter: never fewer, and within a small factor of the minimum
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(durations)]
    jittered = PollStats()
    wait_many_sync(jobs, policy=GENERATION, clock=clock, sleep=clock.sleep, rng=rng, stats=jittered)
    assert jittered.checks == sum(j.calls for j in jobs)
    assert all(n >= checks_needed(d, GENERATION) for n, d in zip(jittered.per_job, durations, strict=True))
    assert (
        minimum_checks(durations, GENERATION) <= jittered.checks <= 2 * minimum_checks(durations, GENERATION)
    )
