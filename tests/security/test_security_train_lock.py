"""Issue 14, item 4: a lock on train state.

Two ``train`` runs on the same state manifest never work at once: the second fails fast naming the first
(pid, host, start time), or with ``wait_lock=True`` waits and then finds the run finished. A lock left by
a process that died is taken over, and the pid check says so.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Unpack, cast

import pytest
from PIL import Image

from bria_tailored import AsyncTailoredClient, TailoredClient
from bria_tailored.__main__ import main
from bria_tailored.errors import BriaError, ValidationError
from bria_tailored.polling import PollPolicy
from bria_tailored.workflows import TrainEvent, TrainOptions, TrainResult
from bria_tailored.workflows._state import StateLockedError, TrainLock

FAST = PollPolicy(0.05, 0.2)


def options(**extra: Unpack[TrainOptions]) -> TrainOptions:
    """A new project's IP and fast polling, plus ``extra``."""
    chosen: TrainOptions = {"ip_type": "icons", "ip_medium": "illustration", "poll_policy": FAST}
    chosen.update(extra)
    return chosen


def draw(folder: Path, count: int = 5) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.new("RGB", (300, 300), (30 * i % 255, 100, 150)).save(folder / f"img-{i}.png")
    return folder


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def projects_named(sandbox: str, name: str) -> list[int]:
    with TailoredClient("tok", base_url=sandbox) as client:
        return [p.id for p in client.projects.list() if p.project_name == name]


def models_of(sandbox: str, project_id: int) -> list[int]:
    with TailoredClient("tok", base_url=sandbox) as client:
        return [m.id for m in client.models.list(project_id)]


def lock_files(folder: Path) -> tuple[Path, Path]:
    state = folder.parent / f"{folder.name}.bria-train.json"
    return state.with_name(state.name + ".lock"), state.with_name(state.name + ".lock.json")


def test_two_concurrent_runs_create_one_model(sandbox: str, tmp_path: Path) -> None:
    folder = draw(tmp_path / "imgs")
    start = threading.Barrier(2)
    outcomes: list[TrainResult | BaseException] = []

    def run() -> None:
        with TailoredClient("tok", base_url=sandbox) as client:
            start.wait()
            try:
                outcomes.append(client.train(folder, project="Concurrent", **options()))
            except BaseException as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    results = [o for o in outcomes if isinstance(o, TrainResult)]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(results) == 1 and len(errors) == 1, outcomes
    error = errors[0]
    assert isinstance(error, StateLockedError) and isinstance(error, BriaError)
    assert error.holder is not None and error.holder.pid == os.getpid()
    message = str(error)
    assert f"process {os.getpid()} on {socket.gethostname()}" in message and "started 20" in message
    assert "--wait-lock" in message
    (project_id,) = projects_named(sandbox, "Concurrent")
    assert models_of(sandbox, project_id) == [results[0].model.id]
    _, holder = lock_files(folder)
    assert not holder.exists()  # released at the end of the run


def test_wait_lock_waits_then_finds_the_run_finished(sandbox: str, tmp_path: Path) -> None:
    folder = draw(tmp_path / "imgs")
    _, holder = lock_files(folder)
    first: list[TrainResult] = []
    events: list[TrainEvent] = []

    def run_first() -> None:
        with TailoredClient("tok", base_url=sandbox) as client:
            first.append(client.train(folder, project="Waited", **options()))

    thread = threading.Thread(target=run_first)
    thread.start()
    wait_for(holder.exists)
    with TailoredClient("tok", base_url=sandbox) as client:
        second = client.train(folder, project="Waited", **options(wait_lock=True, on_progress=events.append))
    thread.join(30)
    assert second.resumed and second.model.id == first[0].model.id
    assert any("waiting for process" in (e.detail or "") for e in events)
    (project_id,) = projects_named(sandbox, "Waited")
    assert models_of(sandbox, project_id) == [second.model.id]


HOLDER = """
import sys, time
from bria_tailored.workflows._state import TrainLock
lock = TrainLock(sys.argv[1], "held by a test")
assert lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_the_error_names_another_process_and_a_dead_ones_lock_is_taken_over(
    sandbox: str, tmp_path: Path
) -> None:
    folder = draw(tmp_path / "imgs")
    state = tmp_path / "run.json"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(state)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with TailoredClient("tok", base_url=sandbox) as client, pytest.raises(StateLockedError) as info:
            client.train(folder, project="Held", **options(state=state))
        found = info.value.holder
        assert found is not None and (found.pid, found.host, found.alive) == (
            holder.pid,
            socket.gethostname(),
            True,
        )
        assert f"process {holder.pid} on {socket.gethostname()}, started " in str(info.value)
        assert projects_named(sandbox, "Held") == []  # failed before anything was created
    finally:
        holder.kill()  # like kill -9: the OS frees the lock, the record stays behind
        holder.wait()
    record = json.loads(state.with_name("run.json.lock.json").read_text())
    assert record["pid"] == holder.pid
    stale = TrainLock(state).read_holder()
    assert stale is not None and stale.alive is False
    events: list[TrainEvent] = []
    with TailoredClient("tok", base_url=sandbox) as client:
        result = client.train(folder, project="Held", **options(state=state, on_progress=events.append))
    assert result.model.status == "Completed"
    took_over = [e.detail for e in events if "took over the lock" in (e.detail or "")]
    assert (
        took_over
        and f"process {holder.pid} on " in str(took_over[0])
        and "no longer running" in str(took_over[0])
    )
    assert not state.with_name("run.json.lock.json").exists()


async def test_the_async_client_takes_and_frees_the_lock(sandbox: str, tmp_path: Path) -> None:
    folder = draw(tmp_path / "imgs")
    state = tmp_path / "async.json"
    other = TrainLock(state)
    assert other.acquire()
    try:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            with pytest.raises(StateLockedError):
                await client.train(folder, project="Async", **options(state=state))
            other.release()
            result = await client.train(folder, project="Async", **options(state=state))
        assert result.model.status == "Completed"
        assert other.acquire()  # the async run freed it, though worker threads took it
    finally:
        other.release()


def test_wait_lock_is_validated_before_anything(tmp_path: Path) -> None:
    folder = draw(tmp_path / "imgs")
    with (
        TailoredClient("tok", base_url="http://127.0.0.1:9") as client,
        pytest.raises(ValidationError) as info,
    ):
        client.train(folder, project="X", **options(wait_lock=cast(Any, "yes")))
    assert info.value.field == "wait_lock"
    assert not lock_files(folder)[0].exists()


def test_cli_fails_fast_or_waits_with_wait_lock(
    sandbox: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    folder = draw(tmp_path / "imgs")
    argv = ["train", str(folder), "--project", "CliLock", "--ip-type", "icons", "--ip-medium", "illustration"]
    argv += ["--poll-interval", "0.05", "--json", "--base-url", sandbox, "--token", "tok"]
    lock = TrainLock(tmp_path / "imgs.bria-train.json")
    assert lock.acquire()
    try:
        code = main(argv)
        out = capsys.readouterr().out
        error: Any = json.loads(out)["error"]
        assert code == 1 and f"process {os.getpid()}" in error["message"]
        timer = threading.Timer(0.5, lock.release)
        timer.start()
        code = main([*argv, "--wait-lock"])
        timer.join()
        assert code == 0 and json.loads(capsys.readouterr().out)["model_status"] == "Completed"
    finally:
        lock.release()
