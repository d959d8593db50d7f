"""Helpers of the batch and rate-limit tests (imported by their conftest and modules)."""

from __future__ import annotations

import os
import socket
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox.app import SandboxApp

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "batch-token"


@dataclass
class Sandbox:
    url: str
    app: SandboxApp
    model: int

    def jobs_by_prompt(self) -> Counter[str]:
        """How many generation jobs the sandbox accepted for each prompt (= submits that reached it)."""
        counts: Counter[str] = Counter()
        for job in self.app.sandbox.store.jobs.all():
            result: Any = job.get("result") or {}
            counts[str(result.get("prompt", ""))] += 1
        return counts


def train(url: str, folder: Path, token: str = "trainer") -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(5):
        Image.new("RGB", (256, 256), (40 * i, 120, 200)).save(folder / f"i{i}.png")
    with TailoredClient(token, base_url=url) as client:
        trained = client.train(
            folder,
            project="Batch",
            ip_type="icons",
            ip_medium="illustration",
            poll_policy=PollPolicy(0.05, 0.2),
        )
        return trained.model.id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env() -> dict[str, str]:
    """The environment of a child Python process that imports the package from this checkout."""
    paths = [str(ROOT / "adapters"), str(ROOT / "generated"), *(p for p in sys.path if p)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
