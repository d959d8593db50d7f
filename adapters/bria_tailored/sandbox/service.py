"""The sandbox's state as a service: what every handler may use, and nothing private.

:class:`Sandbox` owns the store, the lifecycle (the accelerated clock) and the fetcher, and offers
them to the handlers as one public API: the clock and fresh ids, files, lookups that answer 404,
the records' creation and cascading deletion, background tasks and webhook deliveries. Handlers never reach past it
into private members; views (``views.py``) read records through it too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable

from .errors import message
from .fetching import Fetcher
from .lifecycle import Lifecycle, iso
from .options import SandboxOptions
from .records import DatasetRecord, ImageRecord, IpMedium, IpType, ModelRecord, ProjectRecord
from .state import Store
from .webhooks import WebhookSender

__all__ = ["Sandbox"]


class Sandbox:
    """The emulator's state (store, lifecycle) and the services shared by the handlers."""

    def __init__(self, options: SandboxOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.lifecycle = Lifecycle(store, options)
        self.fetcher = Fetcher(options)
        self.webhooks = WebhookSender(options)
        self.tasks: set[asyncio.Task[None]] = set()

    # --- clock, ids, files, tasks ----------------------------------------------------------------

    def now(self) -> float:
        return self.lifecycle.now()

    def new_hex(self) -> str:
        """A fresh id (request ids, file names): deterministic under the seed, so recordings are stable."""
        counter = self.store.next_id("uuid")
        return uuid.uuid5(uuid.NAMESPACE_URL, f"bria-sandbox:{self.options.seed}:{counter}").hex

    def put_file(self, prefix: str, data: bytes, content_type: str, extension: str) -> str:
        """Store a file under a fresh name in ``prefix``; returns its key."""
        key = f"{prefix}/{self.new_hex()}.{extension}"
        return self.store.put_blob(key, data, content_type)

    async def sleep_until(self, when: float, poll: float = 0.1) -> None:
        """Wait until the sandbox clock reaches ``when`` (an injected clock is polled every ``poll`` s)."""
        while (left := when - self.now()) > 0:
            await asyncio.sleep(min(left, poll))

    def spawn(self, work: Awaitable[None]) -> None:
        """Run ``work`` in the background (kept referenced until it ends)."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- lookups (404 when missing) --------------------------------------------------------------

    def project(self, project_id: int) -> ProjectRecord:
        record = self.store.projects.get(project_id)
        if record is None:
            raise message(404, "Project not found")
        return record

    def dataset(self, dataset_id: int) -> DatasetRecord:
        record = self.store.datasets.get(dataset_id)
        if record is None:
            raise message(404, "Dataset not found")
        return record

    def model(self, model_id: int) -> ModelRecord:
        record = self.store.models.get(model_id)
        if record is None:
            raise message(404, "Model not found")
        return record

    def image(self, dataset_id: int, image_id: int) -> ImageRecord:
        self.dataset(dataset_id)
        record = self.store.images.get(image_id)
        if record is None or record["dataset_id"] != dataset_id:
            raise message(404, "Image not found")
        return record

    def images_of(self, dataset_id: int) -> list[ImageRecord]:
        return [image for image in self.store.images.all() if image["dataset_id"] == dataset_id]

    def models_of_dataset(self, dataset_id: int) -> list[ModelRecord]:
        return [model for model in self.store.models.all() if model.get("dataset_id") == dataset_id]

    def models_of_project(self, project_id: int) -> list[ModelRecord]:
        return [model for model in self.store.models.all() if model.get("project_id") == project_id]

    def datasets_of_project(self, project_id: int) -> list[DatasetRecord]:
        return [dataset for dataset in self.store.datasets.all() if dataset["project_id"] == project_id]

    # --- changes -----------------------------------------------------------------------------

    def new_project(
        self,
        now: float,
        *,
        name: str,
        description: str,
        ip_medium: IpMedium,
        ip_type: IpType,
        ip_name: str | None = None,
        ip_description: str | None = None,
    ) -> ProjectRecord:
        project_id = self.store.next_id("project", start=100)
        record: ProjectRecord = {
            "id": project_id,
            "project_name": name,
            "project_description": description,
            "ip_medium": ip_medium,
            "ip_type": ip_type,
            "status": "active",
            "training_version": None,
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        if ip_name is not None:
            record["ip_name"] = ip_name
        if ip_description is not None:
            record["ip_description"] = ip_description
        return self.store.projects.put(project_id, record)

    def add_image(
        self,
        dataset: DatasetRecord,
        blob: str,
        thumb: str,
        digest: str,
        name: str,
        now: float,
        source_url: str | None,
    ) -> ImageRecord:
        """Add an image to a dataset (captioned when the dataset has a visual schema)."""
        with self.store.lock:
            return self.lifecycle.add_image(dataset, blob, thumb, digest, name, now, source_url)

    def settle_model(self, model: ModelRecord, now: float) -> None:
        """Apply the model's due transitions now (right after a change to its lifecycle)."""
        with self.store.lock:
            self.lifecycle.settle_model(model, now)

    def delete_dataset_cascade(self, dataset_id: int) -> None:
        """Delete a dataset with its images, its bulk upload and their files."""
        for image in self.images_of(dataset_id):
            self.delete_image_record(image)
        bulk = self.store.bulks.get(dataset_id)
        if bulk:
            for entry in bulk.get("entries", []):
                for key in (entry.get("blob"), entry.get("thumb")):
                    if key and not entry.get("used"):
                        self.store.delete_blob(key)
            self.store.bulks.delete(dataset_id)
        self.store.datasets.delete(dataset_id)

    def delete_image_record(self, image: ImageRecord) -> None:
        """Delete an image, and its files unless another image (a clone's) shares them."""
        shared = any(
            other["_blob"] == image["_blob"] and other["id"] != image["id"]
            for other in self.store.images.all()
        )
        if not shared:
            self.store.delete_blob(image["_blob"])
            self.store.delete_blob(image["_thumb"])
        self.store.images.delete(image["id"])

    def delete_model_record(self, model: ModelRecord) -> None:
        file_key = model.get("_file")
        if file_key:
            self.store.delete_blob(file_key)
        self.store.models.delete(model["id"])
