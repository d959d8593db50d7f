"""The accelerated clock: every time-driven transition of the sandbox, applied lazily.

Nothing runs in the background to advance state. Records keep the timestamps of what was asked
(training started, stop requested, captions regeneration started, bulk zip extracted, job accepted);
:func:`settle` applies every transition that is due at ``now`` before each request is handled. This
makes the clock injectable (tests pass their own ``clock``) and persistence trivial (a restarted
sandbox settles from the stored timestamps).

Transitions
    model    Created → InProgress → Completed (or Failed half-way with ``[sandbox:fail]`` in its name or
             description); expert checkpoints appear every ``checkpoint_interval`` steps as training
             progresses; InProgress → Stopping → Stopped; uploaded models ``syncing`` → Completed.
    dataset  captions_update_status in_progress → completed (captions rewritten from the visual schema).
    bulk     pending (fetching) → processing (images appear progressively) → completed | failed.
    job      IN_PROGRESS → COMPLETED | ERROR (computed when read; see :func:`job_status`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from .content import caption_for
from .options import SandboxOptions
from .records import (
    BulkEntry,
    BulkRecord,
    DatasetRecord,
    FailedImage,
    ImageRecord,
    JobRecord,
    ModelRecord,
    ModelStatus,
    TrainingRun,
)
from .state import Store

__all__ = ["ERROR_MARKER", "FAIL_MARKER", "TRAINING_STATES", "Lifecycle", "iso", "job_status"]

FAIL_MARKER = "[sandbox:fail]"
ERROR_MARKER = "[sandbox:error]"
TRAINING_STATES: tuple[ModelStatus, ...] = ("InProgress", "Stopping")
DATASET_IMAGE_LIMIT = 5000


def iso(timestamp: float) -> str:
    """A sandbox-clock timestamp as ISO 8601 UTC (``2025-01-02T03:04:05.123456Z``)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Lifecycle:
    """Applies due transitions to the store's records (call with the store lock held or not: it locks)."""

    def __init__(self, store: Store, options: SandboxOptions) -> None:
        self.store = store
        self.options = options

    def now(self) -> float:
        return float(self.options.clock())

    def settle(self, now: float | None = None) -> None:
        now = self.now() if now is None else now
        with self.store.lock:
            for model in self.store.models.all():
                if model.get("status") in ("InProgress", "Stopping", "syncing"):
                    self.settle_model(model, now)
            for dataset in self.store.datasets.all():
                if dataset.get("_captions_job"):
                    self.settle_captions(dataset, now)
            for bulk in self.store.bulks.all():
                if bulk.get("status") == "processing":
                    self.settle_bulk(bulk, now)

    # --- models ----------------------------------------------------------------------------------

    def settle_model(self, model: ModelRecord, now: float) -> None:
        status = model["status"]
        if status == "syncing":
            sync_until = model.get("_sync_until", 0.0)
            if now >= sync_until:
                self._set_model(model, "Completed", sync_until)
            return
        training = model.get("_training")
        if status == "Stopping":
            stop = model.get("_stop")
            requested, hold = (stop["requested"], stop["duration"]) if stop else (now, 0.0)
            self._grow_checkpoints(model, training, min(requested, now))
            if now >= requested + hold:
                self._set_model(model, "Stopped", requested + hold)
            else:
                self.store.models.put(model["id"], model)
            return
        started, duration = (training["started"], training["duration"]) if training else (now, 0.0)
        if training and training["fail"] and now >= started + duration / 2:
            self._grow_checkpoints(model, training, started + duration / 2)
            self._set_model(model, "Failed", started + duration / 2)
            return
        self._grow_checkpoints(model, training, now)
        if now >= started + duration:
            if model.get("training_mode") == "expert" and model["checkpoint_steps"] and training:
                model["active_model_version"] = str(training["total_steps"])
            self._set_model(model, "Completed", started + duration)
        else:
            self.store.models.put(model["id"], model)

    def _grow_checkpoints(self, model: ModelRecord, training: TrainingRun | None, until: float) -> None:
        if model.get("training_mode") != "expert" or not training:
            return
        total = int(training["total_steps"])
        interval = int(training["interval"])
        started, duration = float(training["started"]), float(training["duration"])
        progress = 1.0 if duration <= 0 else max(0.0, min(1.0, (until - started) / duration))
        reached = math.floor(progress * total + 1e-9)
        steps = list(range(interval, total + 1, interval))
        if not steps or steps[-1] != total:
            steps.append(total)
        checkpoints = model.setdefault("_checkpoints", [])
        known = {int(c["checkpoint_step"]) for c in checkpoints}
        deleted = set(model.get("_deleted_checkpoints", []))
        for step in steps:
            if step <= reached and step not in known and step not in deleted:
                created = started + duration * step / total
                checkpoints.append(
                    {
                        "checkpoint_step": step,
                        "created_at": iso(created),
                        "training_job_id": training["job_id"],
                    }
                )
        checkpoints.sort(key=lambda c: c["checkpoint_step"])
        model["checkpoint_steps"] = [str(c["checkpoint_step"]) for c in reversed(checkpoints)]

    def _set_model(self, model: ModelRecord, status: ModelStatus, when: float) -> None:
        model["status"] = status
        model["updated_at"] = iso(when)
        self.store.models.put(model["id"], model)

    # --- captions --------------------------------------------------------------------------------

    def settle_captions(self, dataset: DatasetRecord, now: float) -> None:
        job = dataset["_captions_job"]
        if job is None or now < job["started"] + job["duration"]:
            return
        schema = dataset.get("visual_schema")
        for image in self.store.images.all():
            if image["dataset_id"] != dataset["id"]:
                continue
            if schema:
                image["caption"] = caption_for(schema, image["_digest"], image["image_name"])
                image["caption_source"] = "automatic"
            else:
                image["caption_source"] = image.get("_caption_source_before")
            image.pop("_caption_source_before", None)
            image["updated_at"] = iso(job["started"] + job["duration"])
            self.store.images.put(image["id"], image)
        dataset["_captions_job"] = None
        dataset["captions_update_status"] = "completed"
        dataset["updated_at"] = iso(job["started"] + job["duration"])
        self.store.datasets.put(dataset["id"], dataset)

    # --- bulk uploads ----------------------------------------------------------------------------

    def settle_bulk(self, bulk: BulkRecord, now: float) -> None:
        entries = bulk["entries"]
        total = len(entries)
        duration = float(bulk.get("duration", 0))
        elapsed = now - float(bulk["prepared_at"] or 0.0)
        target = total if duration <= 0 else min(total, math.ceil(total * max(0.0, elapsed) / duration))
        dataset = self.store.datasets.get(bulk["dataset_id"])
        if dataset is None:
            bulk["status"] = "failed"
            bulk["message"] = "dataset deleted during bulk upload"
            self.store.bulks.put(bulk["dataset_id"], bulk)
            return
        count = sum(1 for image in self.store.images.all() if image["dataset_id"] == dataset["id"])
        while bulk["processed"] < target:
            entry = entries[bulk["processed"]]
            bulk["processed"] += 1
            if entry.get("error_code") is None and count >= DATASET_IMAGE_LIMIT:
                entry["error_code"] = 409
                entry["error_message"] = "dataset image limit (5000) reached"
            queued = _queued(entry)
            if queued is None:
                bulk["failed"] += 1
                bulk["failed_images"].append(_failure(entry))
                continue
            blob, thumb, digest = queued
            self.add_image(
                dataset,
                blob,
                thumb,
                digest,
                entry["filename"],
                float(bulk["prepared_at"] or 0.0) + (duration * bulk["processed"] / max(total, 1)),
                source_url=None,
            )
            count += 1
            bulk["done"] += 1
        if bulk["processed"] >= total:
            bulk["status"] = "completed"
        self.store.bulks.put(bulk["dataset_id"], bulk)

    def add_image(
        self,
        dataset: DatasetRecord,
        blob: str,
        thumb: str,
        digest: str,
        name: str,
        when: float,
        source_url: str | None,
    ) -> ImageRecord:
        """Create an image record in a dataset, captioned when the dataset has a visual schema."""
        image_id = self.store.next_id("image", start=1000)
        schema = dataset.get("visual_schema")
        image: ImageRecord = {
            "id": image_id,
            "dataset_id": dataset["id"],
            "image_name": name,
            "caption": caption_for(schema, digest, name) if schema else None,
            "caption_source": "automatic" if schema else None,
            "created_at": iso(when),
            "updated_at": iso(when),
            "upload_source_url": source_url,
            "_blob": blob,
            "_thumb": thumb,
            "_digest": digest,
        }
        self.store.images.put(image_id, image)
        dataset["updated_at"] = iso(when)
        if schema and dataset.get("captions_update_status") == "empty":
            dataset["captions_update_status"] = "completed"
        self.store.datasets.put(dataset["id"], dataset)
        return image


def _queued(entry: BulkEntry) -> tuple[str, str, str] | None:
    """The blob, thumbnail and digest of an image waiting to be added; ``None`` for a rejected file."""
    blob, thumb, digest = entry.get("blob"), entry.get("thumb"), entry.get("digest")
    if entry.get("error_code") is not None or blob is None or thumb is None or digest is None:
        return None
    return blob, thumb, digest


def _failure(entry: BulkEntry) -> FailedImage:
    """How a rejected file shows in ``failed_images``."""
    return {
        "filename": entry["filename"],
        "error_code": entry.get("error_code") or 0,
        "error_message": entry.get("error_message", ""),
    }


def job_status(job: JobRecord, now: float) -> str:
    """A generation job's Status Service state at ``now``."""
    if now < float(job["ready_at"]):
        return "IN_PROGRESS"
    return "ERROR" if job.get("error") else "COMPLETED"
