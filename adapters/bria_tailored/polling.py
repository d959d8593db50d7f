"""Status polling: one backoff schedule and one deadline rule for every waiter, sync and async.

Everything slow in Bria's API is asynchronous (generation jobs, captions, bulk uploads, training), and
Bria counts status polls against the organisation's rate limit. Every waiter in bria-tailored therefore
goes through this module:

* :class:`PollPolicy` says how often to look: optionally a steady phase first (``steady`` sleeps of at
  most ``steady_interval``, for the time in which most such jobs end), then exponential backoff with
  *full jitter* between a minimum and a maximum interval, plus a cap on how long a server's
  ``Retry-After`` may hold us back. Presets: :data:`GENERATION`, :data:`CAPTIONS`, :data:`BULK_UPLOAD`, :data:`TRAINING`.
* A *check* is a callable the caller supplies (one status call); it returns a :class:`PollResult` saying
  whether the job reached a terminal state. The check itself decides success or failure: it returns the
  value to hand back, or raises (e.g. :class:`~bria_tailored.errors.JobFailedError`) to stop the wait.
* :class:`Schedule` is the pure state machine (attempt count, deadline, clock, random source) that makes
  every timing decision. It performs no I/O, so the sync and async pollers share it and differ only in
  how they wait.
* :func:`poll` follows one job; :func:`wait_many` follows many jobs on one loop (a priority queue of
  next-due times, each job with its own backoff), with results in input order. Both are ordinary plans
  (:mod:`bria_tailored._plan`) built from ``Sleep`` and ``Gather``: the client's engine runs them,
  blocking or awaiting, like every other plan.
* :class:`PollStats` counts status calls; :func:`minimum_checks` is the number of calls the schedule could
  not do without, which a benchmark compares the count against.

Timing rules (the same for every waiter):

* The first check happens immediately. After a non-terminal check number ``n`` (``n = 0, 1, ...``), the
  poller sleeps ``cap(n)`` seconds while ``n < steady`` (the steady phase has no jitter) and
  ``uniform(min_interval, cap(n))`` after (exactly ``cap(n)`` with ``jitter=False``), where, with
  ``s = steady_interval`` (``min_interval`` if unset), ``cap(n) = min(s, min_interval * multiplier ** n)``
  for ``n < steady`` and ``min(max_interval, s * multiplier ** (n - steady))`` after. So every interval
  lies in ``[min_interval, max_interval]``, the steady phase grows to ``s`` and stays there, and the
  mean interval then grows until the cap reaches ``max_interval``.
* ``Retry-After``: a check may return ``retry_after``; the next delay is then
  ``max(backoff delay, min(retry_after, policy.max_retry_after))``: at least what the server asked for,
  unless that is more than the policy's cap; the backoff still advances.
* Deadline (``timeout`` seconds after the wait starts): the poller never sleeps past it. The sleep that
  would cross it is clipped so that one final check happens right at the deadline. A terminal state seen
  by any check is returned, even if that check finished after the deadline. If the final check still
  sees a non-terminal state, :class:`~bria_tailored.errors.WaitTimeoutError` is raised, carrying the last
  status and saying that the job may still finish and must not be resubmitted (Bria has no idempotency
  keys: a resubmitted job is a second, billed job).
* Cancellation: ``KeyboardInterrupt`` or a cancelled task during a sleep or a check propagates at once;
  the engine leaves no task behind.
* Errors raised by a check propagate unchanged (``wait_many`` can collect them instead, see
  ``return_exceptions``). Rate limiting and HTTP retries belong to :mod:`bria_tailored.transport`, not to this module.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

import attrs

from ._plan import Gather, Plan, Sleep
from .errors import ValidationError, WaitTimeoutError

__all__ = [
    "BULK_UPLOAD",
    "CAPTIONS",
    "GENERATION",
    "TRAINING",
    "PollPolicy",
    "PollResult",
    "PollStats",
    "Schedule",
    "checks_needed",
    "minimum_checks",
    "poll",
    "wait_many",
]

T = TypeVar("T")

#: How many status checks of one ``wait_many`` run at once by default: the size of httpx's keep-alive pool
#: (20), so a wait over thousands of jobs reuses connections instead of queueing on the pool.
DEFAULT_CONCURRENT_CHECKS = 20

Clock = Callable[[], float]
ProgressCallback = Callable[[Any], object]
ManyProgressCallback = Callable[[int, Any], object]


# --------------------------------------------------------------------------------------------- policy


def _positive_seconds(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValidationError(attribute.name, value, "must be a positive, finite number of seconds")


def _non_negative_seconds(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValidationError(attribute.name, value, "must be a non-negative, finite number of seconds")


def _multiplier(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value >= 1):
        raise ValidationError(attribute.name, value, "must be a finite number >= 1")


def _optional_seconds(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _positive_seconds(instance, attribute, value)


def _count(instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, value, "must be a whole number >= 0")


@attrs.define(frozen=True)
class PollPolicy:
    """How often a waiter looks at a job: a steady phase, then exponential backoff with full jitter.

    ``min_interval`` / ``max_interval``: the shortest and longest sleep between two checks (seconds).
    ``steady``: how many sleeps the steady phase has before the backoff starts (0: none). In it the sleep
    grows from ``min_interval`` to ``steady_interval`` (default ``min_interval``) and stays there, with
    no jitter. ``multiplier``: how much the upper bound of the sleep grows per check. ``jitter``: draw each sleep
    uniformly from ``[min_interval, cap]`` (``True``, spreads many clients out) or sleep exactly ``cap``.
    ``max_retry_after``: the longest a server's ``Retry-After`` may hold the next check back.

    A steady phase suits jobs whose duration is known roughly (a generation takes seconds): while the job
    is likely to end, a fixed interval gives the shortest mean lag for a number of calls (backoff, and
    jitter even more, spend calls on long sleeps that finish late); past it, the backoff bounds the calls
    a straggler costs.

    Presets are module constants; derive your own with :meth:`replace`, e.g.
    ``GENERATION.replace(max_interval=5)``.
    """

    min_interval: float = attrs.field(converter=float, validator=_positive_seconds)
    max_interval: float = attrs.field(converter=float, validator=_positive_seconds)
    multiplier: float = attrs.field(default=2.0, converter=float, validator=_multiplier)
    jitter: bool = attrs.field(default=True, converter=bool)
    max_retry_after: float = attrs.field(default=120.0, converter=float, validator=_non_negative_seconds)
    steady: int = attrs.field(default=0, validator=_count)
    steady_interval: float | None = attrs.field(
        default=None, converter=attrs.converters.optional(float), validator=_optional_seconds
    )

    def __attrs_post_init__(self) -> None:
        if self.max_interval < self.min_interval:
            raise ValidationError(
                "max_interval", self.max_interval, f"must be >= min_interval ({self.min_interval:g})"
            )
        plateau = self.steady_interval
        if plateau is not None and not (self.min_interval <= plateau <= self.max_interval):
            rule = f"must lie between min_interval ({self.min_interval:g}) and max_interval ({self.max_interval:g})"
            raise ValidationError("steady_interval", plateau, rule)

    def cap(self, attempt: int) -> float:
        """Upper bound of the sleep after check number ``attempt`` (0-based): never overflows."""
        plateau = self.min_interval if self.steady_interval is None else self.steady_interval
        if attempt < self.steady:
            return min(plateau, self._grown(self.min_interval, attempt))
        return self._grown(plateau, attempt - self.steady)

    def _grown(self, start: float, steps: int) -> float:
        """``min(max_interval, start * multiplier ** steps)``, without overflowing."""
        if steps <= 0 or self.multiplier == 1.0 or start >= self.max_interval:
            return start
        # log-space test first, so huge attempt numbers cannot overflow ``multiplier ** steps``.
        if steps * math.log(self.multiplier) >= math.log(self.max_interval / start):
            return self.max_interval
        return min(self.max_interval, start * self.multiplier**steps)

    def replace(self, **changes: Any) -> PollPolicy:
        """A copy with some fields changed (validated like a new policy)."""
        return attrs.evolve(self, **changes)


#: Generation jobs (image, structured prompt, video): seconds to a minute. Checks at 0 and 1.5 s, then
#: every 2 s up to 19.5 s, where most generations end (a job is seen ~1 s after it ends, with fewer calls
#: than the backoff alone made), then the backoff (2 s doubling to 15 s, full jitter) for longer ones.
GENERATION = PollPolicy(1.5, 15.0, steady=10, steady_interval=2.0)
#: Caption (re)generation of a dataset.
CAPTIONS = PollPolicy(2.0, 30.0)
#: Bulk ZIP upload of a dataset.
BULK_UPLOAD = PollPolicy(2.0, 30.0)
#: Model training: tens of minutes to hours.
TRAINING = PollPolicy(15.0, 300.0)


# ---------------------------------------------------------------------------------------------- checks


@attrs.define(frozen=True)
class PollResult(Generic[T]):
    """What one check saw.

    ``done``: the job reached a terminal state; the wait returns ``value``. (A check that sees a failed
    job raises instead, e.g. ``JobFailedError``; the poller lets that propagate.)
    ``status``: what progress callbacks and :class:`WaitTimeoutError` ``.last_status`` receive.
    ``retry_after``: seconds the server asked us to wait (``Retry-After``), if any.
    """

    done: bool
    value: T | None = None
    status: Any = None
    retry_after: float | None = None

    @classmethod
    def finished(cls, value: T, status: Any = None) -> PollResult[T]:
        """A terminal result carrying the value the wait returns."""
        return cls(True, value, status)

    @classmethod
    def pending(cls, status: Any = None, retry_after: float | None = None) -> PollResult[T]:
        """A non-terminal result: look again later."""
        return cls(False, None, status, retry_after)


@attrs.define
class PollStats:
    """Counters a caller passes in to see what a wait cost (shared by several waits, totals add up).

    ``checks``: status calls started (including ones that raised). ``sleeps`` / ``slept``: number of
    sleeps and their total length asked for. ``timeouts``: jobs given up at the deadline.
    ``per_job``: status calls per job of the latest ``wait_many`` call (reset by each such call).
    A stats object is not locked: give each thread of work its own.
    """

    checks: int = 0
    sleeps: int = 0
    slept: float = 0.0
    timeouts: int = 0
    per_job: list[int] = attrs.field(factory=lambda: [])


def _as_result(obj: object) -> PollResult[Any]:
    if not isinstance(obj, PollResult):
        raise TypeError(f"a poll check must return a PollResult, not {type(obj).__name__}")
    result: PollResult[Any] = obj  # pyright: ignore[reportUnknownVariableType]  (a PollResult of anything)
    return result


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -------------------------------------------------------------------------------------------- schedule


class Schedule:
    """The pure timing state of one wait: backoff attempt, deadline, clock and random source.

    No I/O: it only answers "how long until the next check?". Sync and async waiters (and each job of a
    ``wait_many``) drive one ``Schedule`` each, so every timing decision lives here.
    """

    def __init__(
        self,
        policy: PollPolicy,
        *,
        timeout: float | None = None,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        start: float | None = None,
    ) -> None:
        if timeout is not None and not (timeout >= 0):  # also rejects NaN
            raise ValidationError("timeout", timeout, "must be >= 0 seconds, or None for no deadline")
        self.policy = policy
        self.timeout = None if timeout is None else float(timeout)
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self.start = clock() if start is None else start
        self.deadline = None if self.timeout is None else self.start + self.timeout
        #: Delays handed out so far (== non-terminal checks that were followed by a sleep).
        self.attempt = 0
        self._final = False  # the last delay was clipped to the deadline: the next check is the last

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the wait started."""
        return (self.clock() if now is None else now) - self.start

    def backoff_delay(self) -> float:
        """Draw the jittered backoff delay for the current attempt (does not advance the attempt)."""
        cap = self.policy.cap(self.attempt)
        if not self.policy.jitter or cap <= self.policy.min_interval or self.attempt < self.policy.steady:
            return cap
        return min(cap, max(self.policy.min_interval, self.rng.uniform(self.policy.min_interval, cap)))

    def next_delay(self, retry_after: float | None = None, *, now: float | None = None) -> float | None:
        """Seconds to sleep before the next check, or ``None`` if the deadline has passed (give up).

        Called after a non-terminal check. The delay is the jittered backoff, raised to ``retry_after``
        (capped at ``policy.max_retry_after``), then clipped so it never ends past the deadline; a clipped
        delay leads to the final check, after which this returns ``None``.
        """
        now = self.clock() if now is None else now
        if self._final or (self.deadline is not None and now >= self.deadline):
            return None
        delay = self.backoff_delay()
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(float(retry_after), self.policy.max_retry_after))
        self.attempt += 1
        if self.deadline is not None and delay >= self.deadline - now:
            delay = self.deadline - now
            self._final = True
        return delay

    def timeout_error(
        self, description: str, last_status: Any, *, now: float | None = None
    ) -> WaitTimeoutError:
        """The error for a wait that ran out of time, saying the job may still finish."""
        return WaitTimeoutError(
            f"Gave up waiting for {description} after {self.elapsed(now):.1f}s "
            f"(timeout {self.timeout or 0:g}s); last status: {_short(last_status)}. "
            "It may still finish: do not resubmit it (that would start a second, billed job); "
            "wait on it again or check its status later.",
            last_status=last_status,
        )


