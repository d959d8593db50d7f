"""The sandbox delivers signed webhooks for generation jobs, and the SDK's verifier accepts them.

A receiver on 127.0.0.1 records each delivery (headers and raw body) and answers a scripted status. The
deliveries verify with ``bria_tailored.webhooks.verify`` and with the scheme written out in the test; a
tampered copy does not. Deliveries that fail are retried; only loopback URLs (or ``fetch_allow`` entries)
are accepted as ``webhook_url``; ``sync=true`` requests get none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import uvicorn
from sandbox_support import TOKEN, Running, trained_model

from bria_tailored import ImageResult, StructuredPromptResult, VideoResult, errors
from bria_tailored.sandbox.lifecycle import ERROR_MARKER
from bria_tailored.webhooks import WebhookEvent, asgi_receiver, verify

GENERATE = "/v2/image/generate/tailored"


class Receiver:
    """Records deliveries; answers the statuses of ``answers`` in turn, then 204."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.deliveries.append(({k: v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bria/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count:
            assert time.monotonic() < deadline, f"{len(self.deliveries)} of {count} deliveries arrived"
            time.sleep(0.02)
        return self.deliveries


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def submit(sb: Running, path: str, body: dict[str, Any]) -> str:
    response = sb.client.post(path, json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["request_id"])


def signed_by_scheme(headers: dict[str, str], body: bytes, token: str) -> bool:
    """The documented scheme, written out (not the SDK's code, not the sandbox's)."""
    key = hmac.new(token.encode(), b"bria-webhook-signing-v1", hashlib.sha256).digest()
    message = f"{headers['Bria-Webhook-Id']}.{headers['Bria-Webhook-Timestamp']}.{body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return f"v1={expected}" in [part.strip() for part in headers["Bria-Webhook-Signature"].split(",")]


def test_deliveries_verify_and_tampered_copies_do_not(
    make_sandbox: Callable[..., Running], receiver: Receiver
) -> None:
    sb = make_sandbox()
    model = trained_model(sb)
    request_id = submit(
        sb,
        GENERATE,
        {"tailored_model_id": str(model["id"]), "prompt": "a fox", "seed": 9, "webhook_url": receiver.url},
    )
    time.sleep(0.3)
    assert not receiver.deliveries, "delivered before the job ended"
    sb.clock.advance(5)
    headers, body = receiver.wait(1)[0]
    assert headers["Bria-Webhook-Id"] == request_id and headers["content-type"] == "application/json"
    assert signed_by_scheme(headers, body, TOKEN)
    assert abs(int(headers["Bria-Webhook-Timestamp"]) - time.time()) < 60  # wall clock, not the sandbox's
    event = verify(body, headers, api_token=TOKEN)
    assert isinstance(event.result, ImageResult) and event.result.seed == 9
    status = sb.client.get(f"/v2/status/{request_id}").json()
    assert event.body == status and event.result.image_url == status["result"]["image_url"]
    tampered_body = body.replace(b"COMPLETED", b"COMPLETEd")
    with pytest.raises(errors.WebhookVerificationError):
        verify(tampered_body, headers, api_token=TOKEN)
    for name, value in [
        ("Bria-Webhook-Id", "another-request"),
        ("Bria-Webhook-Timestamp", str(int(headers["Bria-Webhook-Timestamp"]) + 1)),
    ]:
        with pytest.raises(errors.WebhookVerificationError):
            verify(body, {**headers, name: value}, api_token=TOKEN)
    with pytest.raises(errors.WebhookVerificationError):
        verify(body, headers, api_token="another-token")
    with pytest.raises(errors.WebhookVerificationError, match="old"):
        verify(body, headers, api_token=TOKEN, now=time.time() + 3600)  # replayed an hour later


def test_every_kind_of_job_and_failures_are_delivered(
    make_sandbox: Callable[..., Running], receiver: Receiver
) -> None:
    sb = make_sandbox()
    model = trained_model(sb)
    image_id = submit(sb, GENERATE, {"tailored_model_id": str(model["id"]), "prompt": "a fox"})
    sb.clock.advance(5)
    image_url = sb.client.get(f"/v2/status/{image_id}").json()["result"]["image_url"]
    model_id = str(model["id"])
    hook = {"webhook_url": receiver.url}
    ids = [
        submit(
            sb,
            "/v2/structured_prompt/generate/tailored",
            {"tailored_model_id": model_id, "prompt": "x", **hook},
        ),
        submit(
            sb,
            "/v2/video/generate/tailored/image-to-video",
            {"tailored_model_id": model_id, "image": image_url, **hook},
        ),
        submit(sb, GENERATE, {"tailored_model_id": model_id, "prompt": f"a {ERROR_MARKER}", **hook}),
    ]
    sb.clock.advance(5)
    events = {e.request_id: e for e in (verify(b, h, api_token=TOKEN) for h, b in receiver.wait(3))}
    assert isinstance(events[ids[0]].result, StructuredPromptResult)
    assert isinstance(events[ids[1]].result, VideoResult)
    failed = events[ids[2]]
    assert failed.status == "ERROR" and failed.error is not None and failed.error.code == 500


