"""``AsyncTailoredClient`` under trio: everything that sleeps, gathers or limits, not just single calls.

Each test is a plain (sync) test that calls ``trio.run(main)``, so pytest-asyncio's auto mode never sees a
coroutine here. The end-to-end tests talk to the built-in sandbox (a thread on 127.0.0.1) over loopback:
polling (``status.wait``, ``wait_for_captions``, ``wait_for_training``), ``wait_all`` over many jobs,
``datasets.images.upload_many``, ``client.save``. A mock transport scripts the 429 retry (trio's
``MockClock`` proves that the wait honours ``Retry-After`` without taking real time), and
``requests_per_minute`` is measured on the real clock: the limiter must space requests, also when many
trio tasks share one client. An async client belongs to one event loop: a second ``trio.run`` gets
``ClientClosedError``.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import trio
import trio.testing
from PIL import Image

from bria_tailored import AsyncTailoredClient, ImageResult, TailoredClient, errors
from bria_tailored.polling import PollPolicy, PollStats
from bria_tailored.sandbox import run_sandbox
from bria_tailored.types import Job, UploadFailure

T = TypeVar("T")
FAST = PollPolicy(0.02, 0.1)
PROJECT = {"project_name": "Trio", "ip_medium": "illustration", "ip_type": "icons"}


def png(shade: int, size: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (shade % 256, 90, 160)).save(out, format="PNG")
    return out.getvalue()


IMAGES = [png(35 * i) for i in range(6)]


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` under trio (and check it really is trio that runs it)."""

    async def checked() -> T:
        import sniffio

        assert sniffio.current_async_library() == "trio"
        return await main()

    return trio.run(checked)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with run_sandbox(
        training_seconds=0.3, caption_seconds=0.1, job_seconds=0.3, image_scale=0.1, retry_after=0
    ) as url:
        yield url


@pytest.fixture(scope="module")
def model_id(sandbox: str) -> int:
    """A model trained under trio: project, dataset, schema, upload_many, captions, training (polled)."""

    async def main() -> int:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            project = await client.projects.create(**PROJECT)
            dataset = await client.datasets.create(project_id=project.id, name="d")
            schema = await client.datasets.generate_visual_schema(IMAGES[:5])
            await client.datasets.update(dataset.id, visual_schema=schema)
            uploaded = await client.datasets.images.upload_many(dataset.id, IMAGES, concurrency=3)
            assert not [u for u in uploaded if isinstance(u, UploadFailure)]
            captions: list[str] = []
            await client.datasets.wait_for_captions(
                dataset.id, timeout=30, policy=FAST, on_progress=captions.append
            )
            assert captions[-1] != "in_progress"
            await client.datasets.complete(dataset.id)
            model = await client.models.create(name="m", dataset_id=dataset.id)
            await client.models.start_training(model.id)
            seen: list[str] = []
            trained = await client.models.wait_for_training(
                model.id, timeout=30, policy=FAST, on_progress=lambda m: seen.append(str(m.status))
            )
            assert str(trained.status) == "Completed"
            assert len(seen) >= 2  # it was polled: InProgress first, then Completed
            return trained.id

    return run(main)


# ------------------------------------------------------------------------------------- polling
def test_status_wait_polls_a_job_under_trio(sandbox: str, model_id: int) -> None:
    async def main() -> tuple[ImageResult, list[str], ImageResult]:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            job = await client.generate.image(model_id, "a fox", seed=3, wait=False)
            seen: list[str] = []
            result = await client.status.wait(job, timeout=30, policy=FAST, on_progress=seen.append)
            direct = await client.generate.image(model_id, "a fox", seed=4, timeout=30, policy=FAST)
            return result, seen, direct

    result, seen, direct = run(main)
    assert isinstance(result, ImageResult) and result.image_url.startswith("http") and result.seed == 3
    assert "IN_PROGRESS" in seen and seen[-1] == "COMPLETED"  # it slept between checks, on trio
    assert isinstance(direct, ImageResult) and direct.seed == 4


def test_a_wait_is_cancelled_at_once_and_the_client_stays_usable(sandbox: str, model_id: int) -> None:
    async def main() -> tuple[float, ImageResult]:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            job = await client.generate.image(model_id, "a slow fox", wait=False)
            started = trio.current_time()
            with trio.move_on_after(0.05):
                await client.status.wait(job, timeout=30, policy=PollPolicy(5.0, 5.0))
            stopped = trio.current_time() - started
            return stopped, await client.status.wait(job, timeout=30, policy=FAST)

    stopped, result = run(main)
    assert stopped < 2.0  # not the 5 s poll interval
    assert isinstance(result, ImageResult)


