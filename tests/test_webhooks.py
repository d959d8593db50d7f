"""``bria_tailored.webhooks``: verifying Bria's signed deliveries, and the ASGI receiver.

The vectors below were computed by hand from Bria's documented scheme (docs.bria.ai ``webhooks``), with
``openssl dgst -sha256 -hmac`` and checked again with Python's ``hmac``; neither the SDK nor the sandbox made
them. :func:`reference_signature` is the same scheme written out in the test, for the cases the vectors do not
cover. The sandbox's real deliveries are verified in ``tests/sandbox/test_webhook_deliveries.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import pickle
from typing import Any

import httpx
import pytest

from bria_tailored import ImageResult, StructuredPromptResult, VideoResult, errors, webhooks
from bria_tailored.webhooks import WebhookEvent, asgi_receiver, verify

# (api_token, Bria-Webhook-Id, Bria-Webhook-Timestamp, body, signing key (hex), signature (base64))
VECTORS = [
    (
        "sandbox-token",
        "9d4a1a2f5c7e4b6f8a0c2d3e4f5a6b7c",
        "1750000000",
        '{"request_id":"9d4a1a2f5c7e4b6f8a0c2d3e4f5a6b7c","status":"COMPLETED","result":{"image_url":'
        '"https://cdn.example.com/result.png","seed":314159,"structured_prompt":"{\\"style\\": \\"flat\\"}"}}',
        "db57dca6c779aafc1691e3e064ed9dfd70e8402d4b4f0225faa3a6d738a1a7a9",
        "qb9S1ooFnL+BhYbEzulhQ7xT8r8WGkHJF3Is1w8Xf9g=",
    ),
    (
        "bria_live_0123456789abcdef",
        "a1b2c3d4",
        "1767225600",
        '{"request_id":"a1b2c3d4","status":"ERROR","error":{"code":500,"message":"Generation failed",'
        '"details":"timeout"}}',
        "1da78e69dcf4fcbd53eabe509f95e03dab0d6207d559d40dd6ab3d6915318816",
        "FKsMP8VrtYn47xkYI3ryBbNMShyDHm9sBoRCYWZ/aJQ=",
    ),
    (
        "tok\u00e9n",
        "req-\u00fc",
        "1700000000",
        '{"request_id":"req-\u00fc","status":"COMPLETED","result":{"video_url":"https://cdn.example.com/v.mp4"}}',
        "edc7fff8111ea84b340d64c100e988c76b24a63308500c68d5665121b7df5f89",
        "MX4ZVVQ90PFswUhcO1Y2aBG2mYQw/AgKR9zSz0X6z0w=",
    ),
]
TOKEN = "sandbox-token"
NOW = 1_750_000_000


def reference_signature(token: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The documented scheme, written out: base64(HMAC-SHA256(HMAC-SHA256(token, salt), "id.ts.body"))."""
    key = hmac.new(token.encode(), b"bria-webhook-signing-v1", hashlib.sha256).digest()
    message = f"{webhook_id}.{timestamp}.{body.decode()}".encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def delivery(
    body: dict[str, Any] | None = None, *, token: str = TOKEN, timestamp: int = NOW, webhook_id: str = "req-1"
) -> tuple[bytes, dict[str, str]]:
    document = body or {
        "request_id": webhook_id,
        "status": "COMPLETED",
        "result": {"image_url": "https://cdn.example.com/a.png", "seed": 7, "structured_prompt": "{}"},
    }
    raw = json.dumps(document).encode()
    signature = reference_signature(token, webhook_id, str(timestamp), raw)
    return raw, {
        "Bria-Webhook-Id": webhook_id,
        "Bria-Webhook-Timestamp": str(timestamp),
        "Bria-Webhook-Signature": f"v1={signature}",
    }


# ------------------------------------------------------------------------------------------- vectors
def test_the_reference_signer_reproduces_the_vectors() -> None:
    for token, webhook_id, timestamp, body, key, signature in VECTORS:
        derived = hmac.new(token.encode(), b"bria-webhook-signing-v1", hashlib.sha256).hexdigest()
        assert derived == key
        assert reference_signature(token, webhook_id, timestamp, body.encode()) == signature