def _after_check(schedule: Schedule, result: PollResult[Any], description: str, now: float) -> float | None:
    """The one decision after every check: ``None`` = terminal (return the value), else seconds to sleep.

    Raises WaitTimeoutError when the deadline has passed and the job is not terminal.
    """
    if result.done:
        return None
    delay = schedule.next_delay(result.retry_after, now=now)
    if delay is None:
        raise schedule.timeout_error(description, result.status, now=now)
    return delay


def _count_sleep(stats: PollStats | None, delay: float) -> None:
    if stats is not None:
        stats.sleeps += 1
        stats.slept += delay


# ------------------------------------------------------------------------------------------ single job


def poll(
    check: Callable[[], Plan[PollResult[T]]],
    *,
    policy: PollPolicy,
    timeout: float | None = None,
    description: str = "job",
    on_progress: Callable[[Any], object] | None = None,
    clock: Clock = time.monotonic,
    rng: random.Random | None = None,
    stats: PollStats | None = None,
) -> Plan[T]:
    """A plan that runs ``check`` (itself a plan) until it reports a terminal state; returns its ``value``.

    ``on_progress(status)`` is called after every check that returned (terminal or not). ``description``
    names what is waited for in the timeout message (e.g. ``"generation job 8d1f..."``). ``clock`` and
    ``rng`` are injectable for tests (the engine's sleep is the other half of time). See the module
    docstring for the timing, deadline and cancellation rules.
    """
    schedule = Schedule(policy, timeout=timeout, clock=clock, rng=rng)
    while True:
        if stats is not None:
            stats.checks += 1
        result = _as_result((yield from check()))
        if on_progress is not None:
            on_progress(result.status)
        try:
            delay = _after_check(schedule, result, description, clock())
        except WaitTimeoutError:
            if stats is not None:
                stats.timeouts += 1
            raise
        if delay is None:
            return cast(T, result.value)
        _count_sleep(stats, delay)
        yield Sleep(delay)