def test_wait_all_over_many_jobs_under_trio(sandbox: str, model_id: int) -> None:
    async def main() -> tuple[list[Job[ImageResult]], list[Any], PollStats, list[int]]:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            jobs = [await client.generate.image(model_id, f"fox {i}", seed=i, wait=False) for i in range(30)]
            jobs[7] = await client.generate.image(model_id, "[sandbox:error] fox", wait=False)
            stats = PollStats()
            seen: list[int] = []
            results = await client.status.wait_all(
                jobs,
                timeout=30,
                policy=FAST,
                return_exceptions=True,
                stats=stats,
                on_progress=lambda i, status: seen.append(i),
            )
            return jobs, results, stats, seen

    jobs, results, stats, seen = run(main)
    assert len(results) == 30
    assert isinstance(results[7], errors.JobFailedError) and results[7].request_id == jobs[7].request_id
    ok = [(job, result) for i, (job, result) in enumerate(zip(jobs, results, strict=True)) if i != 7]
    assert all(isinstance(result, ImageResult) for _, result in ok)
    assert [result.request_id for _, result in ok] == [job.request_id for job, _ in ok]
    assert [result.seed for _, result in ok] == [i for i in range(30) if i != 7]
    assert stats.checks >= 30 and set(seen) >= {i for i in range(30) if i != 7}


# ---------------------------------------------------------------------------- upload_many, save
def test_upload_many_under_trio(sandbox: str) -> None:
    async def main() -> tuple[list[Any], list[tuple[int, int]], list[str]]:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            project = await client.projects.create(**PROJECT)
            dataset = await client.datasets.create(project_id=project.id, name="uploads")
            progress: list[tuple[int, int]] = []
            sources: list[Any] = [*IMAGES, b"not an image"]
            results = await client.datasets.images.upload_many(
                dataset.id,
                sources,
                concurrency=4,
                on_progress=lambda done, total, item: progress.append((done, total)),
            )
            listed = await client.datasets.images.list(dataset.id)
            return results, progress, sorted(str(image.id) for image in listed)

    results, progress, listed = run(main)
    assert len(results) == 7
    uploaded, failed = results[:6], results[6]
    assert all(not isinstance(item, UploadFailure) for item in uploaded)
    assert isinstance(failed, UploadFailure) and isinstance(failed.error, errors.ValidationError)
    assert sorted(str(item.id) for item in uploaded) == listed  # type: ignore[union-attr]
    assert sorted(progress) == [(done, 7) for done in range(1, 8)]


def test_save_under_trio(sandbox: str, model_id: int, tmp_path: Path) -> None:
    async def main() -> tuple[ImageResult, Any]:
        async with AsyncTailoredClient("tok", base_url=sandbox) as client:
            result = await client.generate.image(model_id, "a fox to keep", seed=9, timeout=30, policy=FAST)
            stored = await client.save(result, tmp_path / "out", key="fox.png", prompt="a fox to keep")
            return result, stored

    result, stored = run(main)
    saved = (tmp_path / "out" / "fox.png").read_bytes()
    assert saved[:8] == b"\x89PNG\r\n\x1a\n" and stored.size == len(saved)
    sidecar = json.loads((tmp_path / "out" / "fox.png.json").read_text())
    assert sidecar["seed"] == 9 and sidecar["prompt"] == "a fox to keep"
    assert sidecar["request_id"] == result.request_id and sidecar["sha256"] == stored.sha256


# ------------------------------------------------------------------------------- 429 and limits
PROJECT_BODY = {"id": 5, "project_name": "p", "status": "active", "created_at": "2024-05-01T12:00:00Z"}


class Scripted:
    """A mock API: the scripted answers in order, then 200 with a project; records trio's clock."""

    def __init__(self, *script: httpx.Response) -> None:
        self.script = list(script)
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(trio.current_time())
        if self.script:
            return self.script.pop(0)
        listing = request.method == "GET" and request.url.path.endswith("/projects")
        body = [PROJECT_BODY] if listing else PROJECT_BODY
        return httpx.Response(201 if request.method == "POST" else 200, json=body)


