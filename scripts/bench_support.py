"""What ``scripts/bench.py`` and ``scripts/bench_batch.py`` share: importing the checkout, the environment of
child processes, a sandbox in another process, stopping a child, and progress lines on stderr."""

from __future__ import annotations

import contextlib
import os
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ensure_importable() -> None:
    """Use the installed package if there is one, else the checkout's ``adapters`` and ``generated``."""
    try:
        import bria_tailored  # noqa: F401
        import bria_tailored_api  # noqa: F401
    except ImportError:
        for folder in ("generated", "adapters"):
            sys.path.insert(0, str(REPO / folder))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a subprocess, able to import what this process imported."""
    import bria_tailored
    import bria_tailored_api

    env = dict(os.environ)
    defaults = {os.path.realpath(p) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    wanted: list[str] = []
    for module in (bria_tailored, bria_tailored_api):
        parent = os.path.realpath(Path(module.__file__).resolve().parent.parent)  # type: ignore[arg-type]
        if parent not in defaults and parent not in wanted:
            wanted.append(parent)
    existing = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    existing_real = {os.path.realpath(p) for p in existing}
    env["PYTHONPATH"] = os.pathsep.join([*(p for p in wanted if p not in existing_real), *existing])
    if not env["PYTHONPATH"]:
        del env["PYTHONPATH"]
    env.update(extra or {})
    return env


def _wait_for_line(path: Path, needle: str, proc: subprocess.Popen[Any], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        for line in text.splitlines():
            if needle in line:
                return line
        if proc.poll() is not None:
            raise RuntimeError(f"subprocess exited ({proc.returncode}) before printing {needle!r}:\n{text}")
        time.sleep(0.05)
    raise TimeoutError(f"subprocess did not print {needle!r} within {timeout}s")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def sandbox_process(*args: str) -> Iterator[str]:
    """``python -m bria_tailored.sandbox --port 0 [args]`` in another process; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="bria-bench-sbx-") as tmp:
        log = Path(tmp) / "sandbox.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bria_tailored.sandbox", "--port", "0", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=child_env(),
            )
        try:
            line = _wait_for_line(log, "listening on http://", proc, 30)
            url = line.rsplit(" ", 1)[-1].strip()
            yield url
        finally:
            _stop(proc)
