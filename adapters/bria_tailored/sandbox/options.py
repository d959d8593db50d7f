"""The sandbox's configuration: one frozen value object, built from keyword arguments.

Every knob of the sandbox lives here, with its default and its meaning, so ``create_app``,
``run_sandbox``, ``serve_forever`` and the CLI all accept exactly the same keyword arguments.

Two options may also come from the environment, so that a sandbox started by a command line or by code
you do not control can be told about them: ``fetch_allow`` from ``BRIA_SANDBOX_FETCH_ALLOW`` and
``allowed_hosts`` from ``BRIA_SANDBOX_ALLOWED_HOSTS`` (comma-separated), used only when the option is
not given (``None``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TypedDict, Unpack

from .netpolicy import parse_allow_entry

__all__ = [
    "ALLOWED_HOSTS_ENV",
    "FAULT_KINDS",
    "FETCH_ALLOW_ENV",
    "LOOPBACK_HOSTS",
    "SandboxOptions",
    "SandboxOptionsKwargs",
    "check_loopback",
]

FAULT_KINDS: tuple[str, ...] = ("429", "500", "503", "drop")
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})
FETCH_ALLOW_ENV = "BRIA_SANDBOX_FETCH_ALLOW"
ALLOWED_HOSTS_ENV = "BRIA_SANDBOX_ALLOWED_HOSTS"


def _from_env(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def check_loopback(host: str) -> str:
    """Return ``host`` when it is a loopback address; raise ``ValueError`` otherwise."""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"the sandbox binds to loopback only (127.0.0.1, localhost or ::1), not {host!r}: "
            "it has no real authentication and must not be reachable from other machines"
        )
    return host


class SandboxOptionsKwargs(TypedDict, total=False):
    """The keyword arguments of ``create_app``/``run_sandbox``/``serve_forever``: the fields of
    :class:`SandboxOptions`, each optional (a test keeps the two lists equal)."""

    token: str | None
    time_scale: float
    training_seconds: float
    stop_seconds: float
    caption_seconds: float
    bulk_seconds: float
    job_seconds: float
    sync_seconds: float
    clock: Callable[[], float]
    latency_ms: float
    fail_rate: float
    fail_kinds: tuple[str, ...]
    retry_after: int
    rate_limit: float | None
    request_log_size: int
    seed: int
    fault_downloads: bool
    drop_download_after_bytes: int | None
    db_path: str | Path | None
    public_base_url: str | None
    image_scale: float
    max_zip_bytes: int
    max_zip_entries: int
    max_zip_uncompressed_bytes: int
    max_model_bytes: int
    max_image_bytes: int
    max_body_bytes: int | None
    max_json_depth: int
    fetch_allow: tuple[str, ...] | None
    allowed_hosts: tuple[str, ...] | None
    webhook_attempts: int
    webhook_backoff_seconds: float
    webhook_timeout_seconds: float
    spec_path: str | Path | None


@dataclass(frozen=True, kw_only=True)
class SandboxOptions:
    """How a sandbox behaves. All durations are in seconds of the sandbox clock.

    Authentication
        ``token``: when set, requests must carry exactly this ``api_token`` header; otherwise any
        non-empty token is accepted. A missing token is always a 401.
    Accelerated clock
        ``training_seconds`` (Created → Completed), ``stop_seconds`` (Stopping → Stopped),
        ``caption_seconds`` (regenerate-all-captions), ``bulk_seconds`` (a bulk upload, once the zip is
        fetched), ``job_seconds`` (a generation job), ``sync_seconds`` (an uploaded model syncing);
        each is multiplied by ``time_scale`` (0 makes everything instantaneous). ``clock`` is the time
        source (``time.time`` by default); tests inject their own to step through a lifecycle.
    Faults (API routes only; deterministic under ``seed`` for a given order of requests)
        ``latency_ms`` before every API response; ``fail_rate`` of requests answered with one of
        ``fail_kinds`` instead: ``"429"`` (with ``Retry-After``), ``"500"``, ``"503"`` or ``"drop"``
        (the connection is closed without a response). Faults are decided before any work is done.
        ``fault_downloads`` extends latency and faults to the file routes. ``drop_download_after_bytes``
        cuts the first download that reaches that many bytes (once), to exercise resumable downloads.
    Rate limit (like Bria's per-key limit)
        ``rate_limit``: requests per minute per ``api_token`` (status polls included; ``None``: no limit).
        A request that would make more than ``rate_limit`` accepted requests in the last 60 seconds is
        answered 429 with ``Retry-After`` (the seconds until the oldest of them leaves the window); it does
        not count itself.
    Request log (see ``requestlog.py``)
        ``request_log_size``: how many answered requests ``GET /_sandbox/requests`` and
        ``app.request_log`` keep (the oldest are dropped, and counted, beyond it; 0 keeps none). The
        default 200,000 takes some 40 MB when full.
    State
        ``db_path``: a SQLite file that keeps everything across restarts (memory only when ``None``).
    URLs and limits
        ``public_base_url`` prefixes every URL the sandbox hands out (default: the URL it was reached
        at). ``image_scale`` scales generated images (exact aspect ratio kept; 1.0 gives 1:1 → 1024x1024).
        ``max_zip_bytes`` / ``max_zip_entries`` / ``max_zip_uncompressed_bytes`` bound bulk uploads,
        ``max_model_bytes`` bounds model uploads, ``max_image_bytes`` bounds single images.
    Safe on a laptop (see ``guards.py`` and ``fetching.py``)
        ``fetch_allow``: where the sandbox may fetch the URLs that requests name (``image_url``,
        ``zip_url``, ``model_url``, a video's ``image``, visual-schema images) and deliver webhooks
        beyond loopback. Entries are ``host`` (any port), ``host:port`` (``[::1]:port`` for IPv6) or a URL
        prefix (``https://bucket.s3.amazonaws.com/staging/``). The sandbox's own port is always allowed;
        nothing else is, not even another loopback port, unless listed here. ``None`` reads
        ``$BRIA_SANDBOX_FETCH_ALLOW`` (comma-separated). Redirects are checked hop by hop.
        ``allowed_hosts``: ``Host`` header names accepted besides loopback addresses, ``localhost`` and the
        host of ``public_base_url`` (others are answered 421: DNS rebinding). ``None`` reads
        ``$BRIA_SANDBOX_ALLOWED_HOSTS``.
        ``max_body_bytes`` caps a request body (413; ``None``: the base64 of a ``max_image_bytes`` image
        plus 1 MiB), ``max_json_depth`` the nesting of a JSON body (400).
    Webhooks (see ``webhooks.py``)
        A generation request with ``webhook_url`` gets the job's final status POSTed there, signed with a
        key derived from the request's ``api_token``; a delivery that fails (no answer, not 2xx) is tried
        ``webhook_attempts`` times in all, ``webhook_backoff_seconds`` apart (doubling each time; real
        seconds, not the sandbox clock), each attempt waiting ``webhook_timeout_seconds`` at most.
    """

    token: str | None = None
    time_scale: float = 1.0
    training_seconds: float = 3.0
    stop_seconds: float = 0.5
    caption_seconds: float = 0.5
    bulk_seconds: float = 1.0
    job_seconds: float = 0.3
    sync_seconds: float = 0.5
    clock: Callable[[], float] = field(default=time.time, compare=False)
    latency_ms: float = 0.0
    fail_rate: float = 0.0
    fail_kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: int = 1
    rate_limit: float | None = None
    request_log_size: int = 200_000
    seed: int = 0
    fault_downloads: bool = False
    drop_download_after_bytes: int | None = None
    db_path: str | Path | None = None
    public_base_url: str | None = None
    image_scale: float = 0.5
    max_zip_bytes: int = 512 * 1024 * 1024
    max_zip_entries: int = 6000
    max_zip_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    max_model_bytes: int = 256 * 1024 * 1024
    max_image_bytes: int = 50 * 1024 * 1024
    max_body_bytes: int | None = None
    max_json_depth: int = 32
    fetch_allow: tuple[str, ...] | None = None
    allowed_hosts: tuple[str, ...] | None = None
    webhook_attempts: int = 4
    webhook_backoff_seconds: float = 0.5
    webhook_timeout_seconds: float = 10.0
    spec_path: str | Path | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1, got {self.fail_rate!r}")
        object.__setattr__(self, "fail_kinds", tuple(str(kind) for kind in self.fail_kinds))
        unknown = [kind for kind in self.fail_kinds if kind not in FAULT_KINDS]
        if unknown or not self.fail_kinds:
            raise ValueError(
                f"fail_kinds must be a non-empty subset of {FAULT_KINDS}, got {self.fail_kinds!r}"
            )
        if self.time_scale < 0:
            raise ValueError(f"time_scale must be >= 0, got {self.time_scale!r}")
        if self.image_scale <= 0 or self.image_scale > 1:
            raise ValueError(f"image_scale must be in (0, 1], got {self.image_scale!r}")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {self.latency_ms!r}")
        if self.retry_after < 0:
            raise ValueError(f"retry_after must be >= 0, got {self.retry_after!r}")
        if self.rate_limit is not None and not self.rate_limit > 0:
            raise ValueError(f"rate_limit must be > 0 requests per minute (or None), got {self.rate_limit!r}")
        if self.request_log_size < 0:
            raise ValueError(f"request_log_size must be >= 0, got {self.request_log_size!r}")
        if self.token is not None and not self.token:
            raise ValueError("token must be a non-empty string or None")
        if self.public_base_url is not None:
            object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        fetch_allow = _from_env(FETCH_ALLOW_ENV) if self.fetch_allow is None else tuple(self.fetch_allow)
        object.__setattr__(self, "fetch_allow", fetch_allow)
        for entry in fetch_allow:
            parse_allow_entry(entry)  # a ValueError names the bad entry
        hosts = _from_env(ALLOWED_HOSTS_ENV) if self.allowed_hosts is None else tuple(self.allowed_hosts)
        object.__setattr__(self, "allowed_hosts", tuple(host.strip().lower() for host in hosts))
        if self.max_body_bytes is not None and self.max_body_bytes <= 0:
            raise ValueError(f"max_body_bytes must be > 0, got {self.max_body_bytes!r}")
        if self.max_json_depth < 2:
            raise ValueError(f"max_json_depth must be >= 2, got {self.max_json_depth!r}")
        if self.webhook_attempts < 1:
            raise ValueError(f"webhook_attempts must be >= 1, got {self.webhook_attempts!r}")
        if self.webhook_backoff_seconds < 0 or self.webhook_timeout_seconds <= 0:
            raise ValueError("webhook_backoff_seconds must be >= 0 and webhook_timeout_seconds > 0")

    @classmethod
    def build(
        cls, options: SandboxOptions | None = None, **overrides: Unpack[SandboxOptionsKwargs]
    ) -> SandboxOptions:
        """Options from an existing object and/or keyword arguments (unknown names raise ``TypeError``)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(
                f"unknown sandbox option(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        if options is None:
            return cls(**overrides)
        return replace(options, **overrides)

    @property
    def body_limit(self) -> int:
        """The largest request body accepted (``max_body_bytes``, or room for a base64 ``max_image_bytes``)."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return (self.max_image_bytes + 2) // 3 * 4 + 1024 * 1024

    def duration(self, name: str) -> float:
        """A configured duration (``"training"``, ``"caption"``, ...) after ``time_scale``."""
        return float(getattr(self, f"{name}_seconds")) * self.time_scale