def mocked_client(handler: Scripted, **options: Any) -> AsyncTailoredClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncTailoredClient("tok", base_url="https://api.bria.test", http_client=http, **options)


def test_429_is_retried_after_retry_after_under_trio() -> None:
    """Virtual time: the retry waits out Retry-After on trio's clock, and no real time passes."""
    handler = Scripted(
        httpx.Response(429, headers={"retry-after": "30"}, json={"message": "slow down"}),
        httpx.Response(429, headers={"retry-after": "12"}, json={"message": "slow down"}),
    )

    async def main() -> tuple[Any, float]:
        async with mocked_client(handler, max_retries=3) as client:
            started = trio.current_time()
            project = await client.projects.create(**PROJECT)  # a POST: 429 is retried for every operation
            return project, trio.current_time() - started

    real = time.monotonic()
    project, waited = trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert time.monotonic() - real < 10
    assert project.id == 5
    assert len(handler.times) == 3
    assert 42.0 <= waited < 43.0, waited
    assert handler.times[1] - handler.times[0] >= 30.0 and handler.times[2] - handler.times[1] >= 12.0


def test_429_retry_on_the_real_clock_and_its_limit_under_trio() -> None:
    handler = Scripted(httpx.Response(429, headers={"retry-after": "0.05"}), httpx.Response(429))
    gives_up = Scripted(*[httpx.Response(429, headers={"retry-after": "0"}, json={"message": "no"})] * 3)

    async def main() -> None:
        async with mocked_client(handler, max_retries=2) as client:
            project = await client.projects.get(5)
            assert project.id == 5
        async with mocked_client(gives_up, max_retries=2) as client:
            with pytest.raises(errors.RateLimitError, match="no"):
                await client.projects.get(5)

    run(main)
    assert len(handler.times) == 3 and handler.times[1] - handler.times[0] >= 0.045
    assert len(gives_up.times) == 3


def test_429_faults_of_the_sandbox_are_ridden_out_under_trio() -> None:
    with run_sandbox(fail_rate=0.4, fail_kinds=("429",), retry_after=0, seed=11) as url:

        async def main() -> int:
            async with AsyncTailoredClient("tok", base_url=url, max_retries=12) as client:
                for _ in range(15):
                    assert isinstance(await client.projects.list(), list)
                async with trio.open_nursery() as nursery:
                    for _ in range(10):
                        nursery.start_soon(client.projects.list)
            return 0

        assert run(main) == 0


def test_requests_per_minute_spaces_requests_under_trio() -> None:
    """600/min is one request per 0.1 s: 6 calls, in sequence or from 6 trio tasks at once, take >= 0.5 s."""
    sequential, concurrent = Scripted(), Scripted()

    async def main() -> tuple[float, float]:
        async with mocked_client(sequential, requests_per_minute=600) as client:
            started = trio.current_time()
            for _ in range(6):
                await client.projects.get(5)
            one_by_one = trio.current_time() - started
        async with mocked_client(concurrent, requests_per_minute=600) as client:
            started = trio.current_time()
            async with trio.open_nursery() as nursery:
                for _ in range(6):
                    nursery.start_soon(client.projects.get, 5)
            at_once = trio.current_time() - started
        return one_by_one, at_once

    one_by_one, at_once = run(main)
    for handler, elapsed in ((sequential, one_by_one), (concurrent, at_once)):
        assert len(handler.times) == 6
        assert elapsed >= 0.45, elapsed
        # never ahead of the budget: request i goes out no sooner than i / 10 s after the first one
        offsets = [t - handler.times[0] for t in handler.times]
        assert all(offset >= 0.1 * i - 0.02 for i, offset in enumerate(offsets)), offsets
        assert elapsed < 5.0


# --------------------------------------------------------------------------------- event loops
def test_an_async_client_belongs_to_one_trio_run() -> None:
    handler = Scripted()
    client = mocked_client(handler)

    async def use() -> int:
        return (await client.projects.get(5)).id

    assert run(use) == 5
    with pytest.raises(errors.ClientClosedError, match="(?i)create the client inside"):
        run(use)
    assert len(handler.times) == 1  # the second run sent nothing


def test_the_sync_client_still_works_next_to_trio(sandbox: str) -> None:
    """A sync client made in the same process (e.g. a CLI command) is not affected by trio runs."""
    with TailoredClient("tok", base_url=sandbox) as client:
        assert isinstance(client.projects.list(), list)
