"""Per-call request options on every facade method: extra_body, extra_query, extra_headers and
request_timeout reach the request (the submit and the polls), known fields are still validated, and the
token cannot be overridden."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bria_tailored import AsyncTailoredClient, TailoredClient, errors

STAMPS = {"created_at": "2026-01-02T03:04:05Z"}
PROJECT = {**STAMPS, "id": 1, "project_name": "p", "status": "active"}


def recording_client(seen: list[httpx.Request]) -> TailoredClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/v2/image"):
            return httpx.Response(202, json={"request_id": "r1"})
        if request.url.path.startswith("/v2/status"):
            return httpx.Response(
                200,
                json={"request_id": "r1", "status": "COMPLETED", "result": {"image_url": "https://c/i.png"}},
            )
        return httpx.Response(200, json=PROJECT)

    client = TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client._engine.sleep = lambda s: None
    return client


def test_extra_body_reaches_the_submit_and_unknown_fields_pass_through() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    result = client.generate.image(
        5, "a cat", extra_body={"brand_new_field": {"x": 1}}, extra_headers={"X-Trace": "abc"}
    )
    assert result.image_url == "https://c/i.png"
    submit = json.loads(seen[0].content)
    assert submit["brand_new_field"] == {"x": 1} and submit["prompt"] == "a cat"
    assert all(r.headers["x-trace"] == "abc" for r in seen)  # the polls carry it too
    assert all(r.headers["api_token"] == "t" for r in seen)


def test_extra_body_fields_the_spec_knows_are_validated_before_anything_is_sent() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    with pytest.raises(errors.ValidationError, match="steps_num"):
        client.generate.image(5, "a cat", extra_body={"steps_num": "many"})
    assert seen == []


def test_extra_query_headers_and_timeout_on_a_plain_get() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    client.projects.get(1, extra_query={"expand": "all"}, request_timeout=2.5)
    assert seen[0].url.params["expand"] == "all"
    assert seen[0].extensions["timeout"]["read"] == 2.5


def test_the_token_cannot_be_replaced_through_extra_headers() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    with pytest.raises(errors.ValidationError, match="api_token"):
        client.projects.get(1, extra_headers={"api_token": "other"})
    with pytest.raises(errors.ValidationError, match="request_timeout"):
        client.projects.get(1, request_timeout=float("nan"))
    assert seen == []


def test_the_async_client_takes_the_same_options_and_checks_them_at_await() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=PROJECT)

    async def main() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with AsyncTailoredClient("t", base_url="https://x.test", http_client=http) as client:
            pending = client.projects.get(1, extra_headers={"api_token": "x"})  # nothing raised yet
            with pytest.raises(errors.ValidationError):
                await pending
            await client.projects.get(1, extra_query={"a": "b"})
        await http.aclose()

    asyncio.run(main())
    assert [r.url.params.get("a") for r in seen] == ["b"]


def test_results_carry_their_inputs_and_timeouts_carry_the_request_id() -> None:
    from bria_tailored import Job

    seen: list[httpx.Request] = []
    client = recording_client(seen)
    result = client.generate.image(5, "a cat", seed=9, negative_prompt="dogs", aspect_ratio="16:9")
    assert (result.model_id, result.prompt, result.seed, result.negative_prompt, result.aspect_ratio) == (
        "5",
        "a cat",
        9,
        "dogs",
        "16:9",
    )

    def pending(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"request_id": "r7", "status": "IN_PROGRESS"})

    slow = TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(pending))
    )
    slow._engine.sleep = lambda s: None
    with pytest.raises(errors.WaitTimeoutError) as caught:
        slow.status.wait(Job("r7"), timeout=0)
    assert caught.value.request_id == "r7"
    [timed_out] = slow.status.wait_all([Job("r7")], timeout=0, return_exceptions=True)
    assert isinstance(timed_out, errors.WaitTimeoutError) and timed_out.request_id == "r7"


def test_raw_responses_give_status_and_headers_beside_the_parsed_result() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    with client.raw_responses() as raw:
        project = client.projects.get(1)
        client.projects.get(1)
    assert project.id == 1 and len(raw.responses) == 2
    assert raw.last.status_code == 200 and raw.last.headers["content-type"] == "application/json"
    client.projects.get(1)
    assert len(raw.responses) == 2  # nothing captured after the block


def test_with_options_may_change_the_rate_limit_and_keeps_the_pool() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    slower = client.with_options(requests_per_minute=6, max_retries=0)
    assert slower._pool is client._pool and slower._conn.limiter is not None
    assert client._conn.limiter is None
    assert slower.projects.get(1).id == 1
