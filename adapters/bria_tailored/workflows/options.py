"""The options of ``client.train``, defined once: the client, the workflow and the CLI all use these.

* :data:`TrainSource` is what can be trained on; :class:`TrainOptions` is every keyword option of
  ``train`` (a ``TypedDict``: ``client.train(source, project=..., **options)`` is checked key by key).
* :data:`DEFAULTS` holds the fixed defaults; the others are derived from the source (names, state path)
  or mean "off" when absent (see the comment of each key).
* :func:`resolve` checks every option (a :class:`~bria_tailored.errors.ValidationError` names the option)
  and returns the :class:`TrainSettings` the workflow (:mod:`bria_tailored.workflows.train`) runs on,
  before anything is read or sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

import attrs

from .. import validation
from ..errors import ValidationError
from ..polling import PollPolicy
from ..resources.models import ExpertParameters
from ._source import default_name, default_state_path

if TYPE_CHECKING:
    from bria_tailored_api.models import IpMedium, IpType, TrainingMode, TrainingVersion, UploadType

    from .._operations import (
        IpMediumValue,
        IpTypeValue,
        TrainingModeValue,
        TrainingVersionValue,
        UploadTypeValue,
    )
    from ._results import TrainEvent

__all__ = [
    "DEFAULTS",
    "ExpertParameters",
    "NewProject",
    "TrainDefaults",
    "TrainOptions",
    "TrainSettings",
    "TrainSource",
    "resolve",
]

#: What ``train`` trains on: a folder of images, a ``.zip`` file of images, or a storage prefix URI
#: (``s3://bucket/images/``, ``gs://...``, any scheme a plugin adds).
TrainSource: TypeAlias = str | os.PathLike[str]


class TrainOptions(ExpertParameters, total=False):
    """The keyword options of ``client.train`` (besides ``project``); every key may be left out.

    ``None`` where a type allows it means the same as leaving the key out. The expert training
    parameters come from :class:`~bria_tailored.resources.models.ExpertParameters` (spec:
    ``TrainingRequest``; they need ``training_mode="expert"``, and each one left out keeps Bria's default):

    * ``rank``: the rank (latent dimension) of the adapter, 4-256 (Bria's default: 128);
    * ``learning_rate``: the initial learning rate, 1e-6 to 1e-3 (default: 1e-4);
    * ``total_training_steps``: training optimization steps, 1-5000 (default: 750);
    * ``checkpoint_interval``: save a checkpoint every this many steps, at least 100 (default: 500);
    * ``lr_scheduler``: how the learning rate changes during training (default: "constant_with_warmup");
    * ``lr_warmup_steps``: warmup steps of "constant_with_warmup", 0-1000 (default: 100).
    """

    # Name of the dataset. Default: the source's name (the folder's, or the .zip file's stem).
    dataset_name: str | None
    # Name of the model. Default: "<source name>-model".
    model_name: str | None
    # Description of the model. Default: none.
    model_description: str | None
    # IP type of a new project (required when `project` is a name). Ignored for an existing project.
    ip_type: IpTypeValue | IpType | None
    # IP medium of a new project (required when `project` is a name). Ignored for an existing project.
    ip_medium: IpMediumValue | IpMedium | None
    # Name of the character of a new project (required for ip_type="defined_character"). Default: none.
    ip_name: str | None
    # Description of the IP of a new project (required for "defined_character" and "object_variants").
    ip_description: str | None
    # Storage URI where an advanced upload's ZIP is staged (needed above 200 images). Default: none.
    via: str | None
    # Instruction(s) refining the visual schema, applied in order. Default: none.
    refine: str | Sequence[str] | None
    # "fully_automated" or "expert" (the expert parameters need "expert").
    # Default: "fully_automated" (DEFAULTS.training_mode).
    training_mode: TrainingModeValue | TrainingMode
    # The base model to fine-tune: "light", "max", "bria-2.3", "bria-3.2" or "fibo" (it must suit the
    # dataset: fibo datasets train fibo models only). Default: None (not sent).
    training_version: TrainingVersionValue | TrainingVersion | None
    # Path of the state manifest that makes the run resumable. Default: "<source>.bria-train.json"
    # beside a local source, or in the working directory for a storage URI.
    state: str | os.PathLike[str] | None
    # Called with a TrainEvent after every step (from worker threads during uploads). Default: none.
    on_progress: Callable[[TrainEvent], object] | None
    # Seconds to wait for training to end; None waits without a deadline.
    # Default: 8 hours (DEFAULTS.timeout).
    timeout: float | None
    # "basic" (one by one, up to 200 images) or "advanced" (a bulk ZIP, needs `via`).
    # Default: chosen by the number of images.
    upload_type: UploadTypeValue | UploadType | None
    # How many images are uploaded at once, 1-64. Default: 8 (DEFAULTS.concurrency).
    concurrency: int
    # Backoff of every wait of the run (captions, bulk upload, training). Default: each wait's preset
    # (polling.CAPTIONS, polling.BULK_UPLOAD, polling.TRAINING).
    poll_policy: PollPolicy | None
    # What to do when another run holds the lock of the same state manifest (a run holds it from start to
    # end): True waits for that run to end, then carries on from what it recorded (a finished run's result
    # comes back at once); False fails at once with StateLockedError naming the other process (pid, host,
    # start time). Default: False (DEFAULTS.wait_lock).
    wait_lock: bool


@attrs.frozen
class TrainDefaults:
    """The fixed defaults of :class:`TrainOptions` (the others are derived from the source, or off)."""

    training_mode: TrainingModeValue = "fully_automated"
    timeout: float = 8 * 3600.0
    concurrency: int = 8
    wait_lock: bool = False
    #: Not an option: how long the captions of the uploaded images may take.
    captions_timeout: float = 1800.0


#: The one home of the defaults of ``train``; the CLI shows these too.
DEFAULTS = TrainDefaults()

_OPTIONS = frozenset(TrainOptions.__optional_keys__)
MAX_CONCURRENCY = validation.MAX_CONCURRENCY


@attrs.frozen
class NewProject:
    """A project ``train`` creates, named by ``project``."""

    name: str
    ip_type: IpTypeValue | IpType
    ip_medium: IpMediumValue | IpMedium
    ip_name: str | None = None
    ip_description: str | None = None


@attrs.frozen
class TrainSettings:
    """One ``train`` call's options, checked and with their defaults filled in: what the workflow runs."""

    source: TrainSource
    project: int | NewProject
    dataset_name: str
    model_name: str
    model_description: str | None
    via: str | None
    refine: tuple[str, ...]
    training_mode: TrainingModeValue | TrainingMode
    expert: ExpertParameters
    state_path: Path
    on_progress: Callable[[TrainEvent], object] | None
    timeout: float | None
    upload_type: UploadTypeValue | UploadType | None
    concurrency: int
    poll_policy: PollPolicy | None
    wait_lock: bool = False
    training_version: TrainingVersionValue | TrainingVersion | None = None

    @property
    def project_id(self) -> int | None:
        return self.project if isinstance(self.project, int) else None

    @property
    def project_name(self) -> str | None:
        return self.project.name if isinstance(self.project, NewProject) else None


def resolve(source: TrainSource, project: int | str, options: TrainOptions) -> TrainSettings:
    """Check ``train``'s arguments and fill in the defaults; raises ``ValidationError`` naming the option."""
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ValidationError(
            unknown[0],
            options.get(unknown[0]),
            f"is not a training parameter or an option of train (options: {', '.join(sorted(_OPTIONS))})",
        )
    source = _source(source)
    training_mode = options.get("training_mode", DEFAULTS.training_mode)
    validation.check_value("training_mode", training_mode, validation.component("TrainingMode"))
    expert = _expert(options, training_mode)
    dataset_name = _name("dataset_name", options.get("dataset_name"), default_name(source))
    model_name = _name("model_name", options.get("model_name"), f"{default_name(source)}-model")
    return TrainSettings(
        source=source,
        project=_project(project, options),
        dataset_name=dataset_name,
        model_name=model_name,
        model_description=_text("model_description", options.get("model_description")),
        via=_text("via", options.get("via")),
        refine=_refine(options.get("refine")),
        training_mode=training_mode,
        expert=expert,
        state_path=_state_path(options.get("state"), source),
        on_progress=_callback(options.get("on_progress")),
        timeout=_timeout(options.get("timeout", DEFAULTS.timeout)),
        upload_type=_upload_type(options.get("upload_type")),
        concurrency=_concurrency(options.get("concurrency", DEFAULTS.concurrency)),
        poll_policy=_policy(options.get("poll_policy")),
        wait_lock=_flag("wait_lock", options.get("wait_lock", DEFAULTS.wait_lock)),
        training_version=_training_version(options.get("training_version")),
    )


# ------------------------------------------------------------------------------------- each option
def _is_path(value: object) -> TypeGuard[str | os.PathLike[str]]:
    """A ``str`` or an ``os.PathLike`` of ``str`` (not of bytes)."""
    if isinstance(value, str):
        return True
    fspath: object = getattr(value, "__fspath__", None)
    return callable(fspath) and isinstance(fspath(), str)


def _source(value: object) -> TrainSource:
    if not _is_path(value):
        raise ValidationError("source", value, "must be a folder, a .zip file or a storage prefix URI")
    return value


def _state_path(value: object, source: TrainSource) -> Path:
    if value is None:
        return default_state_path(source)
    if not _is_path(value):
        raise ValidationError("state", value, "must be a file path")
    return Path(value).expanduser()


def _project(project: object, options: TrainOptions) -> int | NewProject:
    rule = "give an existing project id or a name for a new project"
    if isinstance(project, int) and not isinstance(project, bool):
        _check_ip_options(options)
        return validation.check_id("project", project)
    if not isinstance(project, str) or not project.strip():
        raise ValidationError("project", project, rule)
    if project.strip().isdigit():
        _check_ip_options(options)
        return validation.check_id("project", project)  # "1 " is refused, not read as project 1
    ip_type, ip_medium = options.get("ip_type"), options.get("ip_medium")
    if ip_type is None:
        raise ValidationError("ip_type", None, "is required to create a new project")
    if ip_medium is None:
        raise ValidationError("ip_medium", None, "is required to create a new project")
    new = NewProject(
        name=project.strip(),
        ip_type=ip_type,
        ip_medium=ip_medium,
        ip_name=_text("ip_name", options.get("ip_name")),
        ip_description=_text("ip_description", options.get("ip_description")),
    )
    payload = {
        "project_name": new.name,
        "ip_type": new.ip_type,
        "ip_medium": new.ip_medium,
        **({"ip_name": new.ip_name} if new.ip_name is not None else {}),
        **({"ip_description": new.ip_description} if new.ip_description is not None else {}),
    }
    validation.check_body("ProjectCreate", payload)
    validation.check_project(payload, creating=True)
    return new


def _check_ip_options(options: TrainOptions) -> None:
    """The IP options are ignored for an existing project, but a bad one is still an error."""
    for name, schema in (("ip_type", "IpType"), ("ip_medium", "IpMedium")):
        value = options.get(name)
        if value is not None:
            validation.check_value(name, value, validation.component(schema))
    _text("ip_name", options.get("ip_name"))
    _text("ip_description", options.get("ip_description"))


def _expert(options: TrainOptions, training_mode: object) -> ExpertParameters:
    expert: ExpertParameters = {}
    if "rank" in options:
        expert["rank"] = options["rank"]
    if "learning_rate" in options:
        expert["learning_rate"] = options["learning_rate"]
    if "total_training_steps" in options:
        expert["total_training_steps"] = options["total_training_steps"]
    if "checkpoint_interval" in options:
        expert["checkpoint_interval"] = options["checkpoint_interval"]
    if "lr_scheduler" in options:
        expert["lr_scheduler"] = options["lr_scheduler"]
    if "lr_warmup_steps" in options:
        expert["lr_warmup_steps"] = options["lr_warmup_steps"]
    if expert:
        validation.check_body("TrainingRequest", expert)
        if training_mode != "expert":
            name, value = next(iter(expert.items()))
            raise ValidationError(name, value, "expert parameters need training_mode='expert'")
    return expert


def _name(option: str, value: object, default: str) -> str:
    if value is None:
        value = default
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(option, value, "must be a non-empty string")
    return value


def _text(option: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(option, value, "must be a non-empty string (or None)")
    return value


def _is_sequence(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, Sequence)


def _refine(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not _is_sequence(value):
        raise ValidationError("refine", value, "must be an instruction or a list of instructions")
    refine: list[str] = []
    for i, instruction in enumerate(value):
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValidationError(f"refine[{i}]", instruction, "must be a non-empty instruction")
        refine.append(instruction)
    return tuple(refine)


def _callback(value: Callable[[TrainEvent], object] | None) -> Callable[[TrainEvent], object] | None:
    validation.check_callback("on_progress", value)
    return value


def _timeout(value: object) -> float | None:
    return validation.check_timeout("timeout", value)


def _upload_type(value: UploadTypeValue | UploadType | None) -> UploadTypeValue | UploadType | None:
    if value is not None:
        validation.check_value("upload_type", value, validation.component("UploadType"))
    return value


def _training_version(
    value: TrainingVersionValue | TrainingVersion | None,
) -> TrainingVersionValue | TrainingVersion | None:
    if value is not None:
        validation.check_value("training_version", value, validation.component("TrainingVersion"))
    return value


def _concurrency(value: object) -> int:
    return validation.check_concurrency("concurrency", value)


def _flag(option: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(option, value, "must be True or False")
    return value


def _policy(value: object) -> PollPolicy | None:
    return validation.check_policy("poll_policy", value)
