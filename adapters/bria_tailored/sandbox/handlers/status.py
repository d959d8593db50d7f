"""Handler of the Status Service: a generation job's state, and its result or error once it ends."""

from __future__ import annotations

from ..service import Sandbox
from ..views import status_view
from .base import Call, Reply, handles

__all__ = ["get_status"]


@handles("get-status")
async def get_status(sb: Sandbox, call: Call[None]) -> Reply:
    job = sb.store.jobs.get(call.text("request_id"))
    if job is None:
        return Reply(404, {"status": "NOT_FOUND"})
    return Reply(200, status_view(job, call.now, call.base_url))
