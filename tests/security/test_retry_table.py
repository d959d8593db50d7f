"""Idempotency honesty: a 5xx or a dropped connection is retried only for operations that are safe to
repeat, decided per operation in one table (bria_tailored.transport.SAFE_TO_REPEAT)."""

from __future__ import annotations

import httpx
import pytest

from bria_tailored import TailoredClient, _operations, errors, transport

STAMPS = {"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"}
DATASET = {
    **STAMPS,
    "id": 2,
    "project_id": 1,
    "name": "d",
    "status": "draft",
    "captions_update_status": "empty",
}


def flaky_client(calls: list[str], first: int | Exception = 503) -> TailoredClient:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if len(calls) == 1:
            if isinstance(first, Exception):
                raise first
            return httpx.Response(first, json={"message": "busy"})
        return httpx.Response(200, json=DATASET)

    client = TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client._engine.sleep = lambda s: None
    return client


def test_every_operation_of_the_spec_has_a_decision() -> None:
    assert set(_operations.OPERATIONS) <= transport._KNOWN_OPERATIONS
    for op_id, op in _operations.OPERATIONS.items():
        if op.method == "POST":
            assert op_id not in transport.SAFE_TO_REPEAT, op_id  # every POST is billed or creates


def test_regenerating_all_captions_is_never_repeated_after_a_5xx() -> None:
    calls: list[str] = []
    with pytest.raises(errors.InternalServerError):
        flaky_client(calls).datasets.regenerate_captions(2)
    assert calls == ["PUT /v1/tailored-gen/datasets/2/images"]


@pytest.mark.parametrize("first", [503, httpx.ConnectError("reset")])
def test_a_put_that_sets_a_value_is_repeated(first: int | Exception) -> None:
    calls: list[str] = []
    dataset = flaky_client(calls, first).datasets.update(2, name="v2")
    assert dataset.id == 2 and calls == ["PUT /v1/tailored-gen/datasets/2"] * 2


def test_a_dropped_connection_on_regenerate_captions_is_not_repeated() -> None:
    calls: list[str] = []
    with pytest.raises(errors.APIConnectionError):
        flaky_client(calls, httpx.ConnectError("reset")).datasets.regenerate_captions(2)
    assert len(calls) == 1


def test_a_get_is_repeated_and_a_429_is_repeated_for_any_operation() -> None:
    calls: list[str] = []
    assert flaky_client(calls).datasets.get(2).id == 2 and len(calls) == 2
    calls.clear()
    assert flaky_client(calls, 429).datasets.regenerate_captions(2).id == 2 and len(calls) == 2


def test_an_operation_the_table_does_not_know_is_repeated_only_when_it_is_a_get() -> None:
    assert transport.safe_to_repeat("brand-new-op", "GET")
    assert not transport.safe_to_repeat("brand-new-op", "PUT")
    assert not transport.safe_to_repeat("brand-new-op", "DELETE")
