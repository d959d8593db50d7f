"""What ``client.train`` reports while it runs (:class:`TrainEvent`) and what it returns (:class:`TrainResult`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

import attrs

from ..types import ToDict

if TYPE_CHECKING:
    from bria_tailored_api.models import Dataset, Model, Project

    from .._operations import UploadTypeValue

#: A phase of a training run, as named by :class:`TrainEvent`.
Phase: TypeAlias = Literal[
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
]

#: The phases a :class:`TrainEvent` can name, in the order a run goes through them.
PHASES: Final[tuple[Phase, ...]] = (
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
class TrainEvent(ToDict):
    """Progress of ``client.train``: ``phase`` (one of :data:`PHASES`), counts where they exist (images
    uploaded, captioned, bulk percentage) and a short human ``detail``. ``to_dict()``/``to_json()`` give
    plain data."""

    phase: Phase
    done: int | None = None
    total: int | None = None
    detail: str | None = None


@attrs.frozen
class TrainResult(ToDict):
    """What ``client.train`` returns: the trained ``model`` (status ``Completed``), its ``project`` and
    ``dataset``, the ``state_path`` of the manifest, how many ``images`` were trained on, the
    ``upload_type`` used and whether this call ``resumed`` an earlier run. ``to_dict()``/``to_json()``
    give plain data (the API objects through their own ``to_dict``)."""

    project: Project
    dataset: Dataset
    model: Model
    state_path: Path
    images: int
    upload_type: UploadTypeValue
    resumed: bool

    @property
    def model_id(self) -> int:
        return self.model.id