@pytest.mark.parametrize("vector", VECTORS, ids=["image", "error", "video-non-ascii"])
def test_the_vectors_verify(vector: tuple[str, str, str, str, str, str]) -> None:
    token, webhook_id, timestamp, body, _, signature = vector
    headers = {
        "Bria-Webhook-Id": webhook_id,
        "Bria-Webhook-Timestamp": timestamp,
        "Bria-Webhook-Signature": f"v1={signature}",
    }
    event = verify(body.encode(), headers, api_token=token, now=int(timestamp) + 10)
    assert event.request_id == webhook_id and event.timestamp == int(timestamp)
    with pytest.raises(errors.WebhookVerificationError, match="no signature matches"):
        verify(body.encode(), headers, api_token=token + "x", now=int(timestamp))


def test_the_image_vector_is_an_image_result() -> None:
    token, webhook_id, timestamp, body, _, signature = VECTORS[0]
    headers = {"bria-webhook-id": webhook_id, "bria-webhook-timestamp": timestamp}  # any case works
    headers["BRIA-WEBHOOK-SIGNATURE"] = f"v1={signature}"
    event = verify(body.encode(), headers, api_token=token, now=int(timestamp))
    assert event.ok and event.status == "COMPLETED" and event.error is None
    assert event.result == ImageResult(
        image_url="https://cdn.example.com/result.png",
        structured_prompt='{"style": "flat"}',
        seed=314159,
        request_id=webhook_id,
    )
    assert event.unwrap() is event.result


def test_the_error_vector_carries_the_job_failure() -> None:
    token, webhook_id, timestamp, body, _, signature = VECTORS[1]
    headers = {
        "Bria-Webhook-Id": webhook_id,
        "Bria-Webhook-Timestamp": timestamp,
        "Bria-Webhook-Signature": f"v1={signature}",
    }
    event = verify(body.encode(), headers, api_token=token, now=int(timestamp))
    assert not event.ok and event.result is None and event.status == "ERROR"
    assert isinstance(event.error, errors.JobFailedError)
    assert (
        event.error.code == 500 and event.error.details == "timeout" and event.error.request_id == webhook_id
    )
    assert "Generation failed" in str(event.error)
    with pytest.raises(errors.JobFailedError):
        event.unwrap()


def test_the_video_vector_is_a_video_result() -> None:
    token, webhook_id, timestamp, body, _, signature = VECTORS[2]
    headers = {
        "Bria-Webhook-Id": webhook_id,
        "Bria-Webhook-Timestamp": timestamp,
        "Bria-Webhook-Signature": f"v1={signature}",
    }
    event = verify(body.encode(), headers, api_token=token, now=int(timestamp))
    assert event.result == VideoResult(video_url="https://cdn.example.com/v.mp4", request_id=webhook_id)


def test_a_structured_prompt_result() -> None:
    body, headers = delivery(
        {
            "request_id": "req-1",
            "status": "COMPLETED",
            "result": {"structured_prompt": '{"a": 1}', "seed": "5"},
        }
    )
    event = verify(body, headers, api_token=TOKEN, now=NOW)
    assert event.result == StructuredPromptResult(structured_prompt='{"a": 1}', seed=5, request_id="req-1")


# ------------------------------------------------------------------------------------------- tamper
@pytest.mark.parametrize(
    "change",
    [
        "body",
        "body-whitespace",
        "id",
        "timestamp",
        "signature-byte",
        "token",
    ],
)
def test_tampered_deliveries_are_rejected(change: str) -> None:
    body, headers = delivery()
    token = TOKEN
    if change == "body":
        body = body.replace(b"a.png", b"b.png")
    elif change == "body-whitespace":
        body = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    elif change == "id":
        headers["Bria-Webhook-Id"] = "req-2"
    elif change == "timestamp":
        headers["Bria-Webhook-Timestamp"] = str(NOW + 1)
    elif change == "signature-byte":
        raw = bytearray(base64.b64decode(headers["Bria-Webhook-Signature"][3:]))
        raw[0] ^= 1
        headers["Bria-Webhook-Signature"] = "v1=" + base64.b64encode(bytes(raw)).decode()
    else:
        token = "another-token"
    with pytest.raises(errors.WebhookVerificationError, match="no signature matches"):
        verify(body, headers, api_token=token, now=NOW)


