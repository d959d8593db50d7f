"""``client.status``: the Status Service behind every 202 — get, wait for one job, wait for many."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, cast, overload

import attrs

from .. import _operations as ops
from .. import polling, statuses, validation
from .._plan import Plan
from .._request import call, fetch, json_of, unreadable
from ..errors import BriaError, JobFailedError, NotFoundError, ValidationError, WaitTimeoutError
from ..statuses import UnknownStatusGuard
from ..transport import same_origin
from ..types import (
    GenerationResult,
    ImageResult,
    Job,
    JobKind,
    StructuredPromptResult,
    VideoResult,
    coerce_seed,
)
from ._base import PlanGroup

if TYPE_CHECKING:
    from bria_tailored_api.models import StatusResponse

    from ..polling import PollPolicy, PollStats
    from ..transport import Connection
    from ..types import R


def as_job(job_or_request_id: Job[R] | str, field: str = "job") -> Job[R]:
    """A :class:`Job` from a job or a bare request id (checked: a request id, a known kind)."""
    if isinstance(job_or_request_id, Job):
        job: Job[R] = job_or_request_id
        validation.check_request_id(f"{field}.request_id", job.request_id)
        validation.check_job_kind(f"{field}.kind", job.kind)
        validation.check_string(f"{field}.status_url", job.status_url, optional=True)
        return job
    if not isinstance(job_or_request_id, str):
        raise ValidationError(field, job_or_request_id, "must be a Job or a request id string")
    return Job(validation.check_request_id(field, job_or_request_id))


def result_of(kind: JobKind, data: Mapping[str, object], request_id: str | None) -> GenerationResult:
    """The typed result of a finished job from its ``result`` object (or an inline ``sync=true`` answer).

    Raises ``KeyError`` when the URL the kind promises is missing (the caller reports the response).
    """
    seed = coerce_seed(data.get("seed"))
    structured = data.get("structured_prompt")
    if structured is not None and not isinstance(structured, str):
        structured = json.dumps(structured)
    if kind == "video" or ("video_url" in data and "image_url" not in data):
        return VideoResult(video_url=_url(data, "video_url"), request_id=request_id)
    if kind == "structured_prompt" or ("image_url" not in data and structured is not None):
        return StructuredPromptResult(structured_prompt=structured or "", seed=seed, request_id=request_id)
    return ImageResult(
        image_url=_url(data, "image_url"), structured_prompt=structured, seed=seed, request_id=request_id
    )


def with_inputs(result: GenerationResult, inputs: Mapping[str, object]) -> GenerationResult:
    """``result`` carrying what its request asked for (the fields its type has, where it has none)."""
    names = {a.name for a in attrs.fields(type(result))}
    changes: dict[str, str | int] = {}
    for name, value in inputs.items():
        if name not in names or getattr(result, name) is not None:
            continue
        if name == "seed" and isinstance(value, int) and not isinstance(value, bool):
            changes[name] = value
        elif name != "seed" and isinstance(value, str):
            changes[name] = value
    return attrs.evolve(result, **changes) if changes else result  # type: ignore[arg-type]  # names checked above


def _url(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise KeyError(name)
    return value


class StatusPlans(PlanGroup):
    """``client.status``: the Status Service (``GET /v2/status/{request_id}``) and the waiters on it."""

    def get(self, request_id: str) -> Plan[StatusResponse]:
        """The job's current status (``IN_PROGRESS``, ``COMPLETED``, ``ERROR`` or ``UNKNOWN``)."""
        job: Job = as_job(request_id, "request_id")
        return (yield from _get_plan(self._conn, job))

    @overload
    def wait(
        self,
        job_or_request_id: Job[R],
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[R]: ...

    @overload
    def wait(
        self,
        job_or_request_id: str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[GenerationResult]: ...

    @overload
    def wait(
        self,
        job_or_request_id: Job[R] | str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[R | GenerationResult]: ...

    def wait(
        self,
        job_or_request_id: Job[R] | str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[R | GenerationResult]:
        """Wait for a job: ``COMPLETED`` returns an ImageResult / StructuredPromptResult / VideoResult;
        ``ERROR``/``UNKNOWN`` or an unknown id raise :class:`JobFailedError`; the deadline raises
        :class:`WaitTimeoutError` (the job may still finish: do not resubmit it). ``on_progress(status)``
        follows every check."""
        job = as_job(job_or_request_id)
        validation.check_wait(timeout, on_progress, policy)
        return (yield from wait_plan(self._conn, job, timeout, on_progress, policy))

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: Literal[False] = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
    ) -> Plan[builtins.list[R]]: ...

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: Literal[True],
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
    ) -> Plan[builtins.list[R | BriaError]]: ...

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: bool = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
    ) -> Plan[builtins.list[R] | builtins.list[R | BriaError]]: ...

    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: bool = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
    ) -> Plan[builtins.list[R] | builtins.list[R | BriaError]]:
        """Wait for many jobs on one loop; results in input order. With ``return_exceptions=True`` a failed
        job's slot holds its error (a :class:`BriaError`) and the others carry on."""
        return (yield from self._wait_all(jobs, timeout, return_exceptions, on_progress, policy, stats))

    def _wait_all(
        self,
        jobs: Sequence[Job[R]],
        timeout: float | None,
        return_exceptions: bool,
        on_progress: Callable[[int, str], object] | None,
        policy: PollPolicy | None,
        stats: PollStats | None,
    ) -> Plan[builtins.list[R | BriaError]]:
        validation.check_sequence("jobs", jobs)
        items = [as_job(job, f"jobs[{i}]") for i, job in enumerate(jobs)]
        validation.check_wait(timeout, on_progress, policy)
        validation.check_bool("return_exceptions", return_exceptions)
        validation.check_stats("stats", stats)
        conn = self._conn

        def check(job: Job[R]) -> Callable[[], Plan[polling.PollResult[R]]]:
            guard = UnknownStatusGuard(statuses.GENERATION, f"{job.kind} job {job.request_id}")
            return lambda: _check_plan(conn, job, guard)

        results = yield from polling.wait_many(
            [check(job) for job in items],
            policy=policy or polling.GENERATION,
            timeout=timeout,
            return_exceptions=return_exceptions,
            description=[f"{job.kind} job {job.request_id}" for job in items],
            on_progress=on_progress,
            stats=stats,
        )
        for job, result in zip(items, results, strict=True):
            if isinstance(result, WaitTimeoutError):
                result.request_id = job.request_id
        # Each slot holds what that job's check returned (an R) or, with return_exceptions, its BriaError.
        return cast("builtins.list[R | BriaError]", [_settled(r) for r in results])


