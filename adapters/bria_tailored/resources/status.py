"""``client.status``: the Status Service behind every 202 — get, wait for one job, wait for many."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from bria_tailored_api.api.status import get_status
from bria_tailored_api.models import StatusResponse

from .. import polling
from .._core import Call, Fetch, Plan, Poll, PollMany, json_of
from ..errors import JobFailedError, NotFoundError, ValidationError
from ..types import ImageResult, Job, StructuredPromptResult, VideoResult, coerce_seed
from ._base import Resource


def _raw(value: Any) -> Any:
    return getattr(value, "value", value)


def as_job(job_or_request_id: Job | str) -> Job:
    if isinstance(job_or_request_id, Job):
        return job_or_request_id
    if isinstance(job_or_request_id, str) and job_or_request_id.strip():
        return Job(job_or_request_id.strip())
    raise ValidationError("job", job_or_request_id, "must be a Job or a request id string")


def result_of(kind: str, data: dict[str, Any], request_id: str | None) -> Any:
    """The typed result of a finished job from its ``result`` object (or an inline ``sync=true`` answer)."""
    seed = coerce_seed(data.get("seed"))
    structured = data.get("structured_prompt")
    if structured is not None and not isinstance(structured, str):
        structured = json.dumps(structured)
    if kind == "video" or ("video_url" in data and "image_url" not in data):
        return VideoResult(video_url=data["video_url"], request_id=request_id)
    if kind == "structured_prompt" or ("image_url" not in data and structured is not None):
        return StructuredPromptResult(structured_prompt=structured or "", seed=seed, request_id=request_id)
    return ImageResult(
        image_url=data["image_url"], structured_prompt=structured, seed=seed, request_id=request_id
    )


class Status(Resource):
    """``client.status``."""

    def get(self, request_id: str) -> StatusResponse:
        """The job's current status (``IN_PROGRESS``, ``COMPLETED``, ``ERROR`` or ``UNKNOWN``)."""
        job = as_job(request_id)
        return self._run(_get_plan(self._core.config.base_url, job))

    def wait(
        self,
        job_or_request_id: Job | str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[Any], None] | None = None,
        policy: Any = None,
    ) -> Any:
        """Wait for a job: ``COMPLETED`` returns an ImageResult / StructuredPromptResult / VideoResult;
        ``ERROR``/``UNKNOWN`` or an unknown id raise :class:`JobFailedError`; the deadline raises
        :class:`WaitTimeoutError` (the job may still finish: do not resubmit it)."""
        job = as_job(job_or_request_id)
        return self._run(wait_plan(self._core.config.base_url, job, timeout, on_progress, policy))

    def wait_all(
        self,
        jobs: Sequence[Job | str],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: bool = False,
        on_progress: Callable[[int, Any], None] | None = None,
        policy: Any = None,
        stats: polling.PollStats | None = None,
    ) -> list[Any]:
        """Wait for many jobs on one loop; results in input order. With ``return_exceptions=True`` a failed
        job's slot holds its exception and the others carry on."""
        items = [as_job(j) for j in jobs]
        base_url = self._core.config.base_url
        checks: list[Callable[[], Plan[Any]]] = [
            functools.partial(_check_plan, base_url, job) for job in items
        ]
        return self._run(
            _poll_many(checks, policy or polling.GENERATION, timeout, return_exceptions, on_progress, stats)
        )


def _poll_many(
    checks: list[Callable[[], Plan[Any]]],
    policy: Any,
    timeout: float | None,
    return_exceptions: bool,
    on_progress: Any,
    stats: Any,
) -> Plan[list[Any]]:
    results = yield PollMany(checks, policy, timeout, return_exceptions, on_progress, stats)
    return results  # type: ignore[no-any-return]


def _get_plan(base_url: str, job: Job) -> Plan[StatusResponse]:
    if job.status_url and job.status_url.startswith(base_url + "/"):
        # Follow the status_url the API returned, but only on the API's own host (it carries the token).
        response = yield Fetch(job.status_url)
        return StatusResponse.from_dict(json_of(response))
    status = yield Call(get_status, {"request_id": job.request_id})
    return status  # type: ignore[no-any-return]


def _check_plan(base_url: str, job: Job) -> Plan[polling.PollResult[Any]]:
    try:
        status = yield from _get_plan(base_url, job)
    except NotFoundError:
        raise JobFailedError(
            f"request {job.request_id} is unknown to the Status Service or has expired (404 NOT_FOUND)",
            request_id=job.request_id,
            status="NOT_FOUND",
        ) from None
    state = _raw(status.status)
    if state == "COMPLETED":
        data = status.result.to_dict() if hasattr(status.result, "to_dict") else {}
        return polling.PollResult(done=True, value=result_of(job.kind, data, job.request_id), status=state)
    if state in ("ERROR", "UNKNOWN"):
        error = status.error.to_dict() if hasattr(status.error, "to_dict") else {}
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
    base_url: str, job: Job, timeout: float | None, on_progress: Callable[[Any], None] | None, policy: Any
) -> Plan[Any]:
    result = yield Poll(
        lambda: _check_plan(base_url, job),
        policy or polling.GENERATION,
        timeout,
        f"{job.kind} job {job.request_id}",
        on_progress,
    )
    return result
