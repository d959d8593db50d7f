"""The poller (bria_tailored.polling): schedule, Retry-After, deadline, cancellation, many-job waits.

``poll`` and ``wait_many`` are plans (:mod:`bria_tailored._plan`): a check is a zero-argument callable
returning a plan of a ``PollResult``, and an engine runs the wait (``SyncEngine`` blocks, ``AsyncEngine``
awaits, on asyncio or trio). No real sleeping: the engine's injected sleep advances a fake clock, the plan
reads that clock, and random sources are seeded.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import statistics
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
import pytest
import trio
import trio.testing

from bria_tailored._engine import AsyncEngine, SyncEngine
from bria_tailored._plan import Plan, Sleep
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
    poll,
    wait_many,
)

R = TypeVar("R")

#: The schedule these tests work through (BACKOFF's before it got a steady phase): 1 s doubling to 15 s.
BACKOFF = PollPolicy(1.0, 15.0)
EXACT = BACKOFF.replace(jitter=False)  # 1 s -> 15 s, sleeps exactly cap(n): 1, 2, 4, 8, 15, 15, ...


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
        await anyio.sleep(0)  # a real checkpoint of whichever event loop runs us (asyncio or trio)


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


def as_plan(fn: Callable[[], R]) -> Callable[[], Plan[R]]:
    """A plain callable check as a check plan factory: each plan calls ``fn`` and returns at once."""

    def plan() -> Plan[R]:
        return fn()
        yield  # unreachable: makes ``plan`` a generator (a plan of no effects)

    return plan


def as_plans(fns: Sequence[Callable[[], R]]) -> list[Callable[[], Plan[R]]]:
    return [as_plan(fn) for fn in fns]


def run_sync(plan: Plan[R], clock: FakeClock) -> R:
    return SyncEngine(sleep=clock.sleep).run(plan)


async def run_async(plan: Plan[R], clock: FakeClock) -> R:
    return await AsyncEngine(sleep=clock.async_sleep).run(plan)


def is_closed(plan: Plan[Any]) -> bool:
    return inspect.getgeneratorstate(plan) == inspect.GEN_CLOSED


# ---------------------------------------------------------------------------------------------- policy


def test_presets() -> None:
    assert (GENERATION.min_interval, GENERATION.max_interval) == (1.5, 15.0)
    assert (GENERATION.steady, GENERATION.steady_interval) == (10, 2.0)
    assert (CAPTIONS.min_interval, CAPTIONS.max_interval) == (2.0, 30.0)
    assert (BULK_UPLOAD.min_interval, BULK_UPLOAD.max_interval) == (2.0, 30.0)
    assert (TRAINING.min_interval, TRAINING.max_interval) == (15.0, 300.0)
    assert GENERATION.multiplier == 2.0 and GENERATION.jitter is True
    assert CAPTIONS.steady == BULK_UPLOAD.steady == TRAINING.steady == 0
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
        {"min_interval": 1, "max_interval": 2, "steady": -1},
        {"min_interval": 1, "max_interval": 2, "steady": 1.5},
        {"min_interval": 1, "max_interval": 2, "steady": True},
        {"min_interval": 1, "max_interval": 2, "steady_interval": 0},
    ],
)
def test_policy_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PollPolicy(**kwargs)


def test_cap_grows_exponentially_to_max_without_overflow() -> None:
    assert [BACKOFF.cap(n) for n in range(7)] == [1, 2, 4, 8, 15, 15, 15]
    assert BACKOFF.cap(10**9) == 15.0
    assert PollPolicy(3, 3).cap(50) == 3.0
    assert PollPolicy(1, 10, multiplier=1).cap(50) == 1.0


def test_steady_phase_comes_first_then_the_backoff() -> None:
    assert [GENERATION.cap(n) for n in range(14)] == [1.5] + [2.0] * 10 + [4.0, 8.0, 15.0]
    assert GENERATION.cap(10**9) == 15.0
    schedule = Schedule(GENERATION, clock=lambda: 0.0, rng=random.Random(5))
    delays = [schedule.next_delay() for _ in range(14)]
    assert delays[:10] == [1.5] + [2.0] * 9  # the steady phase has no jitter
    assert all(d is not None and 1.5 <= d <= GENERATION.cap(k) for k, d in enumerate(delays))
    # without jitter the checks are at 0, 1.5, 3.5, ..., 19.5, then 21.5, 25.5, 33.5, 48.5
    assert [checks_needed(d, GENERATION) for d in (0, 1.5, 2, 19.5, 20, 25, 33)] == [1, 2, 3, 11, 12, 13, 14]
    plain = BACKOFF.replace(steady=3)  # steady_interval unset: the steady phase stays at min_interval
    assert [plain.cap(n) for n in range(6)] == [1.0, 1.0, 1.0, 1.0, 2.0, 4.0]
    assert BACKOFF.replace(steady_interval=4.0).cap(0) == 4.0  # no steady phase: the backoff starts at 4


@pytest.mark.parametrize("steady_interval", [0.5, 16, -1, float("nan")])
def test_steady_interval_lies_between_the_bounds(steady_interval: float) -> None:
    with pytest.raises(ValidationError):
        PollPolicy(1, 15, steady=3, steady_interval=steady_interval)


def test_wait_many_with_the_generation_preset_checks_every_two_seconds_at_first() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate([0.5, 5.0, 9.0, 25.0])]
    stats = PollStats()
    plan = wait_many(as_plans(jobs), policy=GENERATION, clock=clock, stats=stats, rng=random.Random(1))
    assert run_sync(plan, clock) == [0, 1, 2, 3]
    assert stats.per_job[:3] == [2, 4, 6] and clock.sleeps[:3] == [1.5, 2.0, 2.0]  # seen 0.5-1 s late
    assert stats.per_job[3] >= checks_needed(25.0, GENERATION) == 13  # 0, 1.5, ..., 19.5, 21.5, 25.5


# -------------------------------------------------------------------------------------------- schedule


def test_intervals_within_bounds_and_growing_on_average() -> None:
    attempts = 8
    per_attempt: list[list[float]] = [[] for _ in range(attempts)]
    for seed in range(400):
        schedule = Schedule(BACKOFF, clock=lambda: 0.0, rng=random.Random(seed))
        for k in range(attempts):
            delay = schedule.next_delay()
            assert delay is not None
            assert BACKOFF.min_interval <= delay <= BACKOFF.cap(k) <= BACKOFF.max_interval
            per_attempt[k].append(delay)
    means = [statistics.fmean(d) for d in per_attempt]
    assert means[0] == 1.0  # the first re-check is always min_interval later
    assert all(a < b for a, b in zip(means[:5], means[1:5], strict=False))  # grows while the cap grows
    for k, mean in enumerate(means):  # full jitter: mean ~ (min + cap) / 2
        assert mean == pytest.approx((1.0 + BACKOFF.cap(k)) / 2, rel=0.1)


def test_jitter_present_and_seeded() -> None:
    def delays(policy: PollPolicy, seed: int) -> list[float]:
        schedule = Schedule(policy, clock=lambda: 0.0, rng=random.Random(seed))
        return [schedule.next_delay() or 0.0 for _ in range(10)]

    jittered = delays(BACKOFF, 1)
    assert len(set(jittered[1:])) > 5  # not all equal
    assert jittered == delays(BACKOFF, 1)  # reproducible with a seed
    assert jittered != delays(BACKOFF, 2)
    assert delays(EXACT, 1) == [BACKOFF.cap(k) for k in range(10)]  # jitter=False: exactly the cap


def test_schedule_rejects_negative_timeout() -> None:
    with pytest.raises(ValidationError):
        Schedule(BACKOFF, timeout=-1)


# --------------------------------------------------------------------------------- poll (SyncEngine)


def test_poll_follows_backoff_and_returns_value() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 20, value={"image_url": "u"})
    stats = PollStats()
    result = run_sync(poll(as_plan(job), policy=EXACT, clock=clock, stats=stats), clock)
    assert result == {"image_url": "u"}
    assert clock.sleeps == [1, 2, 4, 8, 15]  # checks at 0, 1, 3, 7, 15, 30
    assert job.calls == stats.checks == 6 == checks_needed(20, EXACT)
    assert stats.sleeps == 5 and stats.slept == 30 and stats.timeouts == 0


def test_poll_yields_one_sleep_effect_per_wait() -> None:
    # the plan itself, stepped by hand: it sleeps through the engine (Sleep effects), never by itself
    clock = FakeClock()
    job = FakeJob(clock, 3)
    plan = poll(as_plan(job), policy=EXACT, clock=clock)
    assert job.calls == 0  # a plan does nothing until an engine runs it
    assert next(plan) == Sleep(1.0) and job.calls == 1 and clock.now == 0
    clock.now += 1
    assert plan.send(None) == Sleep(2.0) and job.calls == 2
    clock.now += 2
    with pytest.raises(StopIteration) as stop:
        plan.send(None)
    assert stop.value.value == "done" and job.calls == 3


def test_on_progress_after_every_check_including_terminal() -> None:
    clock = FakeClock()
    seen: list[Any] = []
    run_sync(poll(as_plan(FakeJob(clock, 3)), policy=EXACT, clock=clock, on_progress=seen.append), clock)
    assert seen == ["IN_PROGRESS 1", "IN_PROGRESS 2", "COMPLETED"]


def test_retry_after_raises_the_delay() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 30, retry_after=7)
    run_sync(poll(as_plan(job), policy=EXACT, clock=clock), clock)
    assert clock.sleeps == [7, 7, 7, 8, 15]  # max(retry_after, backoff); the backoff keeps advancing


def test_retry_after_capped_by_policy() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 50, retry_after=1000)
    run_sync(poll(as_plan(job), policy=EXACT.replace(max_retry_after=20), clock=clock), clock)
    assert clock.sleeps == [20, 20, 20]


def test_retry_after_never_past_the_deadline() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 1000, retry_after=50)
    with pytest.raises(WaitTimeoutError):
        run_sync(poll(as_plan(job), policy=EXACT, timeout=10, clock=clock), clock)
    assert clock.sleeps == [10]
    assert job.calls == 2  # at 0 and at the deadline


def test_terminal_state_at_the_deadline_is_returned() -> None:
    clock = FakeClock(100.0)
    job = FakeJob(clock, 10)
    assert run_sync(poll(as_plan(job), policy=EXACT, timeout=10, clock=clock), clock) == "done"
    assert clock.sleeps == [1, 2, 4, 3]  # the 8 s sleep is clipped so the final check is at the deadline
    assert clock.now == 110.0


def test_terminal_state_seen_by_a_check_that_ends_after_the_deadline_is_returned() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 3.4, check_cost=0.5)  # checks end at 0.5, 2.0, 3.5
    assert run_sync(poll(as_plan(job), policy=EXACT, timeout=3, clock=clock), clock) == "done"
    assert clock.sleeps == [1.0, 1.0]  # second sleep clipped: 2.0 -> 3.0 (the deadline)
    assert clock.now == 3.5 and job.calls == 3


def test_never_terminal_raises_wait_timeout_with_last_status() -> None:
    clock = FakeClock(5.0)
    job = FakeJob(clock, 10**6)
    stats = PollStats()
    with pytest.raises(WaitTimeoutError) as info:
        run_sync(
            poll(
                as_plan(job),
                policy=BACKOFF,
                timeout=30,
                description="generation job abc123",
                clock=clock,
                rng=random.Random(7),
                stats=stats,
            ),
            clock,
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
    assert all(s <= BACKOFF.max_interval for s in clock.sleeps)
    assert stats.timeouts == 1 and stats.checks == job.calls


def test_timeout_zero_checks_once() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 5)
    with pytest.raises(WaitTimeoutError):
        run_sync(poll(as_plan(job), policy=EXACT, timeout=0, clock=clock), clock)
    assert job.calls == 1 and clock.sleeps == []
    assert run_sync(poll(as_plan(FakeJob(clock, 0)), policy=EXACT, timeout=0, clock=clock), clock) == "done"


def test_check_raising_job_failed_propagates() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 4, fail=True)
    with pytest.raises(JobFailedError, match="boom from the server") as info:
        run_sync(poll(as_plan(job), policy=EXACT, clock=clock), clock)
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

    plan = poll(as_plan(job), policy=BACKOFF, timeout=100, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        SyncEngine(sleep=sleep).run(plan)
    assert job.calls == 3
    assert is_closed(plan)  # the engine closed the wait: it can never check again
    assert threading.active_count() == threads_before


def test_keyboard_interrupt_during_check_propagates() -> None:
    def check() -> PollResult[None]:
        raise KeyboardInterrupt

    clock = FakeClock()
    plan = poll(as_plan(check), policy=BACKOFF, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        run_sync(plan, clock)
    assert is_closed(plan) and clock.sleeps == []


def test_check_must_return_poll_result() -> None:
    check = as_plan(lambda: {"status": "COMPLETED"})
    with pytest.raises(TypeError, match="PollResult"):
        SyncEngine().run(poll(check, policy=BACKOFF))  # type: ignore[arg-type]


def test_jittered_runs_never_beat_the_minimum() -> None:
    for seed in range(50):
        rng = random.Random(seed)
        clock = FakeClock()
        duration = rng.uniform(0, 200)
        job = FakeJob(clock, duration)
        run_sync(poll(as_plan(job), policy=BACKOFF, clock=clock, rng=rng), clock)
        assert job.calls >= checks_needed(duration, BACKOFF)


# -------------------------------------------------------------------------------- poll (AsyncEngine)


def _poll_decisions(run: Callable[[Plan[Any], FakeClock], Any]) -> tuple[Any, list[float], list[Any]]:
    """Run one jittered poll plan (Retry-After included) with ``run``; what it returned and decided."""
    clock = FakeClock()
    progress: list[Any] = []
    plan = poll(
        as_plan(FakeJob(clock, 100, retry_after=3)),
        policy=BACKOFF,
        clock=clock,
        rng=random.Random(42),
        on_progress=progress.append,
    )
    return run(plan, clock), clock.sleeps, progress


async def test_poll_under_async_engine_makes_the_same_decisions_as_under_sync_engine() -> None:
    clock = FakeClock()
    progress: list[Any] = []
    async_value = await run_async(
        poll(
            as_plan(FakeJob(clock, 100, retry_after=3)),
            policy=BACKOFF,
            clock=clock,
            rng=random.Random(42),
            on_progress=progress.append,
        ),
        clock,
    )
    value, sleeps, sync_progress = _poll_decisions(run_sync)
    assert value == async_value == "done"
    assert len(sleeps) > 3 and clock.sleeps == sleeps
    assert progress == sync_progress


def test_the_same_poll_plan_runs_under_trio() -> None:
    def on_trio(plan: Plan[Any], clock: FakeClock) -> Any:
        return trio.run(run_async, plan, clock)

    def on_asyncio(plan: Plan[Any], clock: FakeClock) -> Any:
        return asyncio.run(run_async(plan, clock))

    expected = _poll_decisions(run_sync)
    assert expected[0] == "done" and len(expected[1]) > 3
    assert _poll_decisions(on_trio) == expected
    assert _poll_decisions(on_asyncio) == expected


def test_poll_under_trio_timeout_failure_and_cancellation() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 10**6)
    with pytest.raises(WaitTimeoutError) as info:
        trio.run(run_async, poll(as_plan(job), policy=EXACT, timeout=10, clock=clock), clock)
    assert info.value.last_status == "IN_PROGRESS 5" and clock.now == 10
    with pytest.raises(JobFailedError):
        trio.run(run_async, poll(as_plan(FakeJob(clock, 2, fail=True)), policy=EXACT, clock=clock), clock)

    # cancelled during the engine's (real trio) sleep: the wait stops at once, its plan is closed
    calls = 0

    def check() -> PollResult[None]:
        nonlocal calls
        calls += 1
        return PollResult.pending("IN_PROGRESS")

    plan = poll(as_plan(check), policy=BACKOFF, timeout=60)

    async def main() -> float:
        started = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(AsyncEngine().run, plan)
            await trio.testing.wait_all_tasks_blocked()  # the waiter sleeps after its first check
            assert calls == 1
            nursery.cancel_scope.cancel()
        return trio.current_time() - started

    assert trio.run(main, clock=trio.testing.MockClock()) == 0  # no time passed: stopped at once
    assert calls == 1 and is_closed(plan)


async def test_poll_async_timeout_and_failure() -> None:
    clock = FakeClock()
    job = FakeJob(clock, 10**6)
    with pytest.raises(WaitTimeoutError) as info:
        await run_async(poll(as_plan(job), policy=EXACT, timeout=10, clock=clock), clock)
    assert info.value.last_status == "IN_PROGRESS 5" and clock.now == 10
    failing = FakeJob(clock, 2, fail=True)
    with pytest.raises(JobFailedError):
        await run_async(poll(as_plan(failing), policy=EXACT, clock=clock), clock)


def _other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


async def test_poll_async_cancelled_during_sleep_leaves_nothing_running() -> None:
    calls = 0

    def check() -> PollResult[None]:
        nonlocal calls
        calls += 1
        return PollResult.pending("IN_PROGRESS")

    # the engine's real sleep (1 s minimum interval), cancelled long before it would end
    plan = poll(as_plan(check), policy=BACKOFF, timeout=60)
    task = asyncio.create_task(AsyncEngine().run(plan))
    for _ in range(5):
        await asyncio.sleep(0)
    assert calls == 1 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _other_tasks() == set()
    assert is_closed(plan)
    await asyncio.sleep(0)
    assert calls == 1


async def test_poll_async_cancelled_during_check_leaves_nothing_running() -> None:
    entered = asyncio.Event()
    awaiting_cancelled = False
    check_closed = False

    async def never_answers(seconds: float) -> None:
        nonlocal awaiting_cancelled
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            awaiting_cancelled = True
            raise

    def check() -> Plan[PollResult[None]]:
        nonlocal check_closed
        try:
            yield Sleep(1.0)  # a status call that never answers (the engine's sleep hangs)
        except GeneratorExit:
            check_closed = True
            raise
        return PollResult.pending()

    plan = poll(check, policy=BACKOFF)
    task = asyncio.create_task(AsyncEngine(sleep=never_answers).run(plan))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert awaiting_cancelled and check_closed and is_closed(plan)
    assert _other_tasks() == set()


# ------------------------------------------------------------------------------------------ wait_many


DURATIONS = [50.0, 3.0, 20.0, 0.0, 7.5, 200.0, 1.0]


def test_wait_many_sync_results_in_input_order() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(DURATIONS)]
    threads_before = threading.active_count()
    results = run_sync(wait_many(as_plans(jobs), policy=BACKOFF, clock=clock, rng=random.Random(3)), clock)
    assert results == list(range(len(DURATIONS)))
    assert threading.active_count() == threads_before  # the rounds' worker threads are all gone


async def test_wait_many_async_results_in_input_order() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=f"v{i}") for i, d in enumerate(DURATIONS)]
    results = await run_async(
        wait_many(as_plans(jobs), policy=BACKOFF, clock=clock, rng=random.Random(3)), clock
    )
    assert results == [f"v{i}" for i in range(len(DURATIONS))]


def test_wait_many_sync_and_async_make_the_same_decisions() -> None:
    # The checks only read the fake clock (only the engine's sleep moves it, between rounds), so the
    # sync engine's worker threads cannot make this nondeterministic.
    def decisions(run: Callable[[Plan[Any], FakeClock], Any]) -> tuple[list[Any], list[float], list[int]]:
        clock = FakeClock()
        jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(DURATIONS)]
        out = run(wait_many(as_plans(jobs), policy=BACKOFF, clock=clock, rng=random.Random(9)), clock)
        return out, clock.sleeps, [j.calls for j in jobs]

    expected = decisions(run_sync)
    assert expected[0] == list(range(len(DURATIONS))) and len(expected[1]) > 5
    assert decisions(lambda plan, clock: asyncio.run(run_async(plan, clock))) == expected
    assert decisions(lambda plan, clock: trio.run(run_async, plan, clock)) == expected


def test_wait_many_return_exceptions_collects_per_job_failures() -> None:
    clock = FakeClock()
    ok = FakeJob(clock, 5, value="ok")
    failing = FakeJob(clock, 2, fail=True)
    stuck = FakeJob(clock, 10**6)
    results = run_sync(
        wait_many(
            as_plans([ok, failing, stuck]), policy=EXACT, timeout=60, return_exceptions=True, clock=clock
        ),
        clock,
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
    results = await run_async(
        wait_many(as_plans(jobs), policy=EXACT, timeout=60, return_exceptions=True, clock=clock), clock
    )
    assert results[0] == "ok"
    assert isinstance(results[1], JobFailedError) and isinstance(results[2], WaitTimeoutError)
    assert results[2].last_status == f"IN_PROGRESS {jobs[2].calls}"
    assert clock.now == 60


def test_wait_many_without_return_exceptions_raises_the_failure() -> None:
    clock = FakeClock()
    slow = FakeJob(clock, 100)
    failing = FakeJob(clock, 2, fail=True)
    with pytest.raises(JobFailedError):
        run_sync(wait_many(as_plans([slow, failing]), policy=EXACT, clock=clock), clock)
    assert clock.now == 3  # aborted at the failing check, the slow job was not waited for


def test_wait_many_deadline_raises_one_error_naming_unfinished_jobs() -> None:
    clock = FakeClock()
    jobs = [FakeJob(clock, 10**6), FakeJob(clock, 30, value="late but seen"), FakeJob(clock, 10**6)]
    seen: list[tuple[int, Any]] = []
    with pytest.raises(WaitTimeoutError) as info:
        run_sync(
            wait_many(
                as_plans(jobs),
                policy=EXACT,
                timeout=30,
                description=["gen req-a", "gen req-b", "gen req-c"],
                on_progress=lambda i, status: seen.append((i, status)),
                clock=clock,
            ),
            clock,
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

    def make(duration: float, value: int) -> Callable[[], Plan[PollResult[Any]]]:
        job = FakeJob(clock, duration, value=value)

        def check() -> Plan[PollResult[Any]]:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            yield Sleep(0)  # two real checkpoints of the event loop (through the engine's sleep)
            yield Sleep(0)
            in_flight -= 1
            return job()

        return check

    checks = [make(d, i) for i, d in enumerate([4.0] * 10)]
    results = await run_async(wait_many(checks, policy=EXACT, clock=clock, max_concurrent_checks=3), clock)
    assert results == list(range(10))
    assert peak == 3
    invalid = wait_many(checks, policy=EXACT, max_concurrent_checks=0)  # a plan validates when it runs
    with pytest.raises(ValidationError):
        await run_async(invalid, clock)


def test_wait_many_sync_runs_due_checks_in_threads_at_most_max_concurrent() -> None:
    clock = FakeClock()
    lock = threading.Lock()
    # Every round has 9 due checks, taken 3 at a time: the 3 checks of a batch can only pass the barrier
    # together, i.e. if the engine runs them concurrently (a 4th would wait and break the barrier).
    batch = threading.Barrier(3, timeout=5)
    in_flight = peak = 0

    def make(duration: float, value: int) -> Callable[[], Plan[PollResult[Any]]]:
        job = FakeJob(clock, duration, value=value)

        def check() -> PollResult[Any]:
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            batch.wait()
            with lock:
                in_flight -= 1
            return job()

        return as_plan(check)

    threads_before = threading.active_count()
    checks = [make(4.0, i) for i in range(9)]
    stats = PollStats()
    results = run_sync(
        wait_many(checks, policy=EXACT, clock=clock, stats=stats, max_concurrent_checks=3), clock
    )
    assert results == list(range(9))
    assert peak == 3
    assert clock.sleeps == [1, 2, 4] and stats.per_job == [4] * 9  # checks at 0, 1, 3, 7
    assert threading.active_count() == threads_before
    with pytest.raises(ValidationError):
        run_sync(wait_many(checks, policy=EXACT, max_concurrent_checks=0), clock)


async def test_wait_many_async_cancelled_leaves_no_task_behind() -> None:
    started = 0
    cancelled = 0
    all_started = asyncio.Event()

    def check() -> Plan[PollResult[None]]:
        nonlocal started, cancelled
        started += 1
        if started == 4:
            all_started.set()
        try:
            yield Sleep(3600)  # a status call that does not answer before the cancellation
        except GeneratorExit:
            cancelled += 1
            raise
        return PollResult.pending()

    plan = wait_many([check] * 4, policy=BACKOFF, timeout=60)
    task = asyncio.create_task(AsyncEngine().run(plan))
    await all_started.wait()
    assert len(_other_tasks()) == 5  # the waiter and its 4 checks in flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled == 4 and is_closed(plan)
    assert _other_tasks() == set()


def test_wait_many_empty() -> None:
    assert SyncEngine().run(wait_many([], policy=BACKOFF)) == []
    assert asyncio.run(AsyncEngine().run(wait_many([], policy=BACKOFF))) == []


# ------------------------------------------------------------------------------ stats and the minimum


def test_checks_needed_by_hand() -> None:
    # EXACT checks happen at 0, 1, 3, 7, 15, 30, 45, 60, 75, 90, 105, ...
    assert [checks_needed(d, BACKOFF) for d in (0, 1, 1.5, 3, 7.1, 100)] == [1, 2, 3, 3, 5, 11]
    # past the deadline: checks up to and including the one clipped to the deadline (0..45, 50)
    assert checks_needed(100, BACKOFF, timeout=50) == 8
    assert checks_needed(100, BACKOFF, timeout=0) == 1
    assert minimum_checks([0, 1, 100], BACKOFF) == 1 + 2 + 11
    with pytest.raises(ValidationError):
        checks_needed(-1, BACKOFF)


def test_timed_out_wait_makes_exactly_the_minimum_without_jitter() -> None:
    clock = FakeClock()
    stats = PollStats()
    with pytest.raises(WaitTimeoutError):
        run_sync(
            poll(as_plan(FakeJob(clock, 100)), policy=EXACT, timeout=50, clock=clock, stats=stats), clock
        )
    assert stats.checks == checks_needed(100, EXACT, timeout=50) == 8


def test_wait_many_stats_against_minimum() -> None:
    rng = random.Random(2024)
    durations = [round(rng.uniform(0, 120), 2) for _ in range(100)]

    # without jitter and with instantaneous checks, the schedule makes exactly the minimum
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(durations)]
    stats = PollStats()
    results = run_sync(wait_many(as_plans(jobs), policy=EXACT, clock=clock, stats=stats), clock)
    assert results == list(range(100))
    assert stats.checks == sum(j.calls for j in jobs) == minimum_checks(durations, EXACT)
    assert stats.per_job == [checks_needed(d, EXACT) for d in durations]

    # with jitter: never fewer, and within a small factor of the minimum
    clock = FakeClock()
    jobs = [FakeJob(clock, d, value=i) for i, d in enumerate(durations)]
    jittered = PollStats()
    run_sync(wait_many(as_plans(jobs), policy=BACKOFF, clock=clock, rng=rng, stats=jittered), clock)
    assert jittered.checks == sum(j.calls for j in jobs)
    assert all(n >= checks_needed(d, BACKOFF) for n, d in zip(jittered.per_job, durations, strict=True))
    assert minimum_checks(durations, BACKOFF) <= jittered.checks <= 2 * minimum_checks(durations, BACKOFF)
