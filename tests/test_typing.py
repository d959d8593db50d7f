"""Type checkers see the async client's methods as awaitable and the sync client's as plain values, and
the generated facades and operation table are what their scripts make from the plan groups and the spec.

The exact type of every public method is pinned by tests/typing/check_public_api.py (``assert_type``),
which CI checks with mypy and pyright (both strict)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
from bria_tailored import AsyncTailoredClient, TailoredClient
from bria_tailored_api.models import DatasetImage, Project


async def use_async(client: AsyncTailoredClient) -> DatasetImage:
    projects: list[Project] = await client.projects.list()
    assert projects
    return await client.datasets.images.get(1, 2)


def use_sync(client: TailoredClient) -> DatasetImage:
    projects: list[Project] = client.projects.list()
    assert projects
    return client.datasets.images.get(1, 2)


async def wrong(client: AsyncTailoredClient) -> None:
    projects: list[Project] = client.projects.list()  # forgot await: must be an error
"""


def test_facades_and_operation_table_are_up_to_date() -> None:
    for script in ("gen_facade.py", "gen_operations.py"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / script), "--check"], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr


def test_mypy_sees_awaitable_async_methods(tmp_path: Path) -> None:
    source = tmp_path / "usage.py"
    source.write_text(SNIPPET)
    env = dict(os.environ, MYPYPATH=os.pathsep.join([str(ROOT / "adapters"), str(ROOT / "generated")]))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    forgot = 1 + SNIPPET.splitlines().index(
        next(line for line in SNIPPET.splitlines() if "forgot await" in line)
    )
    assert len(errors) == 1 and f"usage.py:{forgot}:" in errors[0] and "Coroutine" in errors[0], proc.stdout
