"""``client.models`` (and ``client.models.checkpoints``): tailored models, training, uploads, downloads."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast, overload

from typing_extensions import Unpack

from .. import _locations as locations
from .. import _operations as ops
from .. import polling, statuses, validation
from .._plan import Plan, blocking
from .._request import call, call_with_response, unreadable
from ..errors import TrainingFailedError, ValidationError
from ..statuses import UnknownStatusGuard
from ._base import PlanGroup, checked, compact
from ._inputs import is_http_url, presign, storage_uri_parts

if TYPE_CHECKING:
    from bria_tailored_api.models import (
        Checkpoint,
        CheckpointList,
        DownloadLinks,
        LrScheduler,
        Model,
        ProjectParameters,
        TrainingMode,
        TrainingVersion,
    )

    from .._operations import LrSchedulerValue, TrainingModeValue, TrainingVersionValue
    from ..polling import PollPolicy
    from ..storage import StoredObject
    from ..transport import Connection
    from ._inputs import Source


class ExpertParameters(TypedDict, total=False):
    """Expert training parameters (models created with ``training_mode='expert'`` only)."""

    lr_scheduler: LrSchedulerValue | LrScheduler
    learning_rate: float
    total_training_steps: int
    rank: int
    checkpoint_interval: int
    lr_warmup_steps: int


EXPERT_PARAMETERS = (
    "lr_scheduler",
    "learning_rate",
    "total_training_steps",
    "rank",
    "checkpoint_interval",
    "lr_warmup_steps",
)


def _raw(value: object) -> object:
    return getattr(value, "value", value)


class CheckpointPlans(PlanGroup):
    """``client.models.checkpoints``: checkpoints saved during expert training."""

    def list(self, model_id: int) -> Plan[CheckpointList]:
        """The model's checkpoints and which one is active."""
        model_id = validation.check_id("model_id", model_id)
        return (yield from call(self._conn, ops.list_checkpoints, path={"model_id": model_id}))

    def get(self, model_id: int, step: int) -> Plan[Checkpoint]:
        """One checkpoint, by its training step."""
        path = {
            "model_id": validation.check_id("model_id", model_id),
            "checkpoint_step": validation.check_id("step", step),
        }
        return (yield from call(self._conn, ops.get_checkpoint, path=path))

    def delete(self, model_id: int, step: int) -> Plan[None]:
        """Delete a checkpoint (the active one cannot be deleted)."""
        path = {
            "model_id": validation.check_id("model_id", model_id),
            "checkpoint_step": validation.check_id("step", step),
        }
        yield from call(self._conn, ops.delete_checkpoint, path=path)


