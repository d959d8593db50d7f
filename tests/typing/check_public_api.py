"""What a user's editor knows: the exact type of every public method of both clients.

Not run by pytest: CI type-checks this file with mypy and pyright (both strict). Each ``assert_type``
fails the check when a public signature loses its precise type (``Any``, ``Unset``, a missing overload).
Sync results, awaited async results, the ``wait=False`` overloads and the callback parameter types are all
pinned here; a line ending in ``# expect-error`` documents a call the types must refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import assert_type

from bria_tailored import (
    AsyncTailoredClient,
    ImageResult,
    Job,
    StructuredPromptResult,
    TailoredClient,
    VideoResult,
)
from bria_tailored.errors import BriaError
from bria_tailored.storage import StoredObject
from bria_tailored.types import GenerationResult, UploadFailure
from bria_tailored.workflows import Phase, TrainEvent, TrainResult
from bria_tailored_api.models import (
    BulkUploadStatus,
    Checkpoint,
    CheckpointList,
    Dataset,
    DatasetImage,
    DownloadLinks,
    Model,
    Project,
    StatusResponse,
)


def on_train(event: TrainEvent) -> None:
    assert_type(event.phase, Phase)


def on_model(model: Model) -> None:
    assert_type(model.id, int)


def on_status(status: str) -> None: ...


def on_many(index: int, status: str) -> None: ...


def on_upload(done: int, total: int, item: DatasetImage | UploadFailure) -> None: ...


def sync_surface(client: TailoredClient, images: list[Path]) -> None:
    project = client.projects.create(project_name="p", ip_medium="illustration", ip_type="icons")
    assert_type(project, Project)
    assert_type(project.id, int)
    assert_type(client.projects.list(), list[Project])
    assert_type(client.projects.get(project.id), Project)
    assert_type(client.projects.update(project.id, project_name="q"), Project)
    assert_type(client.projects.delete(project.id), None)

    dataset = client.datasets.create(project_id=project.id, name="v1")
    assert_type(dataset, Dataset)
    assert_type(dataset.id, int)
    assert_type(client.datasets.list(), list[Dataset])
    assert_type(client.datasets.list(project.id), list[Dataset])
    assert_type(client.datasets.get(dataset.id), Dataset)
    assert_type(client.datasets.update(dataset.id, name="v2"), Dataset)
    assert_type(client.datasets.complete(dataset.id), Dataset)
    assert_type(client.datasets.clone(dataset.id, name="copy"), Dataset)
    assert_type(client.datasets.delete(dataset.id), None)
    schema = client.datasets.generate_visual_schema(images)
    assert_type(schema, str)
    assert_type(client.datasets.refine_structured_prompt(dataset.id, structured_prompt=schema, instruction="x"), str)
    assert_type(client.datasets.regenerate_captions(dataset.id), Dataset)
    assert_type(client.datasets.wait_for_captions(dataset.id), Dataset)
    assert_type(client.datasets.bulk_upload_status(dataset.id), BulkUploadStatus)
    assert_type(client.datasets.wait_for_bulk_upload(dataset.id), BulkUploadStatus)
    assert_type(client.datasets.download(dataset.id), DownloadLinks)
    assert_type(client.datasets.download(dataset.id, to="./out"), StoredObject)

    image = client.datasets.images.upload(dataset.id, images[0])
    assert_type(image, DatasetImage)
    assert_type(image.id, int)
    assert_type(client.datasets.images.upload_many(dataset.id, images), list[DatasetImage | UploadFailure])
    assert_type(
        client.datasets.images.upload_many(dataset.id, images, on_progress=on_upload),
        list[DatasetImage | UploadFailure],
    )
    assert_type(
        client.datasets.images.upload_many(dataset.id, images, return_exceptions=False), list[DatasetImage]
    )
    assert_type(client.datasets.images.list(dataset.id), list[DatasetImage])
    assert_type(client.datasets.images.get(dataset.id, image.id), DatasetImage)
    assert_type(client.datasets.images.update_caption(dataset.id, image.id, caption="c"), DatasetImage)
    assert_type(client.datasets.images.delete(dataset.id, image.id), None)

    model = client.models.create(name="m", dataset_id=dataset.id, training_mode="expert")
    assert_type(model, Model)
    assert_type(client.models.list(), list[Model])
    assert_type(client.models.get(model.id), Model)
    assert_type(client.models.update(model.id, name="n"), Model)
    assert_type(client.models.start_training(model.id, rank=32, lr_scheduler="cosine"), Model)
    assert_type(client.models.stop_training(model.id), None)
    assert_type(client.models.wait_for_training(model.id, on_progress=on_model), Model)
    assert_type(client.models.download(model.id), DownloadLinks)
    assert_type(client.models.download(model.id, to="s3://bucket/models/"), StoredObject)
    assert_type(client.models.upload(model_url="https://x/m.safetensors", project_id=project.id), Model)
    assert_type(client.models.delete(model.id), None)
    assert_type(client.models.checkpoints.list(model.id), CheckpointList)
    assert_type(client.models.checkpoints.get(model.id, 100), Checkpoint)
    assert_type(client.models.checkpoints.delete(model.id, 100), None)

    result = client.generate.image(model.id, "a cat", seed=1, aspect_ratio="16:9", on_progress=on_status)
    assert_type(result, ImageResult)
    image_job = client.generate.image(model.id, "a cat", wait=False)
    assert_type(image_job, Job[ImageResult])
    assert_type(client.generate.structured_prompt(model.id, "a cat"), StructuredPromptResult)
    prompt_job = client.generate.structured_prompt(model.id, "a cat", wait=False)
    assert_type(prompt_job, Job[StructuredPromptResult])
    assert_type(client.generate.video(model.id, result), VideoResult)
    video_job = client.generate.video(model.id, "https://x/a.png", wait=False)
    assert_type(video_job, Job[VideoResult])
    assert_type(client.generate.image(model.id, "a cat", webhook_url="https://hooks.example.com/bria", wait=False), Job[ImageResult])
    assert_type(
        client.generate.structured_prompt(model.id, "a cat", webhook_url="https://hooks.example.com/bria", wait=False),
        Job[StructuredPromptResult],
    )
    assert_type(client.generate.video(model.id, result, webhook_url="https://hooks.example.com/bria", wait=False), Job[VideoResult])
    assert_type(client.models.create(name="m", dataset_id=dataset.id, training_version="fibo"), Model)

    assert_type(client.status.get("req"), StatusResponse)
    assert_type(client.status.wait(image_job), ImageResult)
    assert_type(client.status.wait(video_job, on_progress=on_status), VideoResult)
    assert_type(client.status.wait("req"), GenerationResult)
    assert_type(client.status.wait_all([image_job, image_job]), list[ImageResult])
    assert_type(
        client.status.wait_all([image_job], return_exceptions=True, on_progress=on_many),
        list[ImageResult | BriaError],
    )
    jobs: list[Job[ImageResult | VideoResult]] = [image_job, video_job]  # Job is covariant
    assert_type(client.status.wait_all(jobs), list[ImageResult | VideoResult])

    assert_type(client.save(result, "./out", key="cat.png", prompt="a cat"), StoredObject)
    trained = client.train("./images", project="Mascot", ip_type="icons", ip_medium="illustration", on_progress=on_train)
    assert_type(trained, TrainResult)
    assert_type(client.train("./images", project=7, training_version="max"), TrainResult)
    assert_type(trained.model, Model)
    assert_type(client.request("get-projects"), object)
    assert_type(client.with_options(max_retries=0), TailoredClient)


async def async_surface(client: AsyncTailoredClient, images: list[Path]) -> None:
    project = await client.projects.create(project_name="p", ip_medium="photography", ip_type="other")
    assert_type(project, Project)
    assert_type(await client.projects.list(), list[Project])
    assert_type(await client.projects.get(project.id), Project)
    assert_type(await client.projects.update(project.id, project_name="q"), Project)
    assert_type(await client.projects.delete(project.id), None)

    dataset = await client.datasets.create(project_id=project.id, name="v1")
    assert_type(dataset, Dataset)
    assert_type(await client.datasets.list(project.id), list[Dataset])
    assert_type(await client.datasets.get(dataset.id), Dataset)
    assert_type(await client.datasets.update(dataset.id, name="v2"), Dataset)
    assert_type(await client.datasets.complete(dataset.id), Dataset)
    assert_type(await client.datasets.clone(dataset.id, name="copy"), Dataset)
    assert_type(await client.datasets.delete(dataset.id), None)
    schema = await client.datasets.generate_visual_schema(images)
    assert_type(schema, str)
    assert_type(
        await client.datasets.refine_structured_prompt(dataset.id, structured_prompt=schema, instruction="x"), str
    )
    assert_type(await client.datasets.regenerate_captions(dataset.id), Dataset)
    assert_type(await client.datasets.wait_for_captions(dataset.id), Dataset)
    assert_type(await client.datasets.bulk_upload_status(dataset.id), BulkUploadStatus)
    assert_type(await client.datasets.wait_for_bulk_upload(dataset.id), BulkUploadStatus)
    assert_type(await client.datasets.download(dataset.id), DownloadLinks)
    assert_type(await client.datasets.download(dataset.id, to="./out"), StoredObject)

    image = await client.datasets.images.upload(dataset.id, images[0])
    assert_type(image, DatasetImage)
    assert_type(await client.datasets.images.upload_many(dataset.id, images), list[DatasetImage | UploadFailure])
    assert_type(
        await client.datasets.images.upload_many(dataset.id, images, return_exceptions=False), list[DatasetImage]
    )
    assert_type(await client.datasets.images.list(dataset.id), list[DatasetImage])
    assert_type(await client.datasets.images.get(dataset.id, image.id), DatasetImage)
    assert_type(await client.datasets.images.update_caption(dataset.id, image.id, regenerate=True), DatasetImage)
    assert_type(await client.datasets.images.delete(dataset.id, image.id), None)

    model = await client.models.create(name="m", dataset_id=dataset.id)
    assert_type(model, Model)
    assert_type(await client.models.list(project.id), list[Model])
    assert_type(await client.models.get(model.id), Model)
    assert_type(await client.models.update(model.id, description="d"), Model)
    assert_type(await client.models.start_training(model.id), Model)
    assert_type(await client.models.stop_training(model.id), None)
    assert_type(await client.models.wait_for_training(model.id, on_progress=on_model), Model)
    assert_type(await client.models.download(model.id), DownloadLinks)
    assert_type(await client.models.download(model.id, to="./models"), StoredObject)
    assert_type(await client.models.upload(source="m.safetensors", via="s3://b/p/", project_id=1), Model)
    assert_type(await client.models.delete(model.id), None)
    assert_type(await client.models.checkpoints.list(model.id), CheckpointList)
    assert_type(await client.models.checkpoints.get(model.id, 100), Checkpoint)
    assert_type(await client.models.checkpoints.delete(model.id, 100), None)

    result = await client.generate.image(model.id, "a cat", on_progress=on_status)
    assert_type(result, ImageResult)
    image_job = await client.generate.image(model.id, "a cat", wait=False)
    assert_type(image_job, Job[ImageResult])
    assert_type(await client.generate.structured_prompt(model.id, "a cat"), StructuredPromptResult)
    assert_type(await client.generate.structured_prompt(model.id, "x", wait=False), Job[StructuredPromptResult])
    assert_type(await client.generate.video(model.id, result), VideoResult)
    video_job = await client.generate.video(model.id, result, wait=False)
    assert_type(video_job, Job[VideoResult])
    assert_type(await client.generate.image(model.id, "a cat", webhook_url="https://hooks.example.com/bria"), ImageResult)
    assert_type(
        await client.generate.structured_prompt(model.id, "x", webhook_url="https://hooks.example.com/bria"), StructuredPromptResult
    )
    assert_type(await client.generate.video(model.id, result, webhook_url="https://hooks.example.com/bria"), VideoResult)
    assert_type(await client.models.create(name="m", dataset_id=dataset.id, training_version="max"), Model)

    assert_type(await client.status.get("req"), StatusResponse)
    assert_type(await client.status.wait(image_job), ImageResult)
    assert_type(await client.status.wait("req"), GenerationResult)
    assert_type(await client.status.wait_all([image_job]), list[ImageResult])
    assert_type(
        await client.status.wait_all([image_job, image_job], return_exceptions=True, on_progress=on_many),
        list[ImageResult | BriaError],
    )

    assert_type(await client.save(result, "gs://bucket/out/"), StoredObject)
    trained = await client.train("./images", project=7, concurrency=4, rank=16, on_progress=on_train)
    assert_type(trained, TrainResult)
    assert_type(await client.train("./images", project=7, training_version="fibo"), TrainResult)
    assert_type(await client.request("get-model", path_params={"model_id": 1}), object)
    assert_type(client.with_options(timeout=5.0), AsyncTailoredClient)


def batch_surface(client: TailoredClient) -> None:
    from bria_tailored.batch import BatchProgress, BatchReport

    def on_batch(event: BatchProgress) -> None:
        assert_type(event.eta, float | None)

    report = client.batch.generate(
        "prompts.jsonl", tailored_model_id=12, out="s3://b/campaign/", journal=None, on_progress=on_batch
    )
    assert_type(report, BatchReport)
    assert_type(client.batch.generate([{"prompt": "a cat"}], tailored_model_id="12", out=Path("out")), BatchReport)
    assert_type(report.ok, bool)
    TailoredClient(requests_per_minute=600, rate_limit_url="redis://127.0.0.1:6379/0")


async def async_batch_surface(client: AsyncTailoredClient) -> None:
    from bria_tailored.batch import BatchReport

    report = await client.batch.generate("prompts.csv", tailored_model_id=12, out="./out", shard="1/4")
    assert_type(report, BatchReport)
    AsyncTailoredClient(requests_per_minute=600, rate_limit_url="redis://127.0.0.1:6379/0")
