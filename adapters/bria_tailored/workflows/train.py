"""``client.train``: from a folder, ``.zip`` or storage prefix of images to a trained tailored model.

One plan (:mod:`bria_tailored._plan`), run by either client::

    check the options (.options) and every image (all problems reported together; nothing created yet)
    → project (existing id, or created by name) → dataset (basic, or advanced with a staged bulk ZIP)
    → visual schema from a deterministic sample of 5-10 images (+ optional refine instructions)
    → upload images (concurrently; each recorded) → wait for captions → complete the dataset
    → create the model → start training → wait, reporting progress

Every step is recorded in a state manifest (:mod:`._state`), so re-running the same call after a crash or
Ctrl-C resumes it: the same project, dataset and model, and no image uploaded twice (uploads are matched
by file name against the dataset's images, so even one that landed just before a crash is not repeated).
A finished run re-run returns its result at once.

A run holds the manifest's OS file lock from before it reads the manifest until it returns or fails, so
two runs on the same state never work at once: the second fails fast with ``StateLockedError`` naming
the first (pid, host, start time), or with ``wait_lock=True`` waits for it and then goes on from what it
recorded (a finished run's result at once).
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar, Unpack

from .. import polling
from .._plan import Plan, blocking, gather_settled, sleep
from ..errors import InvalidImagesError, NotFoundError, UploadsFailedError, ValidationError
from ._plans import Plans
from ._results import PHASES, Phase, TrainEvent, TrainResult
from ._source import SourceFiles, sample, scan, validate
from ._state import LOCK_POLL_SECONDS, StateLockedError, TrainLock, TrainState
from .options import DEFAULTS, NewProject, TrainOptions, TrainSettings, TrainSource, resolve

if TYPE_CHECKING:
    from bria_tailored_api.models import BulkUploadStatus, Dataset, DatasetImage, Model

    from .._operations import UploadTypeValue

__all__ = [
    "PHASES",
    "InvalidImagesError",
    "StateLockedError",
    "TrainEvent",
    "TrainResult",
    "UploadsFailedError",
    "train_plan",
]

#: Objects created earlier by a run it is resuming may be a little older than the intent it recorded.
CLOCK_SKEW = 300.0


def train_plan(
    api: Plans, source: TrainSource, *, project: int | str, **options: Unpack[TrainOptions]
) -> Plan[TrainResult]:
    """The plan behind ``client.train`` (see the module docstring and :class:`.options.TrainOptions`)."""
    settings = resolve(source, project, options)
    return (yield from _Run(api, settings).plan())


class _Created(Protocol):
    """What :func:`_adopt` needs of a listed project, dataset or model."""

    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime.datetime: ...


C = TypeVar("C", bound=_Created)


def _adopt(items: Iterable[C], since: float | None, matches: Callable[[C], bool]) -> C | None:
    """The newest item that ``matches`` and was created after ``since`` (minus clock skew), if any."""
    found: C | None = None
    for item in items:
        if not matches(item):
            continue
        created = item.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=datetime.UTC)
        if since is not None and created.timestamp() < since - CLOCK_SKEW:
            continue
        if found is None or item.id > found.id:
            found = item
    return found


def _check_same_run(settings: TrainSettings, state: TrainState) -> None:
    """A manifest pins its ids; a re-run that names other objects would silently train something else."""
    if settings.project_id is not None and state.project_id not in (None, settings.project_id):
        raise ValidationError(
            "project",
            settings.project_id,
            f"differs from project {state.project_id} recorded in {state.path}",
        )
    pairs = (
        ("project", settings.project_name, state.project_name),
        ("dataset_name", settings.dataset_name, state.dataset_name),
        ("model_name", settings.model_name, state.model_name),
    )
    for option, given, recorded in pairs:
        if given is not None and recorded is not None and given != recorded:
            raise ValidationError(
                option,
                given,
                f"differs from {recorded!r} recorded in {state.path}; pass another state= path (or delete "
                "that file) to start a new run",
            )


def _probe_via(via: str) -> None:
    """Fail early (before anything is created) when ``via`` cannot give Bria a URL."""
    from ..storage import open_storage

    open_storage(via).public_url("bria-staging/probe", expires_in=60)


def _delete_staged(uri: str) -> None:
    from ..storage import open_storage
    from ..storage.sources import split_storage_uri

    base, key = split_storage_uri(uri)
    open_storage(base).delete(key)


class _Run:
    """One call of ``train``: the settings, the manifest and the steps (each a small plan)."""

    state: TrainState

    def __init__(self, api: Plans, settings: TrainSettings) -> None:
        self.api = api
        self.settings = settings

    def emit(
        self, phase: Phase, done: int | None = None, total: int | None = None, detail: str | None = None
    ) -> None:
        if self.settings.on_progress is not None:
            self.settings.on_progress(TrainEvent(phase, done, total, detail))

    def plan(self) -> Plan[TrainResult]:
        """Take the manifest's lock (waiting for it, or failing fast), run, and free it at the end."""
        s = self.settings
        source = str(s.source)
        if "://" not in source and not os.path.exists(source):  # nothing to lock for (no lock file left)
            self.emit("validate", detail=f"checking the images of {s.source}")
            raise ValidationError(
                "source", source, "does not exist (give a folder, a .zip file or a storage URI)"
            )
        lock = TrainLock(s.state_path, source)
        waiting = False
        while not (yield from blocking(lock.acquire)):
            if not s.wait_lock:
                raise StateLockedError(lock.state_path, lock.holder)
            if not waiting:
                who = lock.holder.describe() if lock.holder else "another run"
                self.emit("validate", detail=f"waiting for {who} to release {lock.state_path}")
                waiting = True
            yield from sleep(LOCK_POLL_SECONDS)
        try:
            if lock.took_over is not None:
                self.emit(
                    "validate",
                    detail=f"took over the lock of {lock.state_path} from a run that ended without "
                    f"releasing it: {lock.took_over.describe()}",
                )
            return (yield from self.locked_plan())
        finally:
            lock.release()

    def locked_plan(self) -> Plan[TrainResult]:
        s = self.settings
        self.state = state = yield from blocking(
            TrainState.open, s.state_path, self.api.conn.base_url, str(s.source)
        )
        _check_same_run(s, state)
        if state.step == "done":
            self.emit("done", detail=f"already trained: model {state.model_id} (from {state.path})")
            return (yield from self.result(*state.finished_ids()))
        self.emit("validate", detail=f"checking the images of {s.source}")
        files = yield from blocking(scan, s.source)

        def check_images() -> UploadTypeValue:
            return validate(files, via=s.via, upload_type=s.upload_type)

        kind = yield from blocking(check_images)
        if state.upload_type not in (None, kind):
            raise ValidationError(
                "upload_type", kind, f"differs from {state.upload_type!r} recorded in {state.path}"
            )
        if kind == "advanced" and s.via is not None and state.dataset_id is None:
            yield from blocking(_probe_via, s.via)
        count = len(files.paths)
        self.emit("validate", count, count, f"{count} images, {kind} upload")
        if state.resumed:
            self.emit("validate", detail=f"resuming from {state.path} (last step: {state.step})")
        state.update(upload_type=kind)
        project_id = yield from self.project_step()
        dataset_id = yield from self.dataset_step(project_id, kind)
        if not state.reached("schema"):
            yield from self.schema_step(files, dataset_id)
        if not state.reached("upload"):
            if kind == "basic":
                yield from self.upload_step(files, dataset_id)
            else:
                yield from self.bulk_step(files, dataset_id)
        if not state.reached("captions"):
            yield from self.captions_step(dataset_id)
        if not state.reached("complete"):
            yield from self.complete_step(dataset_id)
        model_id = yield from self.model_step(project_id, dataset_id)
        if not state.reached("training"):
            model = yield from self.api.models.get(model_id)
            if model.status == "Created":
                yield from self.api.models.start_training(model_id, training_mode=s.training_mode, **s.expert)
            state.finish("training")
        self.emit("training", detail="training started")

        def training_progress(model: Model) -> None:
            self.emit("training", detail=str(model.status))

        model = yield from self.api.models.wait_for_training(
            model_id,
            timeout=s.timeout,
            policy=s.poll_policy or polling.TRAINING,
            on_progress=training_progress,
        )
        state.finish("done")
        self.emit("done", detail=f"model {model_id} trained")
        return (yield from self.result(project_id, dataset_id, model_id, model))

    # --------------------------------------------------------------------------------- objects
    def project_step(self) -> Plan[int]:
        state, project = self.state, self.settings.project
        if state.project_id is not None:
            self.emit("project", detail=f"project {state.project_id} (resumed)")
            return state.project_id
        if not isinstance(project, NewProject):
            found = yield from self.api.projects.get(project)
            state.created("project", found.id, found.project_name)
            state.finish("project")
            self.emit("project", detail=f"project {found.id} {found.project_name!r}")
            return found.id
        adopted = None
        if state.creating == "project":
            listed = yield from self.api.projects.list()
            adopted = _adopt(listed, state.creating_since, lambda p: p.project_name == project.name)
        if adopted is None:
            state.intend("project")
            adopted = yield from self.api.projects.create(
                project_name=project.name,
                ip_type=project.ip_type,
                ip_medium=project.ip_medium,
                ip_name=project.ip_name,
                ip_description=project.ip_description,
            )
        state.created("project", adopted.id, adopted.project_name)
        state.finish("project")
        self.emit("project", detail=f"created project {adopted.id} {adopted.project_name!r}")
        return adopted.id

    def dataset_step(self, project_id: int, kind: UploadTypeValue) -> Plan[int]:
        state, name = self.state, self.settings.dataset_name
        if state.dataset_id is not None:
            self.emit("dataset", detail=f"dataset {state.dataset_id} (resumed)")
            return state.dataset_id
        found = None
        if state.creating == "dataset":
            listed = yield from self.api.datasets.list(project_id)
            found = _adopt(listed, state.creating_since, lambda d: d.name == name)
        if found is None:
            state.intend("dataset")
            found = yield from self.api.datasets.create(project_id=project_id, name=name, upload_type=kind)
        state.created("dataset", found.id, name)
        state.finish("dataset")
        self.emit("dataset", detail=f"created {kind} dataset {found.id} {name!r}")
        return found.id

    def model_step(self, project_id: int, dataset_id: int) -> Plan[int]:
        state, s = self.state, self.settings
        if state.model_id is not None:
            self.emit("model", detail=f"model {state.model_id} (resumed)")
            return state.model_id
        found = None
        if state.creating == "model":
            listed = yield from self.api.models.list(project_id)
            found = _adopt(
                listed,
                state.creating_since,
                lambda m: m.name == s.model_name and m.dataset_id == dataset_id,
            )
        if found is None:
            state.intend("model")
            found = yield from self.api.models.create(
                name=s.model_name,
                dataset_id=dataset_id,
                training_mode=s.training_mode,
                description=s.model_description,
                training_version=s.training_version,
            )
        state.created("model", found.id, s.model_name)
        state.finish("model")
        self.emit("model", detail=f"created model {found.id} {s.model_name!r} ({s.training_mode})")
        return found.id

    # ----------------------------------------------------------------------------------- images
    def schema_step(self, files: SourceFiles, dataset_id: int) -> Plan[None]:
        chosen = sample(files.names)
        self.emit("schema", detail=f"visual schema from {len(chosen)} sample images")
        images: list[bytes] = []
        for name in chosen:
            images.append((yield from blocking(files.read, name)))
        schema = yield from self.api.datasets.generate_visual_schema(images)
        refine = self.settings.refine
        for i, instruction in enumerate(refine, 1):
            self.emit("schema", i, len(refine), f"refining: {instruction}")
            schema = yield from self.api.datasets.refine_structured_prompt(
                dataset_id, structured_prompt=schema, instruction=instruction
            )
        yield from self.api.datasets.update(dataset_id, visual_schema=schema)
        self.state.finish("schema")

    def adopt_remote_images(self, files: SourceFiles, dataset_id: int) -> Plan[dict[str, int]]:
        """Record uploads the manifest missed (a crash between the upload and its record)."""
        state = self.state
        remote = yield from self.api.images.list(dataset_id)
        by_name: dict[str, int] = {}
        for image in remote:
            by_name.setdefault(image.image_name, image.id)
        missed = {n: by_name[n] for n in files.paths if n in by_name and n not in state.images}
        if missed:
            state.update(images={**state.images, **missed})
        return by_name

    def upload_step(self, files: SourceFiles, dataset_id: int) -> Plan[None]:
        state = self.state
        yield from self.adopt_remote_images(files, dataset_id)
        todo = [n for n in files.names if n not in state.images]
        total = len(files.paths)
        done = total - len(todo)
        counting = threading.Lock()
        self.emit("upload", done, total, "uploading images")

        def one(name: str) -> Callable[[], Plan[DatasetImage]]:
            def plan() -> Plan[DatasetImage]:
                nonlocal done
                source: str | bytes | None = files.upload_source(name)
                if source is None:
                    source = yield from blocking(files.read, name)
                image = yield from self.api.images.upload(dataset_id, source, image_name=name)
                yield from blocking(state.record_image, name, image.id)
                with counting:
                    done += 1
                    self.emit("upload", done, total, name)
                return image

            return plan

        results = yield from gather_settled([one(n) for n in todo], self.settings.concurrency)
        failures: list[tuple[str, BaseException]] = [
            (n, r) for n, r in zip(todo, results, strict=True) if isinstance(r, Exception)
        ]
        if failures:
            raise UploadsFailedError(failures, state.path)
        state.finish("upload")

    def bulk_step(self, files: SourceFiles, dataset_id: int) -> Plan[None]:
        state, s = self.state, self.settings
        started = state.bulk_started
        if started:
            try:
                yield from self.api.datasets.bulk_upload_status(dataset_id)
            except NotFoundError:
                started = False  # the bulk request never reached the API
        if not started:
            state.update(bulk_started=True)
            self.emit("bulk", 0, 100, f"staging a ZIP of {len(files.paths)} images in {s.via}")
            staged = yield from self.api.datasets.bulk_upload(
                dataset_id, source=files.bulk_source, via=s.via, wait=False
            )
            state.update(staged_uri=staged.staged_uri)

        def bulk_progress(status: BulkUploadStatus) -> None:
            self.emit("bulk", status.progress_percentage or 0, 100, str(status.status))

        try:
            status = yield from self.api.datasets.wait_for_bulk_upload(
                dataset_id, policy=s.poll_policy or polling.BULK_UPLOAD, on_progress=bulk_progress
            )
        finally:
            if state.staged_uri:
                yield from blocking(_delete_staged, state.staged_uri)
                state.update(staged_uri=None)
        failed = status.failed_images or []
        if failed:
            names = ", ".join(f.filename or "(unnamed)" for f in failed)
            self.emit("bulk", 100, 100, f"{len(failed)} images rejected by the bulk upload: {names}")
        by_name = yield from self.adopt_remote_images(files, dataset_id)
        self.emit("bulk", 100, 100, f"{len(by_name)} images in dataset {dataset_id}")
        state.finish("upload")

    def captions_step(self, dataset_id: int) -> Plan[None]:
        def check() -> Plan[polling.PollResult[Dataset]]:
            dataset = yield from self.api.datasets.get(dataset_id, max_images=1)
            images = yield from self.api.images.list(dataset_id)
            captioned = sum(1 for image in images if image.caption)
            status = str(dataset.captions_update_status)
            self.emit("captions", captioned, len(images), status)
            return polling.PollResult(done=status != "in_progress", value=dataset, status=status)

        yield from polling.poll(
            check,
            policy=self.settings.poll_policy or polling.CAPTIONS,
            timeout=DEFAULTS.captions_timeout,
            description=f"captions of dataset {dataset_id}",
        )
        self.state.finish("captions")

    def complete_step(self, dataset_id: int) -> Plan[None]:
        dataset = yield from self.api.datasets.get(dataset_id, max_images=1)
        if dataset.status != "completed":
            yield from self.api.datasets.complete(dataset_id)
        self.emit("complete", detail=f"dataset {dataset_id} completed")
        self.state.finish("complete")

    def result(
        self, project_id: int, dataset_id: int, model_id: int, model: Model | None = None
    ) -> Plan[TrainResult]:
        state = self.state
        project = yield from self.api.projects.get(project_id)
        dataset = yield from self.api.datasets.get(dataset_id, max_images=1)
        if model is None:
            model = yield from self.api.models.get(model_id)
        return TrainResult(
            project=project,
            dataset=dataset,
            model=model,
            state_path=state.path,
            images=len(state.images),
            upload_type=state.upload_type or "basic",
            resumed=state.resumed,
        )
