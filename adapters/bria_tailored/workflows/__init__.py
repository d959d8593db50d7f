"""Workflows: multi-step jobs composed from the facade's plans, run by either client.

``train`` (``client.train``) takes a folder, ``.zip`` or storage prefix of images to a trained tailored
model, resumably (see :mod:`bria_tailored.workflows.train`); its options are defined once, in
:mod:`bria_tailored.workflows.options`.
"""

from ..errors import InvalidImagesError, UploadsFailedError
from ._results import PHASES, Phase, TrainEvent, TrainResult
from .options import DEFAULTS, ExpertParameters, TrainOptions, TrainSource
from .train import train_plan

__all__ = [
    "DEFAULTS",
    "PHASES",
    "ExpertParameters",
    "InvalidImagesError",
    "Phase",
    "TrainEvent",
    "TrainOptions",
    "TrainResult",
    "TrainSource",
    "UploadsFailedError",
    "train_plan",
]
