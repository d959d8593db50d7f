"""Bria's webhooks: verify a delivery, and receive deliveries in any ASGI app.

Pass ``webhook_url`` with an async v2 request and Bria POSTs the job's final status there (docs.bria.ai
``webhooks``), with three headers:

- ``Bria-Webhook-Id``: the job's request id;
- ``Bria-Webhook-Timestamp``: when it was sent, in Unix seconds;
- ``Bria-Webhook-Signature``: ``v1=<base64>``, several comma-separated during a key rotation;

where each signature is ``base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))`` and
``key = HMAC-SHA256(api_token, "bria-webhook-signing-v1")``. The body is what the Status Service answers
for the finished job (``{"request_id", "status", "result" | "error"}``).

:func:`verify` checks all of it and returns a :class:`WebhookEvent` whose ``result`` is the same
``ImageResult`` / ``StructuredPromptResult`` / ``VideoResult`` that ``client.status.wait`` returns, or whose
``error`` is the :class:`~bria_tailored.errors.JobFailedError` it would raise. Unlike Bria's own client it
rejects a timestamp more than ``tolerance`` seconds old or ahead, so a captured delivery cannot be
replayed later. Anything wrong raises :class:`~bria_tailored.errors.WebhookVerificationError` saying what.
Verify the *raw* body bytes: parsed and re-serialised JSON no longer matches its signature.

With FastAPI or Starlette::

    from fastapi import FastAPI, Request, Response
    from bria_tailored import errors, webhooks

    app = FastAPI()

    @app.post("/bria/webhook")
    async def bria_webhook(request: Request) -> Response:
        try:
            event = webhooks.verify(await request.body(), request.headers, api_token=TOKEN)
        except errors.WebhookVerificationError:
            return Response(status_code=400)
        if event.result is not None:
            print("done:", event.result)          # an ImageResult, StructuredPromptResult or VideoResult
        return Response(status_code=204)

Or mount the ready-made receiver, which verifies and hands each event to your callback (sync callbacks
run in a worker thread; a callback that raises makes the receiver answer 500, so Bria delivers again)::

    app.mount("/bria/webhook", webhooks.asgi_receiver(handle_event, api_token=TOKEN))

Bria may deliver the same event more than once: ``event.request_id`` is the key to deduplicate on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, TypeAlias, cast

import attrs

from . import statuses
from .errors import JobFailedError, ValidationError, WebhookVerificationError
from .resources.status import result_of
from .types import GenerationResult

__all__ = [
    "ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookEvent",
    "WebhookReceiver",
    "asgi_receiver",
    "verify",
]

log = logging.getLogger("bria_tailored.webhooks")

ID_HEADER = "Bria-Webhook-Id"
TIMESTAMP_HEADER = "Bria-Webhook-Timestamp"
SIGNATURE_HEADER = "Bria-Webhook-Signature"
_SIGNING_SALT = b"bria-webhook-signing-v1"
_MAX_SIGNATURES = 16  # more than any key rotation needs; bounds the work a hostile header can cause


@attrs.frozen
class WebhookEvent:
    """A verified delivery: the job's final status and what it produced (or why it failed).

    ``result`` is set when ``status`` is ``COMPLETED``; ``error`` (the :class:`JobFailedError` that
    ``client.status.wait`` would raise) when it is ``ERROR`` or ``UNKNOWN``. ``timestamp`` is when Bria
    sent it (Unix seconds); ``body`` is the parsed JSON, as sent.
    """

    request_id: str
    status: str
    timestamp: int
    result: GenerationResult | None = None
    error: JobFailedError | None = None
    body: Mapping[str, object] = attrs.field(factory=lambda: {}, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the job completed (``result`` holds its output)."""
        return self.result is not None

    def unwrap(self) -> GenerationResult:
        """The result, or raise what the job failed with (as ``client.status.wait`` does)."""
        if self.result is not None:
            return self.result
        if self.error is not None:
            raise self.error
        raise JobFailedError(
            f"job {self.request_id} is {self.status}, not finished",
            request_id=self.request_id,
            status=self.status,
        )