def _settled(value: object) -> object:
    if isinstance(value, BaseException) and not isinstance(value, BriaError):
        raise value  # a bug, not a job outcome: do not hide it in the results
    return value


def _get_plan(conn: Connection, job: Job[R]) -> Plan[StatusResponse]:
    if (
        job.status_url
        and job.status_url.startswith(conn.base_url + "/")
        and same_origin(job.status_url, conn.base_url)
    ):
        # Follow the status_url the API returned, but only on the API's own host (it carries the token).
        from bria_tailored_api.models import StatusResponse

        response = yield from fetch(conn, job.status_url)
        data = json_of(response)
        if not isinstance(data, dict):
            raise unreadable(response, TypeError(f"expected a JSON object, got {type(data).__name__}"))
        try:
            return StatusResponse.from_dict(cast("dict[str, object]", data))
        except (ValueError, KeyError, TypeError) as exc:
            raise unreadable(response, exc) from None
    return (yield from call(conn, ops.get_status, path={"request_id": job.request_id}))


def _state(value: object) -> str:
    return str(getattr(value, "value", value))


def _check_plan(conn: Connection, job: Job[R], guard: UnknownStatusGuard) -> Plan[polling.PollResult[R]]:
    try:
        status = yield from _get_plan(conn, job)
    except NotFoundError:
        raise JobFailedError(
            f"request {job.request_id} is unknown to the Status Service or has expired (404 NOT_FOUND)",
            request_id=job.request_id,
            status="NOT_FOUND",
        ) from None
    from bria_tailored_api.types import Unset

    state = _state(status.status)
    outcome = guard.outcome(state)
    if outcome == "succeeded":
        data: dict[str, object] = {} if isinstance(status.result, Unset) else status.result.to_dict()
        try:
            value = with_inputs(result_of(job.kind, data, job.request_id), job.inputs)
        except KeyError as exc:
            raise JobFailedError(
                f"job {job.request_id} ended COMPLETED without its {exc.args[0]} in the result",
                request_id=job.request_id,
                status=state,
            ) from None
        return polling.PollResult(done=True, value=cast("R", value), status=state)
    if outcome == "failed":
        error: dict[str, object] = {} if isinstance(status.error, Unset) else status.error.to_dict()
        message = error.get("message") or f"the job ended {state}"
        raise JobFailedError(
            f"job {job.request_id} ended {state}: {message}",
            request_id=job.request_id,
            code=error.get("code"),
            details=error.get("details"),
            status=state,
        )
    return polling.PollResult(done=False, status=state)


def wait_plan(
    conn: Connection,
    job: Job[R],
    timeout: float | None,
    on_progress: Callable[[str], object] | None,
    policy: PollPolicy | None,
) -> Plan[R]:
    """Wait for one job (the plan behind ``status.wait`` and ``generate.*(wait=True)``)."""
    guard = UnknownStatusGuard(statuses.GENERATION, f"{job.kind} job {job.request_id}")
    try:
        return (
            yield from polling.poll(
                lambda: _check_plan(conn, job, guard),
                policy=policy or polling.GENERATION,
                timeout=timeout,
                description=f"{job.kind} job {job.request_id}",
                on_progress=on_progress,
            )
        )
    except WaitTimeoutError as exc:
        exc.request_id = job.request_id  # so the job can be found again, never resubmitted
        raise
