"""What an editor knows about saving and chaining results (issue 17, items 2-3).

Not run by pytest: CI type-checks this file with mypy and pyright (both strict). ``save`` takes a file path
or a folder and a ``name`` template; what the SDK returns (an ``ImageResult``, a ``StoredObject``) is a
source wherever a source is; every facade type has ``to_dict``/``to_json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import assert_type

from bria_tailored import AsyncTailoredClient, ImageResult, Job, TailoredClient, UploadFailure, VideoResult
from bria_tailored.gallery import write_gallery
from bria_tailored.storage import StoredObject
from bria_tailored.types import BulkUploadResult
from bria_tailored.workflows import TrainEvent, TrainResult
from bria_tailored_api.models import DatasetImage


def sync_surface(client: TailoredClient, trained: TrainResult) -> None:
    image = client.generate.image(trained.model_id, "a fox", seed=1)
    stored = client.save(image, "fox.png")
    assert_type(stored, StoredObject)
    assert_type(client.save(image, "./out/", name="{slug}-{seed}", embed_metadata=False), StoredObject)
    assert_type(client.generate.video(trained.model_id, stored), VideoResult)  # a StoredObject as a source
    assert_type(client.generate.video(trained.model_id, image), VideoResult)  # an ImageResult as a source
    assert_type(client.datasets.images.upload(trained.dataset.id, stored), DatasetImage)
    assert_type(client.datasets.images.upload(trained.dataset.id, image), DatasetImage)
    failures = client.datasets.images.upload_many(trained.dataset.id, [stored, image, "x.png"])
    assert_type(failures, list[DatasetImage | UploadFailure])
    assert_type(write_gallery("./out"), Path)

    job = client.generate.image(trained.model_id, "a fox", wait=False)
    plain: list[dict[str, object]] = [
        image.to_dict(),
        job.to_dict(),
        trained.to_dict(),
        TrainEvent("upload").to_dict(),
        BulkUploadResult(None).to_dict(),
    ]
    texts: list[str] = [
        image.to_json(indent=2),
        job.to_json(),
        trained.to_json(),
        TrainEvent("done").to_json(),
    ]
    assert plain and texts
    assert_type(job, Job[ImageResult])


async def async_surface(client: AsyncTailoredClient, model_id: int) -> None:
    image = await client.generate.image(model_id, "a fox")
    stored = await client.save(image, "s3://bucket/cats/fox.png")
    assert_type(stored, StoredObject)
    assert_type(await client.generate.video(model_id, stored), VideoResult)
