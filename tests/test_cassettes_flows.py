"""The main flows through the facade, replayed from cassettes recorded against the sandbox.

Train pipeline (as the explicit sequence of facade calls), generate and save (the output downloads are in
the cassette too), bulk upload with progress, a job that fails, a training that fails, a 429 followed by
success, and the async client. Re-record with ``python scripts/record_cassettes.py``.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_cassettes_operations import FAST, IMAGES, World

from bria_tailored import ImageResult, VideoResult, errors

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

FLOW_SANDBOX = {"training_seconds": 0.6, "caption_seconds": 0.2, "bulk_seconds": 0.6, "job_seconds": 0.2}


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
def test_train_pipeline(bria_target: Any) -> None:
    uploads: list[tuple[int, int]] = []
    captions: list[str] = []
    training: list[str] = []
    with bria_target.client() as client:
        project = client.projects.create(project_name="Brand", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="brand icons")
        schema = client.datasets.generate_visual_schema(IMAGES[:5])
        client.datasets.update(dataset.id, visual_schema=schema)
        uploaded = client.datasets.images.upload_many(
            dataset.id,
            IMAGES,
            concurrency=1,
            on_progress=lambda done, total, _: uploads.append((done, total)),
        )
        ready = client.datasets.wait_for_captions(
            dataset.id, timeout=30, policy=FAST, on_progress=lambda d: captions.append(str(d))
        )
        completed = client.datasets.complete(dataset.id)
        model = client.models.create(name="brand-v1", dataset_id=dataset.id)
        started = client.models.start_training(model.id)
        trained = client.models.wait_for_training(
            model.id, timeout=60, policy=FAST, on_progress=lambda m: training.append(m.status.value)
        )
    assert [image.image_name for image in uploaded] and len({image.id for image in uploaded}) == 6
    assert uploads == [(i, 6) for i in range(1, 7)]
    assert ready.captions_update_status.value == "completed" and captions
    assert completed.status.value == "completed"
    assert started.status.value == "InProgress"
    assert trained.status.value == "Completed" and training[-1] == "Completed"
    assert "InProgress" in training  # progress was reported while training
    paths = [(r.method, r.url.path) for r in bria_target.sent]
    assert paths[:4] == [
        ("POST", "/v1/tailored-gen/projects"),
        ("POST", "/v1/tailored-gen/datasets"),
        ("POST", "/v1/tailored-gen/generate_visual_schema"),
        ("PUT", f"/v1/tailored-gen/datasets/{dataset.id}"),
    ]
    assert ("POST", f"/v1/tailored-gen/models/{model.id}/start_training") in paths
    assert json.loads(bria_target.requests("POST", "/v1/tailored-gen/models")[0].content) == {
        "name": "brand-v1",
        "dataset_id": dataset.id,
    }


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
def test_generate_and_save(bria_target: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with bria_target.client() as client:
        model = World(client, bria_target).trained()
        job = client.generate.image(model.id, "a red fox", seed=11, aspect_ratio="16:9", wait=False)
        image = client.status.wait(job, timeout=30, policy=FAST)
        stored = client.save(image, out, key="fox.png", prompt="a red fox", model_id=model.id)
        video_job = client.generate.video(model.id, image.image_url, seed=3, wait=False)
        video = client.status.wait(video_job, timeout=30, policy=FAST)
        client.save(video, out, key="fox.mp4")
        weights = client.models.download(model.id, to=out)
    assert isinstance(image, ImageResult) and image.seed == 11 and image.request_id == job.request_id
    assert isinstance(video, VideoResult) and video.video_url.startswith(bria_target.base_url)
    body = (out / "fox.png").read_bytes()
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", body[16:24])
    assert width * 9 == height * 16
    sidecar = json.loads((out / "fox.png.json").read_text())
    assert stored.size == len(body) and sidecar["sha256"] == stored.sha256
    assert sidecar["seed"] == 11 and sidecar["prompt"] == "a red fox" and sidecar["model_id"] == model.id
    assert sidecar["source_url"] == image.image_url.split("?", 1)[0]
    assert b"ftyp" in (out / "fox.mp4").read_bytes()[:16]
    header_len = struct.unpack("<Q", (out / weights.key).read_bytes()[:8])[0]
    assert header_len > 0
    body_sent = json.loads(bria_target.requests("POST", "/v2/image/generate/tailored")[0].content)
    assert body_sent == {
        "tailored_model_id": str(model.id),
        "prompt": "a red fox",
        "seed": 11,
        "aspect_ratio": "16:9",
    }


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
def test_bulk_upload_with_progress(bria_target: Any, tmp_path: Path) -> None:
    progress: list[Any] = []
    with bria_target.client() as client:
        world = World(client, bria_target)
        dataset = world.advanced_dataset()
        started = client.datasets.bulk_upload(dataset.id, zip_url=world.ids["zip_url"], wait=False)
        final = client.datasets.wait_for_bulk_upload(
            dataset.id, timeout=30, policy=FAST, on_progress=progress.append
        )
        images = client.datasets.images.list(dataset.id)
        saved = client.datasets.download(dataset.id, to=tmp_path)
    assert started.status is None
    percentages = [p.progress_percentage for p in progress]
    assert percentages == sorted(percentages) and percentages[-1] == 100 and len(percentages) >= 2
    assert final.status.value == "completed" and final.done == 6 and final.failed == 0
    assert sorted(i.image_name for i in images) == [f"icon-{n}.png" for n in range(6)]
    with zipfile.ZipFile(tmp_path / saved.key) as archive:
        assert len(archive.namelist()) == 6
    request = bria_target.requests("POST", f"/v1/tailored-gen/datasets/{dataset.id}/images/bulk-upload")[0]
    assert json.loads(request.content) == {"zip_url": world.ids["zip_url"]}


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
def test_a_job_that_fails(bria_target: Any) -> None:
    with bria_target.client() as client:
        model = World(client, bria_target).trained()
        job = client.generate.image(model.id, "[sandbox:error] a fox", seed=1, wait=False)
        with pytest.raises(errors.JobFailedError) as info:
            client.status.wait(job, timeout=30, policy=FAST)
        with pytest.raises(errors.JobFailedError, match="unknown") as unknown:
            client.status.wait("no-such-request", timeout=30, policy=FAST)
    assert info.value.request_id == job.request_id and info.value.status == "ERROR"
    assert info.value.code == 500 and "sandbox:error" in str(info.value.details)
    assert unknown.value.status == "NOT_FOUND"


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
def test_a_training_that_fails(bria_target: Any) -> None:
    statuses: list[str] = []
    with bria_target.client() as client:
        world = World(client, bria_target)
        dataset = world.completed_dataset()
        model = client.models.create(name="doomed [sandbox:fail]", dataset_id=dataset.id)
        client.models.start_training(model.id)
        with pytest.raises(errors.TrainingFailedError) as info:
            client.models.wait_for_training(
                model.id, timeout=60, policy=FAST, on_progress=lambda m: statuses.append(m.status.value)
            )
    assert "Failed" in str(info.value) and statuses and set(statuses) <= {"InProgress", "Failed"}


# Seed 47 with fail_rate 0.5 makes the sandbox answer 429 to the 1st, 3rd and 4th API requests.
@pytest.mark.sandbox_options(fail_rate=0.5, fail_kinds=["429"], seed=47, retry_after=0)
def test_429_then_success(bria_target: Any, vcr: Any) -> None:
    with bria_target.client(max_retries=3) as client:
        project = client.projects.create(project_name="Busy", ip_medium="illustration", ip_type="icons")
        listed = client.projects.list()
        fetched = client.projects.get(project.id)
    assert [p.id for p in listed] == [project.id] and fetched.project_name == "Busy"
    statuses = [(request.method, request.path, response["status"]["code"]) for request, response in vcr.data]
    assert statuses == [
        ("POST", "/v1/tailored-gen/projects", 429),
        ("POST", "/v1/tailored-gen/projects", 201),
        ("GET", "/v1/tailored-gen/projects", 429),
        ("GET", "/v1/tailored-gen/projects", 429),
        ("GET", "/v1/tailored-gen/projects", 200),
        ("GET", f"/v1/tailored-gen/projects/{project.id}", 200),
    ]
    retry_after = [r["headers"].get("retry-after") for _, r in vcr.data if r["status"]["code"] == 429]
    assert retry_after == [["0"]] * 3
    if not bria_target.recording:
        assert vcr.all_played


@pytest.mark.sandbox_options(**FLOW_SANDBOX)
async def test_async_client_generates_many(bria_target: Any) -> None:
    with bria_target.client() as sync:
        model = World(sync, bria_target).trained()
    async with bria_target.async_client() as client:
        jobs = [await client.generate.image(model.id, f"fox {i}", seed=i, wait=False) for i in range(3)]
        results = await client.status.wait_all(jobs, policy=FAST, timeout=30)
        projects = await client.projects.list()
    assert [r.request_id for r in results] == [j.request_id for j in jobs]
    assert [r.seed for r in results] == [0, 1, 2]
    assert len(projects) == 1
