"""Signed webhook deliveries, as Bria makes them when an async v2 request carries ``webhook_url``.

The scheme, implemented here from its description (docs.bria.ai ``webhooks``; ``bria-client`` 0.3.1 checks
the same way) — the sandbox imports nothing from the SDK, whose verifier the tests run against this:

- headers ``Bria-Webhook-Id`` (the job's request id), ``Bria-Webhook-Timestamp`` (Unix seconds) and
  ``Bria-Webhook-Signature`` (``v1=<base64>``);
- signature ``base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))``, with
  ``key = HMAC-SHA256(api_token, "bria-webhook-signing-v1")`` and the ``api_token`` of the request that
  started the job;
- body: the job's final Status Service answer (``{"request_id", "status": "COMPLETED", "result"}`` or
  ``{"request_id", "status": "ERROR", "error"}``): Bria's docs say deliveries and polls carry the same body.

Sandbox decisions:

- Deliveries are for generation jobs (image, structured prompt, video) submitted without ``sync=true``,
  once the job ends on the sandbox clock. The timestamp is wall-clock time, not the sandbox clock, since
  receivers check it against their own.
- Only to an http(s) URL on loopback (any port) or allowed by ``fetch_allow``; anything else is a 400 on
  ``webhook_url`` when the job is submitted. Redirects are not followed (a 3xx is a failed attempt).
- A delivery that gets no 2xx (or no answer) is tried again, ``webhook_attempts`` times in all,
  ``webhook_backoff_seconds`` apart, doubling; each attempt is signed afresh (new timestamp, same id).
- Signing keys live in memory only: the token never reaches the SQLite file, and a restarted sandbox does
  not resume deliveries that were pending.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

import httpx

from .netpolicy import is_loopback, origin_of
from .options import SandboxOptions

__all__ = [
    "ID_HEADER",
    "SIGNATURE_HEADER",
    "SIGNING_SALT",
    "TIMESTAMP_HEADER",
    "Delivery",
    "WebhookSender",
    "signature",
    "signing_key",
]

log = logging.getLogger("bria_tailored.sandbox")

SIGNING_SALT = b"bria-webhook-signing-v1"
ID_HEADER = "Bria-Webhook-Id"
TIMESTAMP_HEADER = "Bria-Webhook-Timestamp"
SIGNATURE_HEADER = "Bria-Webhook-Signature"


def signing_key(api_token: str) -> bytes:
    """The key deliveries for this token are signed with."""
    return hmac.new(api_token.encode("utf-8"), SIGNING_SALT, hashlib.sha256).digest()


def signature(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The ``v1=<base64>`` signature of one delivery."""
    signed = b".".join((webhook_id.encode("utf-8"), timestamp.encode("utf-8"), body))
    return "v1=" + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt: where, which, and what came of it (``status`` or the ``error``'s type)."""

    webhook_id: str
    url: str
    attempt: int
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """POSTs signed deliveries with retries; ``deliveries`` records every attempt (for tests and logs)."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.deliveries: list[Delivery] = []

    async def deliver(self, url: str, webhook_id: str, body: bytes, key: bytes) -> bool:
        """Deliver ``body`` to ``url``; ``True`` once a receiver answered 2xx."""
        origin = origin_of(url)
        delay = self.options.webhook_backoff_seconds
        attempts = self.options.webhook_attempts
        status: int | None = None
        error: str | None = None
        for attempt in range(1, attempts + 1):
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/json",
                "user-agent": "bria-tailored-sandbox-webhooks",
                ID_HEADER: webhook_id,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(key, webhook_id, timestamp, body),
            }
            status, error = None, None
            try:
                async with httpx.AsyncClient(
                    timeout=self.options.webhook_timeout_seconds,
                    follow_redirects=False,
                    trust_env=not (origin is not None and is_loopback(origin.host)),
                ) as client:
                    status = (await client.post(url, content=body, headers=headers)).status_code
            except Exception as exc:  # any failure is a failed attempt, retried
                error = type(exc).__name__
            delivery = Delivery(webhook_id, url, attempt, status, error)
            self.deliveries.append(delivery)
            if delivery.ok:
                return True
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay *= 2
        log.warning(
            "sandbox: webhook %s was not delivered after %d attempt(s) (last: %s)",
            webhook_id,
            attempts,
            status if status is not None else error,
        )
        return False
