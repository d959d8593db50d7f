"""``client.models`` (and ``client.models.checkpoints``): tailored models, training, uploads, downloads."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bria_tailored_api.api.model import (
    create_model,
    delete_checkpoint,
    delete_model,
    download_model,
    get_checkpoint,
    get_model,
    get_models,
    get_models_by_project,
    list_checkpoints,
    start_training,
    stop_training,
    update_model,
    upload_model,
)
from bria_tailored_api.models import Model, ModelCreate, ModelUpdate, ModelUpload, TrainingRequest

from .. import polling, validation
from .._core import Blocking, Call, Plan, Poll
from ..errors import TrainingFailedError, ValidationError
from ._base import Resource, body, call, compact
from ._inputs import is_http_url, presign, storage_uri_parts

EXPERT_PARAMETERS = (
    "lr_scheduler",
    "learning_rate",
    "total_training_steps",
    "rank",
    "checkpoint_interval",
    "lr_warmup_steps",
)


def _raw(value: Any) -> Any:
    return getattr(value, "value", value)


class Checkpoints(Resource):
    """``client.models.checkpoints``: checkpoints saved during expert training."""

    def list(self, model_id: int) -> Any:
        return self._run(call(list_checkpoints, model_id=validation.check_id("model_id", model_id)))

    def get(self, model_id: int, step: int) -> Any:
        return self._run(
            call(
                get_checkpoint,
                model_id=validation.check_id("model_id", model_id),
                checkpoint_step=validation.check_id("step", step),
            )
        )

    def delete(self, model_id: int, step: int) -> None:
        """Delete a checkpoint (the active one cannot be deleted)."""
        return self._run(
            call(
                delete_checkpoint,
                model_id=validation.check_id("model_id", model_id),
                checkpoint_step=validation.check_id("step", step),
            )
        )


class Models(Resource):
    """``client.models``."""

    def __init__(self, core: Any, client: Any = None) -> None:
        super().__init__(core, client)
        self.checkpoints = Checkpoints(core, client)

    def create(
        self, *, name: str, dataset_id: int, training_mode: str | None = None, description: str | None = None
    ) -> Model:
        """Create a model on a dataset; ``training_mode`` is ``fully_automated`` (default) or ``expert``."""
        if isinstance(name, str) and not name.strip():
            raise ValidationError("name", name, "must not be empty")
        payload = compact(
            name=name,
            dataset_id=validation.check_id("dataset_id", dataset_id),
            training_mode=training_mode,
            description=description,
        )
        return self._run(call(create_model, body=body(ModelCreate, "ModelCreate", payload)))

    def list(
        self, project_id: int | None = None, *, include_training_parameters: bool | None = None
    ) -> list[Model]:
        kwargs = compact(include_training_parameters=include_training_parameters)
        if project_id is None:
            return self._run(call(get_models, **kwargs))
        return self._run(
            call(get_models_by_project, project_id=validation.check_id("project_id", project_id), **kwargs)
        )

    def get(self, model_id: int) -> Model:
        return self._run(call(get_model, model_id=validation.check_id("model_id", model_id)))

    def update(self, model_id: int, *, name: str | None = None, description: str | None = None) -> Model:
        model_id = validation.check_id("model_id", model_id)
        payload = compact(name=name, description=description)
        if not payload:
            raise ValidationError("name", None, "give name and/or description")
        return self._run(
            call(update_model, model_id=model_id, body=body(ModelUpdate, "ModelUpdate", payload))
        )

    def delete(self, model_id: int) -> None:
        return self._run(call(delete_model, model_id=validation.check_id("model_id", model_id)))

    def start_training(
        self, model_id: int, *, training_mode: str | None = None, **expert_params: Any
    ) -> Model:
        """Start training (hours on Bria). Expert parameters (``rank``, ``learning_rate``,
        ``total_training_steps``, ``checkpoint_interval``, ``lr_scheduler``, ``lr_warmup_steps``) apply only
        to models created with ``training_mode='expert'``; pass ``training_mode`` to have that checked here."""
        model_id = validation.check_id("model_id", model_id)
        unknown = sorted(set(expert_params) - set(EXPERT_PARAMETERS))
        if unknown:
            raise ValidationError(
                unknown[0],
                expert_params[unknown[0]],
                f"is not a training parameter ({', '.join(EXPERT_PARAMETERS)})",
            )
        payload = compact(**expert_params)
        if payload and training_mode is not None and _raw(training_mode) != "expert":
            raise ValidationError(
                next(iter(payload)),
                next(iter(payload.values())),
                "expert parameters need training_mode='expert'",
            )
        return self._run(
            call(start_training, model_id=model_id, body=body(TrainingRequest, "TrainingRequest", payload))
        )

    def stop_training(self, model_id: int) -> None:
        return self._run(call(stop_training, model_id=validation.check_id("model_id", model_id)))

    def wait_for_training(
        self,
        model_id: int,
        *,
        timeout: float | None = 8 * 3600.0,
        on_progress: Callable[[Any], None] | None = None,
        policy: Any = None,
    ) -> Model:
        """Wait until training ends: ``Completed`` returns the model; ``Failed``/``Stopped`` raise
        :class:`TrainingFailedError`. ``on_progress(model)`` is called after every check."""
        return self._run(
            self._wait_plan(validation.check_id("model_id", model_id), timeout, on_progress, policy)
        )

    def _wait_plan(
        self, model_id: int, timeout: float | None, on_progress: Callable[[Any], None] | None, policy: Any
    ) -> Plan[Model]:
        def check() -> Plan[Any]:
            model = yield Call(get_model, {"model_id": model_id})
            state = _raw(model.status)
            if state in ("Failed", "Stopped"):
                raise TrainingFailedError(
                    f"training of model {model_id} ended {state}",
                    model_id=model_id,
                    status=state,
                    model=model,
                )
            return polling.PollResult(done=state == "Completed", value=model, status=model)

        result = yield Poll(
            check, policy or polling.TRAINING, timeout, f"training of model {model_id}", on_progress
        )
        return result  # type: ignore[no-any-return]

    def download(
        self, model_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Any:
        """Download links of a trained model; with ``to`` (storage URI or folder) the ``.safetensors`` is
        streamed there (resuming after a dropped connection) and verified."""
        return self._run(self._download_plan(model_id, to, key))

    def _download_plan(self, model_id: int, to: Any, key: str | None) -> Plan[Any]:
        model_id = validation.check_id("model_id", model_id)
        links = yield Call(download_model, {"model_id": model_id})
        if to is None:
            return links
        from ..saving import download_into

        metadata = {"model_id": model_id}
        stored = yield Blocking(
            download_into, (links.download_url, to, key or f"model-{model_id}.safetensors", metadata)
        )
        return stored

    def upload(
        self,
        *,
        model_url: str | None = None,
        source: Any = None,
        via: str | None = None,
        model_name: str | None = None,
        project_id: int | None = None,
        project_parameters: dict[str, Any] | None = None,
    ) -> Model:
        """Upload a pre-trained ``.safetensors`` model (up to 3 GB) from ``model_url``, or from a local
        ``source`` staged through ``via`` (a storage URI). Give ``project_id`` or ``project_parameters``."""
        return self._run(
            self._upload_plan(model_url, source, via, model_name, project_id, project_parameters)
        )

    def _upload_plan(
        self,
        model_url: str | None,
        source: Any,
        via: str | None,
        model_name: str | None,
        project_id: int | None,
        project_parameters: dict[str, Any] | None,
    ) -> Plan[Model]:
        if (model_url is None) == (source is None):
            raise ValidationError("model_url", model_url, "give exactly one of model_url or source")
        if project_id is not None and project_parameters is not None:
            raise ValidationError("project_id", project_id, "give project_id or project_parameters, not both")
        if project_id is not None:
            project_id = validation.check_id("project_id", project_id)
        if project_parameters is not None:
            validation.check_body("ProjectParameters", project_parameters)
            validation.check_project(project_parameters, creating=True)
        name = Path(str(model_url if model_url is not None else source)).name.split("?", 1)[0]
        if not name.endswith(".safetensors") and not (
            model_url and not storage_uri_parts(model_url) and "." not in name
        ):
            raise ValidationError("model_url" if model_url else "source", name, "must be a .safetensors file")
        staged = None
        if model_url is not None:
            if storage_uri_parts(model_url) is not None:
                model_url = yield Blocking(presign, (model_url, 6 * 3600))
            elif not is_http_url(model_url):
                raise ValidationError("model_url", model_url, "must be an http(s) URL or a storage URI")
        else:
            if via is None:
                raise ValidationError(
                    "via", None, "is required with source: a storage URI to stage the model in"
                )
            from ..staging import stage_file

            staged = yield Blocking(stage_file, (source, via))
            model_url = staged[1]
        payload = compact(
            model_url=model_url,
            model_name=model_name,
            project_id=project_id,
            project_parameters=project_parameters,
        )
        result = yield Call(upload_model, {"body": body(ModelUpload, "ModelUpload", payload)})
        return result  # type: ignore[no-any-return]