class ModelPlans(PlanGroup):
    """``client.models``: tailored models, their training, uploads and downloads."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.checkpoints = CheckpointPlans(conn)

    def create(
        self,
        *,
        name: str,
        dataset_id: int,
        training_mode: TrainingModeValue | TrainingMode | None = None,
        description: str | None = None,
        training_version: TrainingVersionValue | TrainingVersion | None = None,
    ) -> Plan[Model]:
        """Create a model on a dataset; ``training_mode`` is ``fully_automated`` (default) or ``expert``.

        ``training_version`` is the base model to fine-tune (``light``, ``max``, ``bria-2.3``, ``bria-3.2``,
        ``fibo``); it must suit the dataset (fibo datasets train fibo models only). Left out, none is sent."""
        if isinstance(name, str) and not name.strip():
            raise ValidationError("name", name, "must not be empty")
        payload = compact(
            name=name,
            dataset_id=validation.check_id("dataset_id", dataset_id),
            training_mode=training_mode,
            description=description,
            training_version=training_version,
        )
        return (yield from call(self._conn, ops.create_model, json=checked("ModelCreate", payload)))

    def list(
        self, project_id: int | None = None, *, include_training_parameters: bool | None = None
    ) -> Plan[builtins.list[Model]]:
        """Every model, or a project's models."""
        validation.check_bool("include_training_parameters", include_training_parameters, optional=True)
        query = {"include_training_parameters": include_training_parameters}
        if project_id is None:
            return (yield from call(self._conn, ops.get_models, query=query))
        path = {"project_id": validation.check_id("project_id", project_id)}
        return (yield from call(self._conn, ops.get_models_by_project, path=path, query=query))

    def get(self, model_id: int) -> Plan[Model]:
        """One model (its ``status`` says where training is)."""
        model_id = validation.check_id("model_id", model_id)
        return (yield from call(self._conn, ops.get_model, path={"model_id": model_id}))

    def update(
        self, model_id: int, *, name: str | None = None, description: str | None = None
    ) -> Plan[Model]:
        """Rename a model or change its description."""
        model_id = validation.check_id("model_id", model_id)
        validation.check_text("name", name, optional=True)
        payload = compact(name=name, description=description)
        if not payload:
            raise ValidationError("name", None, "give name and/or description")
        json = checked("ModelUpdate", payload)
        return (yield from call(self._conn, ops.update_model, path={"model_id": model_id}, json=json))

    def delete(self, model_id: int) -> Plan[None]:
        """Delete a model."""
        model_id = validation.check_id("model_id", model_id)
        yield from call(self._conn, ops.delete_model, path={"model_id": model_id})

    def start_training(
        self,
        model_id: int,
        *,
        training_mode: TrainingModeValue | TrainingMode | None = None,
        **expert_params: Unpack[ExpertParameters],
    ) -> Plan[Model]:
        """Start training (hours on Bria). Expert parameters (``rank``, ``learning_rate``,
        ``total_training_steps``, ``checkpoint_interval``, ``lr_scheduler``, ``lr_warmup_steps``) apply only
        to models created with ``training_mode='expert'``; pass ``training_mode`` to have that checked here."""
        model_id = validation.check_id("model_id", model_id)
        if training_mode is not None:
            validation.check_value("training_mode", training_mode, validation.component("TrainingMode"))
        given: dict[str, object] = dict(expert_params)
        unknown = sorted(set(given) - set(EXPERT_PARAMETERS))
        if unknown:
            raise ValidationError(
                unknown[0],
                given[unknown[0]],
                f"is not a training parameter ({', '.join(EXPERT_PARAMETERS)})",
            )
        payload = compact(**given)
        if payload and training_mode is not None and _raw(training_mode) != "expert":
            raise ValidationError(
                next(iter(payload)),
                next(iter(payload.values())),
                "expert parameters need training_mode='expert'",
            )
        json = checked("TrainingRequest", payload)
        # No parameters (and no extra_body): no body at all, as Bria's cookbook sends it (the spec's body is
        # optional: normalizer row 20).
        body = json if json or self._conn.options.extra_body else None
        path = {"model_id": model_id}
        return (yield from call(self._conn, ops.start_training, path=path, json=body))

    def stop_training(self, model_id: int) -> Plan[None]:
        """Ask Bria to stop training (the model goes ``Stopping``, then ``Stopped``)."""
        model_id = validation.check_id("model_id", model_id)
        yield from call(self._conn, ops.stop_training, path={"model_id": model_id})

    def wait_for_training(
        self,
        model_id: int,
        *,
        timeout: float | None = 28800.0,
        on_progress: Callable[[Model], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[Model]:
        """Wait until training ends (default: up to 8 hours): ``Completed`` returns the model;
        ``Failed``/``Stopped`` raise :class:`TrainingFailedError`. ``on_progress(model)`` follows every check."""
        model_id = validation.check_id("model_id", model_id)
        validation.check_wait(timeout, on_progress, policy)
        conn = self._conn

        guard = UnknownStatusGuard(statuses.TRAINING, f"model {model_id}")

        def check() -> Plan[polling.PollResult[Model]]:
            model = yield from call(conn, ops.get_model, path={"model_id": model_id})
            state = str(_raw(model.status))
            outcome = guard.outcome(state)
            if outcome == "failed":
                raise TrainingFailedError(
                    f"training of model {model_id} ended {state}",
                    model_id=model_id,
                    status=state,
                    model=model,
                )
            return polling.PollResult(done=outcome == "succeeded", value=model, status=model)

        def progress(status: object) -> None:
            if on_progress is not None:
                on_progress(cast("Model", status))

        return (
            yield from polling.poll(
                check,
                policy=policy or polling.TRAINING,
                timeout=timeout,
                description=f"training of model {model_id}",
                on_progress=progress,
            )
        )

    @overload
    def download(self, model_id: int, *, to: None = None, key: str | None = None) -> Plan[DownloadLinks]: ...

    @overload
    def download(
        self, model_id: int, *, to: str | os.PathLike[str], key: str | None = None
    ) -> Plan[StoredObject]: ...

    @overload
    def download(
        self, model_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Plan[DownloadLinks | StoredObject]: ...

    def download(
        self, model_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Plan[DownloadLinks | StoredObject]:
        """Download links of a trained model; with ``to`` (storage URI or folder) the ``.safetensors`` is
        streamed there (resuming after a dropped connection) and verified."""
        model_id = validation.check_id("model_id", model_id)
        locations.check_destination("to", to, optional=True)
        validation.check_text("key", key, optional=True)
        response, links = yield from call_with_response(
            self._conn, ops.download_model, path={"model_id": model_id}
        )
        if to is None:
            return links
        if not isinstance(links.download_url, str) or not links.download_url:
            raise unreadable(response, KeyError("download_url"))
        from ..saving import download_into

        metadata = {"model_id": model_id}
        return (
            yield from blocking(
                lambda: download_into(
                    links.download_url,
                    to,
                    key or f"model-{model_id}.safetensors",
                    metadata,
                    api_base_url=self._conn.base_url,
                )
            )
        )

    def upload(
        self,
        *,
        model_url: str | None = None,
        source: Source | None = None,
        via: str | None = None,
        model_name: str | None = None,
        project_id: int | None = None,
        project_parameters: ProjectParameters | Mapping[str, object] | None = None,
    ) -> Plan[Model]:
        """Upload a pre-trained ``.safetensors`` model (up to 3 GB) from ``model_url``, or from a local
        ``source`` staged through ``via`` (a storage URI). Give ``project_id`` or ``project_parameters``."""
        if (model_url is None) == (source is None):
            raise ValidationError("model_url", model_url, "give exactly one of model_url or source")
        validation.check_text("model_url", model_url, optional=True)
        if model_url is not None:
            locations.check_storage_uri("model_url", model_url)
        locations.check_source("source", source, optional=True)
        if source is not None:
            source = cast("Source", locations.plain_source(source))  # a StoredObject stands for its URI
        validation.check_text("via", via, optional=True)
        validation.check_text("model_name", model_name, optional=True)
        if project_id is not None and project_parameters is not None:
            raise ValidationError("project_id", project_id, "give project_id or project_parameters, not both")
        if project_id is not None:
            project_id = validation.check_id("project_id", project_id)
        parameters: dict[str, object] | None = None
        if project_parameters is not None:
            if isinstance(project_parameters, Mapping):
                parameters = dict(validation.check_mapping("project_parameters", project_parameters))
            else:
                to_dict: object = getattr(project_parameters, "to_dict", None)
                if not callable(to_dict):
                    raise ValidationError(
                        "project_parameters", project_parameters, "must be a mapping or a ProjectParameters"
                    )
                parameters = project_parameters.to_dict()
            validation.check_body("ProjectParameters", parameters)
            validation.check_project(parameters, creating=True)
        name = Path(str(model_url if model_url is not None else source)).name.split("?", 1)[0]
        if not name.endswith(".safetensors") and not (
            model_url and not storage_uri_parts(model_url) and "." not in name
        ):
            raise ValidationError("model_url" if model_url else "source", name, "must be a .safetensors file")
        if model_url is not None and storage_uri_parts(model_url) is None:
            if not is_http_url(model_url):
                raise ValidationError("model_url", model_url, "must be an http(s) URL or a storage URI")
            validation.check_http_url("model_url", model_url)
        if model_url is None and via is None:
            raise ValidationError("via", None, "is required with source: a storage URI to stage the model in")
        if model_url is not None:
            if storage_uri_parts(model_url) is not None:
                model_url = yield from blocking(presign, model_url, 6 * 3600)
        else:
            assert via is not None
            from ..staging import stage_file

            staged = yield from blocking(stage_file, source, via)
            model_url = staged[1]
        payload = compact(
            model_url=model_url,
            model_name=model_name,
            project_id=project_id,
            project_parameters=parameters,
        )
        return (yield from call(self._conn, ops.upload_model, json=checked("ModelUpload", payload)))