# ------------------------------------------------------------------------------------------- many jobs


class _Many:
    """The state of one ``wait_many``: a heap of next-due times, one Schedule per job, the results."""

    def __init__(
        self,
        count: int,
        *,
        policy: PollPolicy,
        timeout: float | None,
        description: str | Sequence[str],
        return_exceptions: bool,
        on_progress: ManyProgressCallback | None,
        clock: Clock,
        rng: random.Random | None,
        stats: PollStats | None,
    ) -> None:
        if isinstance(description, str):
            self.descriptions = [f"{description} #{i}" for i in range(count)]
            self.kind = f"{description}s"
        else:
            self.descriptions = list(description)
            if len(self.descriptions) != count:
                raise ValidationError("description", description, f"needs one entry per check ({count})")
            self.kind = "jobs"
        rng = rng if rng is not None else random.Random()
        self.clock = clock
        self.start = clock()
        self.timeout = timeout
        self.schedules = [
            Schedule(policy, timeout=timeout, clock=clock, rng=rng, start=self.start) for _ in range(count)
        ]
        self.results: list[Any] = [None] * count
        self.last_status: list[Any] = [None] * count
        self.timed_out: list[int] = []
        self.return_exceptions = return_exceptions
        self.on_progress = on_progress
        self.stats = stats
        if stats is not None:
            stats.per_job = [0] * count
        self.heap: list[tuple[float, int]] = [(self.start, i) for i in range(count)]  # already a heap

    def due(self, now: float, limit: int | None = None) -> list[int]:
        """Pop the jobs whose next check is due (earliest first, at most ``limit``), counting the checks."""
        batch: list[int] = []
        while self.heap and self.heap[0][0] <= now and (limit is None or len(batch) < limit):
            batch.append(heapq.heappop(self.heap)[1])
        if self.stats is not None:
            self.stats.checks += len(batch)
            for i in batch:
                self.stats.per_job[i] += 1
        return batch

    def wake_delay(self, now: float) -> float | None:
        """Seconds until the next check is due (never past the deadline), or None when all jobs ended."""
        if not self.heap:
            return None
        delay = max(0.0, self.heap[0][0] - now)
        if delay > 0:
            _count_sleep(self.stats, delay)
        return delay

    def record(self, i: int, outcome: PollResult[Any] | BaseException, now: float) -> None:
        """Take in what job ``i``'s check returned (or raised) and reschedule it or settle it."""
        if isinstance(outcome, BaseException):
            if not self.return_exceptions:
                raise outcome
            self.results[i] = outcome
            return
        self.last_status[i] = outcome.status
        if self.on_progress is not None:
            self.on_progress(i, outcome.status)
        try:
            delay = _after_check(self.schedules[i], outcome, self.descriptions[i], now)
        except WaitTimeoutError as exc:
            self.results[i] = exc
            self.timed_out.append(i)
            if self.stats is not None:
                self.stats.timeouts += 1
            return
        if delay is None:
            self.results[i] = outcome.value
        else:
            heapq.heappush(self.heap, (now + delay, i))

    def finish(self) -> list[Any]:
        """The results in input order, or the aggregate WaitTimeoutError (``return_exceptions=False``)."""
        if self.timed_out and not self.return_exceptions:
            pending = sorted(self.timed_out)
            shown = ", ".join(self.descriptions[i] for i in pending[:10])
            more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            raise WaitTimeoutError(
                f"Gave up waiting for {len(pending)} of {len(self.results)} {self.kind} after "
                f"{self.clock() - self.start:.1f}s (timeout {self.timeout or 0:g}s): {shown}{more}. "
                "They may still finish: do not resubmit them (that would start second, billed jobs); "
                "wait on them again or check their status later.",
                last_status={i: self.last_status[i] for i in pending},
            )
        return self.results


