"""The status tables (bria_tailored.statuses): every waiter stops at every terminal status, and a status
no table knows ends the wait with UnknownStatusError instead of polling until the deadline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bria_tailored import Job, TailoredClient, errors, statuses

ROOT = Path(__file__).resolve().parent.parent
STAMPS = {"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"}


def client_for(answer: Callable[[httpx.Request], httpx.Response], calls: list[str]) -> TailoredClient:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return answer(request)

    client = TailoredClient("t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    client._engine.sleep = lambda seconds: None  # instant waits
    return client


def test_every_status_the_spec_documents_is_in_its_table() -> None:
    spec = json.loads((ROOT / "generated" / "openapi.json").read_text())
    for table in statuses.TABLES:
        documented = {str(v).casefold() for v in spec["components"]["schemas"][table.enum]["enum"]}
        known = {v.casefold() for v in table.known}
        assert documented <= known, (table.kind, documented - known)


def test_training_ends_loudly_on_a_status_it_does_not_know() -> None:
    calls: list[str] = []
    model = {**STAMPS, "id": 5, "name": "m", "status": "Cancelled", "project_id": 1}
    client = client_for(lambda r: httpx.Response(200, json=model), calls)
    with pytest.raises(errors.UnknownStatusError) as caught:
        client.models.wait_for_training(5, timeout=8 * 3600)
    assert caught.value.status == "Cancelled" and caught.value.what == "model 5"
    assert "upgrade" in str(caught.value)
    assert len(calls) == statuses.UNKNOWN_GRACE_CHECKS


def test_an_unknown_status_seen_once_in_passing_is_tolerated() -> None:
    calls: list[str] = []
    seen = iter(["InProgress", "Warming", "InProgress", "Completed"])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**STAMPS, "id": 5, "name": "m", "status": next(seen), "project_id": 1})

    client = client_for(answer, calls)
    assert str(client.models.wait_for_training(5).status) == "Completed"
    assert len(calls) == 4


@pytest.mark.parametrize("status", ["Completed", "completed", "COMPLETED"])
def test_training_success_is_recognised_whatever_the_case(status: str) -> None:
    calls: list[str] = []
    model = {**STAMPS, "id": 5, "name": "m", "status": status, "project_id": 1}
    client = client_for(lambda r: httpx.Response(200, json=model), calls)
    assert client.models.wait_for_training(5).id == 5


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_training_stops_at_every_failed_status(status: str) -> None:
    calls: list[str] = []
    model = {**STAMPS, "id": 5, "name": "m", "status": status, "project_id": 1}
    client = client_for(lambda r: httpx.Response(200, json=model), calls)
    with pytest.raises(errors.TrainingFailedError):
        client.models.wait_for_training(5)
    assert len(calls) == 1


def test_a_generation_job_with_a_new_status_ends_loudly() -> None:
    calls: list[str] = []
    body = {"request_id": "r1", "status": "QUEUED_ON_MARS"}
    client = client_for(lambda r: httpx.Response(200, json=body), calls)
    with pytest.raises(errors.UnknownStatusError, match="QUEUED_ON_MARS"):
        client.status.wait(Job("r1"), timeout=600)
    results = client.status.wait_all([Job("r1"), Job("r1")], return_exceptions=True)
    assert all(isinstance(r, errors.UnknownStatusError) for r in results)


def test_captions_and_bulk_waits_end_loudly_too() -> None:
    calls: list[str] = []
    dataset = {**STAMPS, "id": 2, "project_id": 1, "name": "d", "status": "draft", "captions_update_status": "paused"}
    bulk = {"status": "quarantined"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=bulk if request.url.path.endswith("/status") else dataset)

    client = client_for(answer, calls)
    with pytest.raises(errors.UnknownStatusError, match="paused"):
        client.datasets.wait_for_captions(2)
    with pytest.raises(errors.UnknownStatusError, match="quarantined"):
        client.datasets.wait_for_bulk_upload(2)