def test_a_signed_body_that_names_another_request_is_rejected() -> None:
    body, headers = delivery(
        {"request_id": "someone-else", "status": "COMPLETED", "result": {"image_url": "https://x/a.png"}}
    )
    with pytest.raises(errors.WebhookVerificationError, match="request_id"):
        verify(body, headers, api_token=TOKEN, now=NOW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Bria-Webhook-Timestamp": str(NOW), "Bria-Webhook-Signature": "v1=x"}, "Bria-Webhook-Id"),
        ({"Bria-Webhook-Id": "req-1", "Bria-Webhook-Signature": "v1=x"}, "Bria-Webhook-Timestamp"),
        ({"Bria-Webhook-Id": "req-1", "Bria-Webhook-Timestamp": str(NOW)}, "Bria-Webhook-Signature"),
        (
            {"Bria-Webhook-Id": "req-1", "Bria-Webhook-Timestamp": "17e8", "Bria-Webhook-Signature": "v1=x"},
            "not a Unix time",
        ),
        (
            {
                "Bria-Webhook-Id": "req-1",
                "Bria-Webhook-Timestamp": str(NOW),
                "Bria-Webhook-Signature": "sha=x",
            },
            "no v1= signature",
        ),
    ],
)
def test_missing_or_malformed_headers(headers: dict[str, str], reason: str) -> None:
    body, _ = delivery()
    with pytest.raises(errors.WebhookVerificationError, match=reason):
        verify(body, headers, api_token=TOKEN, now=NOW)


# -------------------------------------------------------------------------------------------- replay
@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(0, True), (300, True), (-300, True), (301, False), (-301, False), (86_400, False), (-86_400, False)],
)
def test_timestamps_outside_the_tolerance_are_rejected(offset: int, accepted: bool) -> None:
    body, headers = delivery(timestamp=NOW)
    if accepted:
        assert verify(body, headers, api_token=TOKEN, now=NOW + offset).request_id == "req-1"
        return
    reason = "old" if offset > 0 else "future"
    with pytest.raises(errors.WebhookVerificationError, match=reason):
        verify(body, headers, api_token=TOKEN, now=NOW + offset)


def test_tolerance_is_configurable_and_defaults_to_the_clock() -> None:
    body, headers = delivery(timestamp=NOW)
    with pytest.raises(errors.WebhookVerificationError, match="old"):
        verify(body, headers, api_token=TOKEN)  # this machine's clock: long after NOW
    assert verify(body, headers, api_token=TOKEN, tolerance=math.inf).request_id == "req-1"
    with pytest.raises(errors.WebhookVerificationError):
        verify(body, headers, api_token=TOKEN, tolerance=0, now=NOW + 1)


def test_an_unsigned_stale_delivery_reports_the_signature_first() -> None:
    body, headers = delivery(timestamp=NOW)
    headers["Bria-Webhook-Signature"] = "v1=" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(errors.WebhookVerificationError, match="no signature matches"):
        verify(body, headers, api_token=TOKEN, now=NOW + 10_000)


# ------------------------------------------------------------------------------------ several signatures
def test_any_of_several_v1_signatures_may_match() -> None:
    body, headers = delivery()
    good = headers["Bria-Webhook-Signature"]
    other = "v1=" + reference_signature("old-token", "req-1", str(NOW), body)
    for header in (f"{other},{good}", f"{good}, {other}", f"v1=not-base64!!, {good}", f"v0=abc,{good}"):
        headers["Bria-Webhook-Signature"] = header
        assert verify(body, headers, api_token=TOKEN, now=NOW).request_id == "req-1"
    headers["Bria-Webhook-Signature"] = f"{other},v1=,v2={good[3:]}"
    with pytest.raises(errors.WebhookVerificationError, match="no signature matches"):
        verify(body, headers, api_token=TOKEN, now=NOW)
    headers["Bria-Webhook-Signature"] = f"v0={good[3:]}"  # the right bytes under another version
    with pytest.raises(errors.WebhookVerificationError, match="no v1="):
        verify(body, headers, api_token=TOKEN, now=NOW)