def test_failed_deliveries_are_retried_and_each_attempt_is_signed(
    make_sandbox: Callable[..., Running], receiver: Receiver
) -> None:
    sb = make_sandbox(webhook_backoff_seconds=0.05, webhook_attempts=4)
    model = trained_model(sb)
    receiver.answers = [500, 503, 302]
    request_id = submit(
        sb, GENERATE, {"tailored_model_id": str(model["id"]), "prompt": "p", "webhook_url": receiver.url}
    )
    sb.clock.advance(5)
    deliveries = receiver.wait(4)
    assert [h["Bria-Webhook-Id"] for h, _ in deliveries] == [request_id] * 4
    assert all(verify(b, h, api_token=TOKEN).request_id == request_id for h, b in deliveries)
    attempts = [(d.attempt, d.status) for d in sb.app.sandbox.webhooks.deliveries]
    assert attempts == [(1, 500), (2, 503), (3, 302), (4, 204)]


def test_delivery_gives_up_after_its_attempts(
    make_sandbox: Callable[..., Running], receiver: Receiver
) -> None:
    sb = make_sandbox(webhook_backoff_seconds=0.01, webhook_attempts=2)
    model = trained_model(sb)
    receiver.answers = [500] * 10
    submit(sb, GENERATE, {"tailored_model_id": str(model["id"]), "prompt": "p", "webhook_url": receiver.url})
    sb.clock.advance(5)
    receiver.wait(2)
    time.sleep(0.3)
    assert len(receiver.deliveries) == 2


def test_webhook_urls_are_loopback_unless_allowlisted(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox(webhook_attempts=1)
    model = str(trained_model(sb)["id"])
    for url in ("http://example.com/hook", "http://192.0.2.10/hook", "ftp://127.0.0.1/hook", "/relative", 42):
        response = sb.client.post(
            GENERATE, json={"tailored_model_id": model, "prompt": "p", "webhook_url": url}
        )
        assert response.status_code == 400, url
        assert response.json()["errors"][0]["field_name"] == "webhook_url"
    for url in ("http://127.0.0.2:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"):
        assert submit(sb, GENERATE, {"tailored_model_id": model, "prompt": "p", "webhook_url": url})
    allowed = make_sandbox(fetch_allow=("192.0.2.10",), webhook_attempts=1, webhook_timeout_seconds=0.5)
    other = str(trained_model(allowed)["id"])
    assert submit(
        allowed, GENERATE, {"tailored_model_id": other, "prompt": "p", "webhook_url": "http://192.0.2.10/h"}
    )


def test_sync_requests_get_no_delivery(make_sandbox: Callable[..., Running], receiver: Receiver) -> None:
    sb = make_sandbox()
    model = trained_model(sb)
    body = {"tailored_model_id": str(model["id"]), "prompt": "p", "sync": True, "webhook_url": receiver.url}
    assert sb.client.post(GENERATE, json=body).status_code == 200
    sb.clock.advance(5)
    time.sleep(0.3)
    assert receiver.deliveries == []


def test_the_sdk_receiver_gets_the_sandbox_deliveries(make_sandbox: Callable[..., Running]) -> None:
    events: list[WebhookEvent] = []
    app = asgi_receiver(events.append, api_token=TOKEN)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        sb = make_sandbox()
        model = trained_model(sb)
        request_id = submit(
            sb,
            GENERATE,
            {
                "tailored_model_id": str(model["id"]),
                "prompt": "p",
                "webhook_url": f"http://127.0.0.1:{port}/hooks",
            },
        )
        sb.clock.advance(5)
        while not events:
            assert time.monotonic() < deadline + 10
            time.sleep(0.02)
        assert events[0].request_id == request_id and isinstance(events[0].result, ImageResult)
        # The receiver sees the event before the sandbox has read the reply and recorded the attempt.
        deliveries = sb.app.sandbox.webhooks.deliveries
        while not deliveries:
            assert time.monotonic() < deadline + 10
            time.sleep(0.02)
        assert deliveries[-1].status == 204
    finally:
        server.should_exit = True
        thread.join(10)
