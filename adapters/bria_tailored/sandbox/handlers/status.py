"""Handler of the Status Service: a generation job's state, and its result or error once it ends."""

from __future__ import annotations

from ..lifecycle import job_status
from ..service import Sandbox
from ..views import result_view
from .base import Call, Reply, handles

__all__ = ["get_status"]


@handles("get-status")
async def get_status(sb: Sandbox, call: Call[None]) -> Reply:
    job = sb.store.jobs.get(call.text("request_id"))
    if job is None:
        return Reply(404, {"status": "NOT_FOUND"})
    status = job_status(job, call.now)
    view: dict[str, object] = {"request_id": job["request_id"], "status": status}
    result = job.get("result")
    if status == "COMPLETED" and result is not None:
        view["result"] = result_view(result, call.base_url)
    if status == "ERROR":
        view["error"] = job["error"]
    return Reply(200, view)
