"""Workflows: multi-step jobs composed from the facade's plans, run by either client.

``train`` (``client.train``) takes a folder, ``.zip`` or storage prefix of images to a trained tailored
model, resumably (see :mod:`bria_tailored.workflows.train`).
"""

from ._source import InvalidImagesError
from .train import PHASES, TrainEvent, TrainResult, UploadsFailedError, train_plan

__all__ = ["PHASES", "InvalidImagesError", "TrainEvent", "TrainResult", "UploadsFailedError", "train_plan"]
