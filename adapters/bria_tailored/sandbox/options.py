"""The sandbox's configuration: one frozen value object, built from keyword arguments.

Every knob of the sandbox lives here, with its default and its meaning, so ``create_app``,
``run_sandbox``, ``serve_forever`` and the CLI all accept exactly the same keyword arguments.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TypedDict, Unpack

__all__ = ["FAULT_KINDS", "LOOPBACK_HOSTS", "SandboxOptions", "SandboxOptionsKwargs", "check_loopback"]

FAULT_KINDS: tuple[str, ...] = ("429", "500", "503", "drop")
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})


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
    allowed_fetch_hosts: tuple[str, ...] | None
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
    State
        ``db_path``: a SQLite file that keeps everything across restarts (memory only when ``None``).
    URLs and limits
        ``public_base_url`` prefixes every URL the sandbox hands out (default: the URL it was reached
        at). ``image_scale`` scales generated images (exact aspect ratio kept; 1.0 gives 1:1 → 1024x1024).
        ``max_zip_bytes`` / ``max_zip_entries`` / ``max_zip_uncompressed_bytes`` bound bulk uploads,
        ``max_model_bytes`` bounds model uploads, ``max_image_bytes`` bounds single images.
        ``allowed_fetch_hosts``: when set, URLs the sandbox fetches (image_url, zip_url, model_url,
        video images) must point at one of these host names (tests use it to stay on 127.0.0.1).
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
    allowed_fetch_hosts: tuple[str, ...] | None = None
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
        if self.token is not None and not self.token:
            raise ValueError("token must be a non-empty string or None")
        if self.public_base_url is not None:
            object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        if self.allowed_fetch_hosts is not None:
            object.__setattr__(self, "allowed_fetch_hosts", tuple(self.allowed_fetch_hosts))

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

    def duration(self, name: str) -> float:
        """A configured duration (``"training"``, ``"caption"``, ...) after ``time_scale``."""
        return float(getattr(self, f"{name}_seconds")) * self.time_scale
