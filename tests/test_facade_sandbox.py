"""The facade against the sandbox on 127.0.0.1: the whole lifecycle, waiters, saving, faults."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from bria_tailored import AsyncTailoredClient, ImageResult, TailoredClient, errors
from bria_tailored.polling import PollPolicy, PollStats
from bria_tailored.sandbox import run_sandbox
from bria_tailored.transport import RetryPolicy

FAST = PollPolicy(0.05, 0.5)


def png(width: int, height: int, shade: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([shade, 80, 120]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


IMAGES = [png(300, 300, 30 * i) for i in range(6)]


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with run_sandbox(training_seconds=0.6, caption_seconds=0.2, job_seconds=0.1) as base_url:
        yield base_url


def trained_model(client: TailoredClient, progress: list[Any] | None = None, name: str = "m") -> Any:
    project = client.projects.create(project_name="Icons", ip_medium="illustration", ip_type="icons")
    dataset = client.datasets.create(project_id=project.id, name="d")
    schema = client.datasets.generate_visual_schema(IMAGES[:5])
    client.datasets.update(dataset.id, visual_schema=schema)
    uploaded = client.datasets.images.upload_many(dataset.id, IMAGES, concurrency=3)
    assert [u.image_name for u in uploaded] and all(getattr(u, "id", None) for u in uploaded)
    client.datasets.wait_for_captions(dataset.id, timeout=30, policy=FAST)
    client.datasets.complete(dataset.id)
    model = client.models.create(name=name, dataset_id=dataset.id)
    client.models.start_training(model.id)
    return client.models.wait_for_training(
        model.id, timeout=60, policy=FAST, on_progress=progress.append if progress is not None else None
    )


def test_lifecycle_generate_and_save(sandbox: str, tmp_path: Path) -> None:
    progress: list[Any] = []
    with TailoredClient("tok", base_url=sandbox) as client:
        model = trained_model(client, progress)
        assert model.status.value == "Completed"
        assert progress and progress[-1].status.value == "Completed"
        image = client.generate.image(model.id, "a red fox", seed=11, aspect_ratio="16:9", policy=FAST)
        assert isinstance(image, ImageResult) and image.seed == 11
        body = httpx.get(image.image_url).content
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", body[16:24])
        assert width * 9 == height * 16
        prompt = client.generate.structured_prompt(model.id, "a red fox", policy=FAST)
        assert isinstance(prompt.as_dict(), dict)
        video = client.generate.video(model.id, image.image_url, policy=FAST)
        stored = client.save(image, tmp_path / "out", key="fox.png", prompt="a red fox", model_id=model.id)
        sidecar = json.loads((tmp_path / "out" / "fox.png.json").read_text())
        saved = (tmp_path / "out" / "fox.png").read_bytes()
        assert stored.size == len(saved) > len(body)  # the PNG carries its metadata (text chunks) too
        assert sidecar["sha256"] == stored.sha256
        assert sidecar["seed"] == 11 and sidecar["prompt"] == "a red fox" and "?" not in sidecar["source_url"]
        client.save(video, tmp_path / "out", key="fox.mp4")
        assert b"ftyp" in (tmp_path / "out" / "fox.mp4").read_bytes()[:16]
        weights = client.models.download(model.id, to=tmp_path / "out")
        header_len = struct.unpack("<Q", (tmp_path / "out" / weights.key).read_bytes()[:8])[0]
        assert header_len > 0


def test_injected_job_error_surfaces_with_the_server_message(sandbox: str) -> None:
    with TailoredClient("tok", base_url=sandbox) as client:
        model = trained_model(client)
        with pytest.raises(errors.JobFailedError) as info:
            client.generate.image(model.id, "[sandbox:error] a fox", policy=FAST)
        assert info.value.request_id and info.value.status == "ERROR"
        with pytest.raises(errors.JobFailedError, match="unknown"):
            client.status.wait("no-such-request")


def test_training_failure_raises(sandbox: str) -> None:
    with TailoredClient("tok", base_url=sandbox) as client, pytest.raises(errors.TrainingFailedError):
        trained_model(client, name="doomed [sandbox:fail]")


def test_documented_conflicts_become_typed_errors(sandbox: str) -> None:
    with TailoredClient("tok", base_url=sandbox) as client:
        project = client.projects.create(project_name="C", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="d")
        client.datasets.images.upload_many(dataset.id, IMAGES[:4])
        with pytest.raises(errors.ConflictError):
            client.datasets.complete(dataset.id)  # 4 images
        model = client.models.create(name="m", dataset_id=dataset.id)
        with pytest.raises(errors.PreconditionFailedError):
            client.models.start_training(model.id)  # draft dataset
        with pytest.raises(errors.NotFoundError):
            client.models.get(999999)


async def test_async_client_and_wait_all(sandbox: str) -> None:
    async with AsyncTailoredClient("tok", base_url=sandbox) as client:
        projects = await client.projects.list()
        assert isinstance(projects, list)
    with TailoredClient("tok", base_url=sandbox) as sync:
        model = trained_model(sync)
    async with AsyncTailoredClient("tok", base_url=sandbox) as client:
        jobs = [await client.generate.image(model.id, f"fox {i}", seed=i, wait=False) for i in range(5)]
        stats = PollStats()
        results = await client.status.wait_all(jobs, policy=FAST, timeout=30, stats=stats)
    assert [r.request_id for r in results] == [j.request_id for j in jobs]
    assert stats.checks >= len(jobs)


def test_retries_carry_a_get_workload_through_injected_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retry-After: 0 and no backoff sleeps (the paths are the same; test_client checks the delays): the
    # suite does not sleep a real second per fault.
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.0)
    with run_sandbox(fail_rate=0.2, seed=7, fail_kinds=("429", "500", "503"), retry_after=0) as url:
        with TailoredClient("tok", base_url=url, max_retries=6) as client:
            for _ in range(50):
                assert isinstance(client.projects.list(), list)


def test_wait_all_follows_100_jobs_on_one_loop(sandbox: str) -> None:
    with TailoredClient("tok", base_url=sandbox) as client:
        model = trained_model(client)
        jobs = [client.generate.image(model.id, f"fox {i}", seed=i, wait=False) for i in range(100)]
        jobs[37] = client.generate.image(model.id, "[sandbox:error] fox", wait=False)
        stats = PollStats()
        seen: list[int] = []
        results = client.status.wait_all(
            jobs,
            policy=FAST,
            timeout=60,
            return_exceptions=True,
            stats=stats,
            on_progress=lambda index, status: seen.append(index),
        )
    assert [getattr(r, "request_id", None) for i, r in enumerate(results) if i != 37] == [
        j.request_id for i, j in enumerate(jobs) if i != 37
    ]
    assert isinstance(results[37], errors.JobFailedError) and results[37].request_id == jobs[37].request_id
    assert all(isinstance(r, ImageResult) for i, r in enumerate(results) if i != 37)
    # every check but the one that raised (job 37) reported progress
    assert stats.checks == len(seen) + 1 and stats.checks >= 100
    assert set(seen) >= {i for i in range(100) if i != 37}
