"""``client.train``: from a folder, ``.zip`` or storage prefix of images to a trained tailored model.

One plan, run by either client (see :mod:`bria_tailored._core`)::

    validate every image (all problems reported together; nothing created yet)
    → project (existing id, or created by name) → dataset (basic, or advanced with a staged bulk ZIP)
    → visual schema from a deterministic sample of 5-10 images (+ optional refine instructions)
    → upload images (concurrently; each recorded) → wait for captions → complete the dataset
    → create the model → start training → wait, reporting progress

Every step is recorded in a state manifest (:mod:`._state`), so re-running the same call after a crash or
Ctrl-C resumes it: the same project, dataset and model, and no image uploaded twice (uploads are matched
by file name against the dataset's images, so even one that landed just before a crash is not repeated).
A finished run re-run returns its result at once.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from .. import polling, validation
from .._core import Blocking, Gather, Plan, Poll
from ..errors import BriaError, NotFoundError, ValidationError
from ..resources.models import EXPERT_PARAMETERS
from ._plans import Plans
from ._source import (
    InvalidImagesError,
    SourceFiles,
    default_name,
    default_state_path,
    sample,
    scan,
    validate,
)
from ._state import TrainState

__all__ = ["InvalidImagesError", "TrainEvent", "TrainResult", "UploadsFailedError", "train_plan"]

#: The phases a :class:`TrainEvent` can name, in the order a run goes through them.
PHASES = (
    "validate",
    "project",
    "dataset",
    "schema",
    "upload",
    "bulk",
    "captions",
    "complete",
    "model",
    "training",
    "done",
)


@attrs.frozen
class TrainEvent:
    """Progress of ``client.train``: ``phase`` (one of :data:`PHASES`), counts where they exist (images
    uploaded, captioned, bulk percentage) and a short human ``detail``."""

    phase: str
    done: int | None = None
    total: int | None = None
    detail: str | None = None


@attrs.frozen
class TrainResult:
    """What ``client.train`` returns: the trained ``model`` (status ``Completed``), its ``project`` and
    ``dataset``, the ``state_path`` of the manifest, how many ``images`` were trained on, the
    ``upload_type`` used and whether this call ``resumed`` an earlier run."""

    project: Any
    dataset: Any
    model: Any
    state_path: Path
    images: int
    upload_type: str
    resumed: bool

    @property
    def model_id(self) -> int:
        return int(self.model.id)


class UploadsFailedError(BriaError):
    """Some images failed to upload; the others are recorded. Re-run the same call to retry the rest."""

    def __init__(self, failures: list[tuple[str, BaseException]], state_path: Path) -> None:
        self.failures = failures
        lines = "".join(f"\n  {name}: {exc}" for name, exc in failures)
        super().__init__(
            f"{len(failures)} image(s) failed to upload:{lines}\n"
            f"Uploaded images are recorded in {state_path}; run the same call again to retry the rest."
        )


def _raw(value: Any) -> Any:
    return getattr(value, "value", value)


def _timestamp(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.timestamp()


def _adopt(items: Sequence[Any], attr: str, name: str, since: float | None, **match: Any) -> Any:
    """The newest object named ``name`` created after ``since`` (minus clock skew) that matches ``match``."""
    found = None
    for item in items:
        if getattr(item, attr, None) != name or any(getattr(item, k, None) != v for k, v in match.items()):
            continue
        created = _timestamp(getattr(item, "created_at", None))
        if since is not None and created is not None and created < since - 300:
            continue
        if found is None or int(item.id) > int(found.id):
            found = item
    return found


@attrs.frozen
class _Options:
    """The arguments of ``train``, checked before anything is read or sent."""

    source: Any
    project_id: int | None
    project_name: str | None
    project_fields: dict[str, Any]
    dataset_name: str
    model_name: str
    model_description: str | None
    via: str | None
    refine: list[str]
    training_mode: str
    expert: dict[str, Any]
    state_path: Path
    timeout: float | None
    upload_type: str | None
    concurrency: int
    policy: polling.PollPolicy | None


def _options(source: Any, project: Any, **kw: Any) -> _Options:
    if project is None or isinstance(project, bool):
        raise ValidationError("project", project, "give an existing project id or a name for a new project")
    project_id: int | None = None
    project_name: str | None = None
    if isinstance(project, int) or (isinstance(project, str) and project.strip().isdigit()):
        project_id = validation.check_id("project", project)
    elif isinstance(project, str) and project.strip():
        project_name = project.strip()
    else:
        raise ValidationError("project", project, "give an existing project id or a name for a new project")
    fields = {
        k: _raw(kw[k]) for k in ("ip_type", "ip_medium", "ip_name", "ip_description") if kw[k] is not None
    }
    if project_name is not None:
        payload = {"project_name": project_name, **fields}
        for needed in ("ip_type", "ip_medium"):
            if needed not in payload:
                raise ValidationError(needed, None, "is required to create a new project")
        validation.check_body("ProjectCreate", payload)
        validation.check_project(payload, creating=True)
    refine = kw["refine"]
    refine_list = [refine] if isinstance(refine, str) else list(refine or [])
    for i, instruction in enumerate(refine_list):
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValidationError(f"refine[{i}]", instruction, "must be a non-empty instruction")
    mode = _raw(kw["training_mode"]) or "fully_automated"
    validation.check_value("training_mode", mode, validation.component("TrainingMode"))
    expert = dict(kw["expert"])
    unknown = sorted(set(expert) - set(EXPERT_PARAMETERS))
    if unknown:
        raise ValidationError(
            unknown[0], expert[unknown[0]], f"is not a training parameter ({', '.join(EXPERT_PARAMETERS)})"
        )
    if expert:
        validation.check_body("TrainingRequest", expert)
        if mode != "expert":
            name = next(iter(expert))
            raise ValidationError(name, expert[name], "expert parameters need training_mode='expert'")
    concurrency = kw["concurrency"]
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
        raise ValidationError("concurrency", concurrency, "must be an integer between 1 and 64")
    dataset_name = kw["dataset_name"] or default_name(source)
    model_name = kw["model_name"] or f"{default_name(source)}-model"
    for field, value in (("dataset_name", dataset_name), ("model_name", model_name)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(field, value, "must be a non-empty string")
    state = kw["state"]
    state_path = Path(state).expanduser() if state is not None else default_state_path(source)
    return _Options(
        source=source,
        project_id=project_id,
        project_name=project_name,
        project_fields=fields,
        dataset_name=dataset_name,
        model_name=model_name,
        model_description=kw["model_description"],
        via=kw["via"],
        refine=refine_list,
        training_mode=mode,
        expert=expert,
        state_path=state_path,
        timeout=kw["timeout"],
        upload_type=kw["upload_type"],
        concurrency=concurrency,
        policy=kw["poll_policy"],
    )


def _check_same_run(opts: _Options, state: TrainState) -> None:
    """A manifest pins its ids; a re-run that names other objects would silently train something else."""
    pairs = (
        ("project", opts.project_name, state.project_name),
        ("dataset_name", opts.dataset_name, state.dataset_name),
        ("model_name", opts.model_name, state.model_name),
    )
    if opts.project_id is not None and state.project_id not in (None, opts.project_id):
        raise ValidationError(
            "project", opts.project_id, f"differs from project {state.project_id} recorded in {state.path}"
        )
    for field, given, recorded in pairs:
        if given is not None and recorded is not None and given != recorded:
            raise ValidationError(
                field,
                given,
                f"differs from {recorded!r} recorded in {state.path}; pass another state= path (or delete "
                "that file) to start a new run",
            )


def _probe_via(via: str) -> None:
    """Fail early (before anything is created) when ``via`` cannot give Bria a URL."""
    from ..storage import open_storage

    open_storage(via).public_url("bria-staging/probe", expires_in=60)


def train_plan(
    core: Any,
    source: Any,
    *,
    project: Any,
    dataset_name: str | None = None,
    model_name: str | None = None,
    ip_type: str | None = None,
    ip_medium: str | None = None,
    ip_name: str | None = None,
    ip_description: str | None = None,
    via: str | None = None,
    refine: str | Sequence[str] | None = None,
    training_mode: str = "fully_automated",
    state: str | os.PathLike[str] | None = None,
    on_progress: Callable[[TrainEvent], Any] | None = None,
    timeout: float | None = 8 * 3600.0,
    upload_type: str | None = None,
    concurrency: int = 8,
    poll_policy: polling.PollPolicy | None = None,
    model_description: str | None = None,
    **expert_params: Any,
) -> Plan[TrainResult]:
    """The plan behind ``client.train`` (see the module docstring and ``TailoredClient.train``)."""
    opts = _options(
        source,
        project,
        ip_type=ip_type,
        ip_medium=ip_medium,
        ip_name=ip_name,
        ip_description=ip_description,
        refine=refine,
        training_mode=training_mode,
        expert=expert_params,
        concurrency=concurrency,
        dataset_name=dataset_name,
        model_name=model_name,
        model_description=model_description,
        state=state,
        via=via,
        timeout=timeout,
        upload_type=upload_type,
        poll_policy=poll_policy,
    )
    run = _Run(core, opts, on_progress)
    result = yield from run.plan()
    return result


class _Run:
    """One call of ``train``: the options, the manifest and the steps (each a small plan)."""

    def __init__(self, core: Any, opts: _Options, on_progress: Callable[[TrainEvent], Any] | None) -> None:
        self.core = core
        self.opts = opts
        self.api = Plans(core)
        self.on_progress = on_progress
        self.state: TrainState
        self.files: SourceFiles | None = None

    def emit(
        self, phase: str, done: int | None = None, total: int | None = None, detail: str | None = None
    ) -> None:
        if self.on_progress is not None:
            self.on_progress(TrainEvent(phase, done, total, detail))

    def plan(self) -> Plan[TrainResult]:
        opts = self.opts
        self.state = yield Blocking(
            TrainState.open, (opts.state_path, self.core.config.base_url, str(opts.source))
        )
        state = self.state
        _check_same_run(opts, state)
        if state.step == "done":
            self.emit("done", detail=f"already trained: model {state.model_id} (from {state.path})")
            result = yield from self.result()
            return result
        self.emit("validate", detail=f"checking the images of {opts.source}")
        self.files = files = yield Blocking(scan, (opts.source,))
        kind = yield Blocking(lambda: validate(files, via=opts.via, upload_type=opts.upload_type))
        if state.upload_type not in (None, kind):
            raise ValidationError(
                "upload_type", kind, f"differs from {state.upload_type!r} recorded in {state.path}"
            )
        if kind == "advanced" and opts.via is not None and state.dataset_id is None:
            yield Blocking(_probe_via, (opts.via,))
        self.emit("validate", len(files.paths), len(files.paths), f"{len(files.paths)} images, {kind} upload")
        if state.resumed:
            self.emit("validate", detail=f"resuming from {state.path} (last step: {state.step})")
        state.update(upload_type=kind)
        yield from self.project_step()
        yield from self.dataset_step(kind)
        if not state.reached("schema"):
            yield from self.schema_step()
        if not state.reached("upload"):
            if kind == "basic":
                yield from self.upload_step()
            else:
                yield from self.bulk_step()
        if not state.reached("captions"):
            yield from self.captions_step()
        if not state.reached("complete"):
            yield from self.complete_step()
        yield from self.model_step()
        if not state.reached("training"):
            model = yield from self.api.models.get(state.model_id)
            if _raw(model.status) == "Created":
                yield from self.api.models.start_training(
                    state.model_id, training_mode=opts.training_mode, **opts.expert
                )
            state.finish("training")
        self.emit("training", detail="training started")
        model = yield from self.api.models.wait_for_training(
            state.model_id,
            timeout=opts.timeout,
            policy=opts.policy,
            on_progress=lambda m: self.emit("training", detail=str(_raw(m.status))),
        )
        state.finish("done")
        self.emit("done", detail=f"model {state.model_id} trained")
        result = yield from self.result(model)
        return result

    # --------------------------------------------------------------------------------- objects
    def project_step(self) -> Plan[None]:
        state, opts = self.state, self.opts
        if state.project_id is not None:
            self.emit("project", detail=f"project {state.project_id} (resumed)")
            return
        if opts.project_id is not None:
            found = yield from self.api.projects.get(opts.project_id)
            state.created("project", int(found.id), found.project_name)
            state.finish("project")
            self.emit("project", detail=f"project {found.id} {found.project_name!r}")
            return
        found = None
        if state.creating == "project":
            listed = yield from self.api.projects.list()
            found = _adopt(listed, "project_name", opts.project_name or "", state.creating_since)
        if found is None:
            state.intend("project")
            found = yield from self.api.projects.create(project_name=opts.project_name, **opts.project_fields)
        state.created("project", int(found.id), found.project_name)
        state.finish("project")
        self.emit("project", detail=f"created project {found.id} {found.project_name!r}")

    def dataset_step(self, kind: str) -> Plan[None]:
        state, opts = self.state, self.opts
        if state.dataset_id is not None:
            self.emit("dataset", detail=f"dataset {state.dataset_id} (resumed)")
            return
        found = None
        if state.creating == "dataset":
            listed = yield from self.api.datasets.list(state.project_id)
            found = _adopt(listed, "name", opts.dataset_name, state.creating_since)
        if found is None:
            state.intend("dataset")
            found = yield from self.api.datasets.create(
                project_id=state.project_id, name=opts.dataset_name, upload_type=kind
            )
        state.created("dataset", int(found.id), opts.dataset_name)
        state.finish("dataset")
        self.emit("dataset", detail=f"created {kind} dataset {found.id} {opts.dataset_name!r}")

    def model_step(self) -> Plan[None]:
        state, opts = self.state, self.opts
        if state.model_id is not None:
            self.emit("model", detail=f"model {state.model_id} (resumed)")
            return
        found = None
        if state.creating == "model":
            listed = yield from self.api.models.list(state.project_id)
            found = _adopt(listed, "name", opts.model_name, state.creating_since, dataset_id=state.dataset_id)
        if found is None:
            state.intend("model")
            found = yield from self.api.models.create(
                name=opts.model_name,
                dataset_id=state.dataset_id,
                training_mode=opts.training_mode,
                description=opts.model_description,
            )
        state.created("model", int(found.id), opts.model_name)
        state.finish("model")
        self.emit("model", detail=f"created model {found.id} {opts.model_name!r} ({opts.training_mode})")

    # ----------------------------------------------------------------------------------- images
    def schema_step(self) -> Plan[None]:
        files = self.files
        assert files is not None
        chosen = sample(files.names)
        self.emit("schema", detail=f"visual schema from {len(chosen)} sample images")
        images = []
        for name in chosen:
            images.append((yield Blocking(files.read, (name,))))
        schema = yield from self.api.datasets.generate_visual_schema(images)
        for i, instruction in enumerate(self.opts.refine, 1):
            self.emit("schema", i, len(self.opts.refine), f"refining: {instruction}")
            schema = yield from self.api.datasets.refine_structured_prompt(
                self.state.dataset_id, structured_prompt=schema, instruction=instruction
            )
        yield from self.api.datasets.update(self.state.dataset_id, visual_schema=schema)
        self.state.finish("schema")

    def adopt_remote_images(self) -> Plan[dict[str, int]]:
        """Record uploads the manifest missed (a crash between the upload and its record)."""
        files, state = self.files, self.state
        assert files is not None
        remote = yield from self.api.images.list(state.dataset_id)
        by_name: dict[str, int] = {}
        for image in remote:
            name = getattr(image, "image_name", None)
            if isinstance(name, str) and name not in by_name:
                by_name[name] = int(image.id)
        missed = {n: by_name[n] for n in files.paths if n in by_name and n not in state.images}
        if missed:
            state.update(images={**state.images, **missed})
        return by_name

    def upload_step(self) -> Plan[None]:
        files, state = self.files, self.state
        assert files is not None
        yield from self.adopt_remote_images()
        todo = [n for n in files.names if n not in state.images]
        total = len(files.paths)
        done = [total - len(todo)]
        counting = threading.Lock()
        self.emit("upload", done[0], total, "uploading images")

        def one(name: str) -> Callable[[], Plan[Any]]:
            def plan() -> Plan[Any]:
                source = files.upload_source(name)
                if source is None:
                    source = yield Blocking(files.read, (name,))
                image = yield from self.api.images.upload(state.dataset_id, source, image_name=name)
                yield Blocking(state.record_image, (name, int(image.id)))
                with counting:
                    done[0] += 1
                    self.emit("upload", done[0], total, name)
                return image

            return plan

        results = yield Gather([one(n) for n in todo], self.opts.concurrency, return_exceptions=True)
        failures = [(n, r) for n, r in zip(todo, results, strict=True) if isinstance(r, BaseException)]
        if failures:
            raise UploadsFailedError(failures, state.path)
        state.finish("upload")

    def bulk_step(self) -> Plan[None]:
        files, state, opts = self.files, self.state, self.opts
        assert files is not None
        started = state.bulk_started
        if started:
            try:
                yield from self.api.datasets.bulk_upload_status(state.dataset_id)
            except NotFoundError:
                started = False  # the bulk request never reached the API
        if not started:
            state.update(bulk_started=True)
            self.emit("bulk", 0, 100, f"staging a ZIP of {len(files.paths)} images in {opts.via}")
            staged = yield from self.api.datasets.bulk_upload(
                state.dataset_id, source=files.bulk_source, via=opts.via, wait=False
            )
            state.update(staged_uri=staged.staged_uri)
        try:
            status = yield from self.api.datasets.wait_for_bulk_upload(
                state.dataset_id,
                policy=opts.policy,
                on_progress=lambda s: self.emit(
                    "bulk", int(getattr(s, "progress_percentage", 0) or 0), 100, str(_raw(s.status))
                ),
            )
        finally:
            if state.staged_uri:
                yield Blocking(_delete_staged, (state.staged_uri,))
                state.update(staged_uri=None)
        failed = getattr(status, "failed_images", None)
        if isinstance(failed, list) and failed:
            names = ", ".join(
                str(getattr(f, "filename", None) or getattr(f, "image_name", f)) for f in failed
            )
            self.emit("bulk", 100, 100, f"{len(failed)} images rejected by the bulk upload: {names}")
        by_name = yield from self.adopt_remote_images()
        self.emit("bulk", 100, 100, f"{len(by_name)} images in dataset {state.dataset_id}")
        state.finish("upload")

    def captions_step(self) -> Plan[None]:
        state = self.state
        dataset_id = state.dataset_id

        def check() -> Plan[polling.PollResult[Any]]:
            dataset = yield from self.api.datasets.get(dataset_id, max_images=1)
            images = yield from self.api.images.list(dataset_id)
            captioned = sum(1 for image in images if getattr(image, "caption", None))
            status = _raw(dataset.captions_update_status)
            self.emit("captions", captioned, len(images), str(status))
            return polling.PollResult(done=status != "in_progress", value=dataset, status=status)

        yield Poll(check, self.opts.policy or polling.CAPTIONS, 1800.0, f"captions of dataset {dataset_id}")
        state.finish("captions")

    def complete_step(self) -> Plan[None]:
        state = self.state
        dataset = yield from self.api.datasets.get(state.dataset_id, max_images=1)
        if _raw(dataset.status) != "completed":
            yield from self.api.datasets.complete(state.dataset_id)
        self.emit("complete", detail=f"dataset {state.dataset_id} completed")
        state.finish("complete")

    def result(self, model: Any = None) -> Plan[TrainResult]:
        state = self.state
        project = yield from self.api.projects.get(state.project_id)
        dataset = yield from self.api.datasets.get(state.dataset_id, max_images=1)
        if model is None:
            model = yield from self.api.models.get(state.model_id)
        return TrainResult(
            project=project,
            dataset=dataset,
            model=model,
            state_path=state.path,
            images=len(state.images),
            upload_type=state.upload_type or "basic",
            resumed=state.resumed,
        )


def _delete_staged(uri: str) -> None:
    from ..storage import open_storage
    from ..storage.sources import split_storage_uri

    base, key = split_storage_uri(uri)
    open_storage(base).delete(key)
