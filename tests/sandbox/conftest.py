"""Fixtures for the sandbox tests: a sandbox on 127.0.0.1 with a hand-driven clock and an httpx client,
and a tiny static file server standing in for the pre-signed URLs of S3/GCS emulators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from sandbox_support import TOKEN, FakeClock, FileServer, Running  # noqa: E402

from bria_tailored.sandbox import create_app, run_sandbox  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sandbox(clock: FakeClock) -> Iterator[Callable[..., Running]]:
    """Start sandboxes (stopped at teardown); defaults: hand clock, 10 s training, 1 s everything else."""
    started: list[Any] = []

    def make(**options: Any) -> Running:
        defaults: dict[str, Any] = {
            "clock": clock,
            "training_seconds": 10.0,
            "caption_seconds": 1.0,
            "bulk_seconds": 1.0,
            "job_seconds": 1.0,
            "stop_seconds": 1.0,
            "sync_seconds": 1.0,
            "fetch_allow": ("127.0.0.1",),
        }
        defaults.update(options)
        app = create_app(**defaults)
        server = run_sandbox(app=app)
        base_url = server.start()
        client = httpx.Client(base_url=base_url, headers={"api_token": TOKEN}, timeout=10.0)
        started.append((server, client))
        return Running(base_url, app, defaults["clock"], client)

    yield make
    for server, client in started:
        client.close()
        server.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., Running]) -> Running:
    return make_sandbox()


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()
