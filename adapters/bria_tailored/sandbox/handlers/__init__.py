"""The API's operations, one handler per ``operationId``, in one module per resource.

A handler receives a validated :class:`Call` (typed path/query parameters, the JSON body already checked
against the spec) and the :class:`~bria_tailored.sandbox.service.Sandbox` service, and returns a
:class:`Reply` or raises :class:`~bria_tailored.sandbox.errors.ApiError` with one of Bria's error
shapes. Importing this package registers every handler in :data:`HANDLERS`:

- ``projects``: projects, and the datasets and models of a project
- ``datasets``: datasets (create, update, complete, clone, download)
- ``images``: a dataset's images and their captions
- ``bulk_upload``: an advanced dataset's zip upload and its status
- ``prompts``: visual schemas and structured-prompt refinement
- ``models``: models, their weights (download) and uploaded weights
- ``training``: starting and stopping training
- ``checkpoints``: an expert model's checkpoints
- ``generation``: image, structured-prompt and video generation
- ``status``: the Status Service
"""

from __future__ import annotations

from . import (
    bulk_upload,
    checkpoints,
    datasets,
    generation,
    images,
    models,
    projects,
    prompts,
    status,
    training,
)
from .base import HANDLERS, PREPARERS, Call, Handler, Reply, handles, prepares

__all__ = [
    "HANDLERS",
    "PREPARERS",
    "Call",
    "Handler",
    "Reply",
    "bulk_upload",
    "checkpoints",
    "datasets",
    "generation",
    "handles",
    "images",
    "models",
    "prepares",
    "projects",
    "prompts",
    "status",
    "training",
]