def _fail(reason: str) -> WebhookVerificationError:
    return WebhookVerificationError(f"webhook rejected: {reason}")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    if value is None or not str(value).strip():
        raise _fail(f"the {name} header is missing")
    return str(value).strip()


def _expected(api_token: str, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    key = hmac.new(api_token.encode("utf-8"), _SIGNING_SALT, hashlib.sha256).digest()
    signed = webhook_id.encode("utf-8") + b"." + timestamp.encode("ascii") + b"." + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def _signature_matches(header: str, expected: bytes) -> bool:
    candidates = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
    if not candidates:
        raise _fail(f"the {SIGNATURE_HEADER} header has no v1= signature")
    matched = False
    for candidate in candidates[:_MAX_SIGNATURES]:
        try:
            given = base64.b64decode(candidate, validate=True)
        except (binascii.Error, ValueError):
            continue
        # compare every candidate, constant-time each: which one matched takes no shorter path
        matched = hmac.compare_digest(given, expected) or matched
    return matched


def _check_arguments(body: object, api_token: object, tolerance: object, now: object) -> None:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"body must be the raw request bytes, not {type(body).__name__}")
    if not isinstance(api_token, str) or not api_token:
        raise ValidationError("api_token", "***", "must be the non-empty API token the job was started with")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise ValidationError("tolerance", tolerance, "must be a number of seconds >= 0 (math.inf: no limit)")
    if now is not None and (
        isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now)
    ):
        raise ValidationError("now", now, "must be a finite Unix time in seconds, or None")