# ------------------------------------------------------------------------------------------ arguments
def test_bad_arguments_are_caller_errors() -> None:
    body, headers = delivery()
    with pytest.raises(TypeError):
        verify(body.decode(), headers, api_token=TOKEN, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(errors.ValidationError, match="api_token"):
        verify(body, headers, api_token="", now=NOW)
    with pytest.raises(errors.ValidationError, match="tolerance"):
        verify(body, headers, api_token=TOKEN, tolerance=-1, now=NOW)
    with pytest.raises(errors.ValidationError, match="tolerance"):
        verify(body, headers, api_token=TOKEN, tolerance=math.nan, now=NOW)
    with pytest.raises(errors.ValidationError, match="now"):
        verify(body, headers, api_token=TOKEN, now=math.inf)


def test_a_signed_body_that_is_not_a_status_answer() -> None:
    for document in ({"request_id": "req-1"}, {"request_id": "req-1", "status": "COMPLETED", "result": {}}):
        body, headers = delivery(document)
        with pytest.raises(errors.WebhookVerificationError):
            verify(body, headers, api_token=TOKEN, now=NOW)
    raw = b"not json"
    headers = {
        "Bria-Webhook-Id": "req-1",
        "Bria-Webhook-Timestamp": str(NOW),
        "Bria-Webhook-Signature": "v1=" + reference_signature(TOKEN, "req-1", str(NOW), raw),
    }
    with pytest.raises(errors.WebhookVerificationError, match="not JSON"):
        verify(raw, headers, api_token=TOKEN, now=NOW)


def test_the_error_pickles_and_hides_the_token() -> None:
    body, headers = delivery()
    with pytest.raises(errors.WebhookVerificationError) as info:
        verify(body, headers, api_token="secret-token-value", now=NOW)
    assert "secret-token-value" not in str(info.value) + repr(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, errors.WebhookVerificationError) and str(again) == str(info.value)


# -------------------------------------------------------------------------------------- ASGI receiver
async def post(app: Any, body: bytes, headers: dict[str, str], method: str = "POST") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        return await client.request(method, "/bria/webhook", content=body, headers=headers)


async def test_the_receiver_hands_verified_events_to_a_coroutine() -> None:
    seen: list[WebhookEvent] = []

    async def handle(event: WebhookEvent) -> None:
        seen.append(event)

    app = asgi_receiver(handle, api_token=TOKEN, tolerance=math.inf)
    body, headers = delivery()
    response = await post(app, body, headers)
    assert response.status_code == 204 and len(seen) == 1
    assert isinstance(seen[0].result, ImageResult) and seen[0].result.seed == 7
    tampered = await post(app, body.replace(b"a.png", b"b.png"), headers)
    assert tampered.status_code == 400 and "no signature matches" in tampered.json()["error"]
    assert (await post(app, body, headers, method="GET")).status_code == 405
    assert len(seen) == 1


async def test_the_receiver_runs_plain_functions_and_reports_their_failures() -> None:
    seen: list[str] = []

    def handle(event: WebhookEvent) -> None:
        seen.append(event.request_id)
        if event.request_id == "boom":
            raise RuntimeError("callback failed")

    app = webhooks.asgi_receiver(handle, api_token=TOKEN, tolerance=math.inf, max_body_bytes=2048)
    body, headers = delivery()
    assert (await post(app, body, headers)).status_code == 204
    body, headers = delivery(
        {"request_id": "boom", "status": "ERROR", "error": {"code": 500, "message": "x"}}, webhook_id="boom"
    )
    assert (await post(app, body, headers)).status_code == 500  # Bria delivers again
    assert seen == ["req-1", "boom"]
    big, headers = delivery({"request_id": "req-1", "status": "COMPLETED", "result": {"x": "y" * 4000}})
    assert (await post(app, big, headers)).status_code == 413


def test_the_receiver_checks_its_arguments() -> None:
    with pytest.raises(errors.ValidationError):
        asgi_receiver(print, api_token="")
    with pytest.raises(errors.ValidationError):
        asgi_receiver("not callable", api_token=TOKEN)  # type: ignore[arg-type]
