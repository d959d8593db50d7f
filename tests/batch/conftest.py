"""Fixtures of the batch and rate-limit tests: a sandbox (with a handle on its state, to count the jobs that
really reached it), a trained model, and a real ``redis-server`` on 127.0.0.1 (a free port, no persistence).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from batch_support import TOKEN, Sandbox, free_port, train

from bria_tailored import TailoredClient
from bria_tailored.sandbox import create_app, run_sandbox


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    app = create_app(training_seconds=0.2, caption_seconds=0.05, job_seconds=0.05, image_scale=0.05)
    with run_sandbox(app=app) as url:
        yield Sandbox(url, app, train(url, tmp_path_factory.mktemp("train") / "images"))


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[TailoredClient]:
    with TailoredClient(TOKEN, base_url=sandbox.url, requests_per_minute=3000) as made:
        yield made


@pytest.fixture(scope="package")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh ``redis-server`` (Debian's, installed by .ci/run) on 127.0.0.1: no persistence.

    Skipped when redis-server is not installed, except under CI (``CI`` set), where ``.ci/run`` installs it.
    """
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not on PATH: .ci/run installs it with apt-get install redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