def verify(
    body: bytes,
    headers: Mapping[str, str],
    *,
    api_token: str,
    tolerance: float = 300,
    now: float | None = None,
) -> WebhookEvent:
    """Verify one delivery and parse it; raises :class:`WebhookVerificationError` with the reason.

    ``headers`` may be any mapping (names are matched without regard to case); ``tolerance`` is how far,
    in seconds, the timestamp may be from ``now`` (default: this machine's clock) either way.
    """
    _check_arguments(body, api_token, tolerance, now)
    raw = bytes(body)
    webhook_id = _header(headers, ID_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    signatures = _header(headers, SIGNATURE_HEADER)
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise _fail(f"the {TIMESTAMP_HEADER} header is not a Unix time in seconds")
    timestamp = int(stamp)
    # The signature first: nothing about an unsigned delivery (its age included) is worth reporting.
    if not _signature_matches(signatures, _expected(api_token, webhook_id, stamp, raw)):
        raise _fail("no signature matches (wrong api_token, or the body or headers were altered)")
    current = time.time() if now is None else float(now)
    if current - timestamp > tolerance:
        raise _fail(
            f"the timestamp is {current - timestamp:.0f} s old (tolerance {tolerance:g} s): a replay?"
        )
    if timestamp - current > tolerance:
        raise _fail(f"the timestamp is {timestamp - current:.0f} s in the future (tolerance {tolerance:g} s)")
    return _event(raw, webhook_id, timestamp)


def _as_object(value: object) -> dict[str, object] | None:
    """A JSON object with its keys as text (``None`` for anything else)."""
    if not isinstance(value, dict):
        return None
    return {str(key): item for key, item in cast("dict[object, object]", value).items()}


def _event(raw: bytes, webhook_id: str, timestamp: int) -> WebhookEvent:
    try:
        data: object = json.loads(raw)
    except (ValueError, RecursionError):
        raise _fail("the body is not JSON") from None
    body = _as_object(data)
    if body is None:
        raise _fail("the body is not a JSON object")
    request_id = body.get("request_id", webhook_id)
    if request_id != webhook_id:
        raise _fail(f"the body's request_id is not the {ID_HEADER} that was signed")
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise _fail("the body has no status")
    outcome = statuses.GENERATION.classify(status)
    if outcome == "succeeded":
        fields = _as_object(body.get("result")) or {}
        try:
            result = result_of("image", fields, webhook_id)
        except KeyError as exc:
            raise _fail(f"the job is {status} but its result has no {exc.args[0]}") from None
        return WebhookEvent(webhook_id, status, timestamp, result=result, body=body)
    if outcome == "failed":
        error = _as_object(body.get("error")) or {}
        message = error.get("message") or f"the job ended {status}"
        failure = JobFailedError(
            f"job {webhook_id} ended {status}: {message}",
            request_id=webhook_id,
            code=error.get("code"),
            details=error.get("details"),
            status=status,
        )
        return WebhookEvent(webhook_id, status, timestamp, error=failure, body=body)
    return WebhookEvent(webhook_id, status, timestamp, body=body)


# ------------------------------------------------------------------------------------------ the receiver
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
Callback: TypeAlias = Callable[[WebhookEvent], object]


class WebhookReceiver:
    """An ASGI app that verifies each POSTed delivery and hands the event to ``callback``.

    Answers: 204 once the callback returned; 400 ``{"error": reason}`` for a delivery that does not verify;
    405 for another method; 413 for a body over ``max_body_bytes``; 500 when the callback raised (Bria
    then delivers again). Serves any path: mount it where the ``webhook_url`` points.
    """

    def __init__(
        self, callback: Callback, *, api_token: str, tolerance: float = 300, max_body_bytes: int = 1024 * 1024
    ) -> None:
        if not callable(callback):
            raise ValidationError("callback", callback, "must be callable with a WebhookEvent")
        _check_arguments(b"", api_token, tolerance, None)
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes <= 0:
            raise ValidationError("max_body_bytes", max_body_bytes, "must be a positive integer")
        self.callback = callback
        self.api_token = api_token
        self.tolerance = tolerance
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope.get("method") != "POST":
            await _answer(send, 405, {"error": "only POST is accepted"}, [(b"allow", b"POST")])
            return
        body = await _read(receive, self.max_body_bytes)
        if body is None:
            await _answer(send, 413, {"error": f"body larger than {self.max_body_bytes} bytes"})
            return
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            key, text = bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1")
            headers[key] = f"{headers[key]},{text}" if key in headers else text
        try:
            event = verify(body, headers, api_token=self.api_token, tolerance=self.tolerance)
        except WebhookVerificationError as exc:
            await _answer(send, 400, {"error": str(exc)})
            return
        try:
            await self._dispatch(event)
        except Exception:
            log.exception("webhook callback failed for %s", event.request_id)
            await _answer(send, 500, {"error": "the callback failed"})
            return
        await _answer(send, 204, None)

    async def _dispatch(self, event: WebhookEvent) -> None:
        if inspect.iscoroutinefunction(self.callback):
            await self.callback(event)
            return
        import anyio.to_thread

        outcome = await anyio.to_thread.run_sync(self.callback, event)
        if inspect.isawaitable(outcome):
            await outcome


def asgi_receiver(
    callback: Callback, *, api_token: str, tolerance: float = 300, max_body_bytes: int = 1024 * 1024
) -> WebhookReceiver:
    """An ASGI app receiving Bria's deliveries: each verified event goes to ``callback(event)`` (a function or
    a coroutine function). See :class:`WebhookReceiver` for its answers."""
    return WebhookReceiver(callback, api_token=api_token, tolerance=tolerance, max_body_bytes=max_body_bytes)


async def _read(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") != "http.request":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(
    send: Send, status: int, document: object, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = b"" if document is None else json.dumps(document).encode()
    response_headers = list(headers or [])
    if document is not None:
        response_headers.append((b"content-type", b"application/json"))
    response_headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message.get("type") == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message.get("type") == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