def wait_many(
    checks: Sequence[Callable[[], Plan[PollResult[T]]]],
    *,
    policy: PollPolicy,
    timeout: float | None = None,
    return_exceptions: bool = False,
    description: str | Sequence[str] = "job",
    on_progress: ManyProgressCallback | None = None,
    clock: Clock = time.monotonic,
    rng: random.Random | None = None,
    stats: PollStats | None = None,
    max_concurrent_checks: int | None = None,
) -> Plan[list[Any]]:
    """A plan that follows many jobs on one loop; returns their values in input order.

    Each job has its own backoff (:class:`Schedule`); all share one deadline, started now. The checks due
    at one moment run together, in rounds of at most ``max_concurrent_checks`` (``Gather``: threads or
    tasks; :data:`DEFAULT_CONCURRENT_CHECKS` when ``None``), each round's outcomes recorded when it ends;
    then the loop sleeps until the next due time. ``on_progress(index, status)`` follows every check.

    A check that raises aborts the whole wait with that exception, unless ``return_exceptions=True``:
    then the exception object takes the job's place in the results and the other jobs go on. Jobs still
    not terminal at the deadline (after their final check there) get a ``WaitTimeoutError``: in the
    results with ``return_exceptions=True``, else one ``WaitTimeoutError`` naming them is raised once every
    job has settled, its ``last_status`` a dict ``{index: last status}``.
    ``description``: one word for all jobs (numbered ``"job #3"``) or one description per job.
    """
    if max_concurrent_checks is not None and max_concurrent_checks < 1:
        raise ValidationError("max_concurrent_checks", max_concurrent_checks, "must be >= 1 or None")
    many = _Many(
        len(checks),
        policy=policy,
        timeout=timeout,
        description=description,
        return_exceptions=return_exceptions,
        on_progress=on_progress,
        clock=clock,
        rng=rng,
        stats=stats,
    )
    # At most ``concurrency`` checks per round: each outcome is recorded (and its job rescheduled) as soon
    # as its round ends, not after every due check of a thousand jobs has run.
    concurrency = max_concurrent_checks or DEFAULT_CONCURRENT_CHECKS
    while True:
        batch = many.due(clock(), concurrency)
        if not batch:
            delay = many.wake_delay(clock())
            if delay is None:
                return many.finish()
            if delay > 0:
                yield Sleep(delay)
            continue
        outcomes: list[Any] = yield Gather([checks[i] for i in batch], concurrency, return_exceptions=True)
        now = clock()
        for i, outcome in zip(batch, outcomes, strict=True):
            many.record(i, outcome if isinstance(outcome, BaseException) else _as_result(outcome), now)


# -------------------------------------------------------------------------------------- minimum checks


def checks_needed(duration: float, policy: PollPolicy, *, timeout: float | None = None) -> int:
    """Fewest status calls any run of ``policy``'s schedule makes for a job terminal ``duration`` s in.

    Definition: checks are instantaneous, the first is at time 0 (the wait's start), and a check at time
    ``t`` sees the job terminal iff ``t >= duration``. Without jitter, check ``k`` happens at
    ``t_k = cap(0) + ... + cap(k-1)``; with jitter every sleep is at most ``cap(n)``, so check ``k`` happens
    no later than ``t_k`` and the jittered schedule can only need *more* checks. The minimum is therefore
    ``1 + min{k : min(t_k, timeout) >= min(duration, timeout)}`` (the deadline clips the last check to
    ``timeout``; a job past the deadline costs the checks up to and including the one at the deadline).
    ``Retry-After`` (longer sleeps) and slow checks can make a real run use fewer calls than this.
    """
    if duration < 0:
        raise ValidationError("duration", duration, "must be >= 0 seconds")
    target = duration if timeout is None else min(duration, timeout)
    t = 0.0
    k = 0
    while (t if timeout is None else min(t, timeout)) < target:
        t += policy.cap(k)
        k += 1
    return k + 1


def minimum_checks(durations: Iterable[float], policy: PollPolicy, *, timeout: float | None = None) -> int:
    """The total of :func:`checks_needed` over jobs that become terminal ``durations`` seconds in.

    This is the "minimum the schedule allows" that a benchmark compares :attr:`PollStats.checks` with:
    a lower bound for every jittered run, met exactly by ``jitter=False`` with instantaneous checks.
    """
    return sum(checks_needed(d, policy, timeout=timeout) for d in durations)
