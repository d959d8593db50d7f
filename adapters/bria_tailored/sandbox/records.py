"""What the sandbox stores: one TypedDict per kind of record, and the values their fields take.

Records are plain JSON-able dicts, kept by :class:`~.state.Store` (and, with ``db_path``, in SQLite).
Keys without a leading underscore are what the API shows (see ``views.py``); ``_``-keys are the
sandbox's own bookkeeping: blob keys, digests and the timestamps the lifecycle settles from. The key
order of a record is the key order of its JSON answer, so records are built in that order.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

__all__ = [
    "BulkEntry",
    "BulkRecord",
    "CaptionsJob",
    "Checkpoint",
    "DatasetRecord",
    "FailedImage",
    "ImageRecord",
    "JobError",
    "JobRecord",
    "JobResult",
    "ModelRecord",
    "ModelStatus",
    "NoTrainingParameters",
    "ProjectRecord",
    "StopRequest",
    "TrainingParameters",
    "TrainingRun",
]

IpMedium = Literal["photography", "illustration"]
IpType = Literal[
    "multi_object_set",
    "object_variants",
    "icons",
    "defined_character",
    "character_variants",
    "stylized_scene",
    "other",
]
UploadType = Literal["basic", "advanced"]
DatasetStatus = Literal["draft", "completed"]
CaptionsStatus = Literal["empty", "in_progress", "completed"]
CaptionSource = Literal["automatic", "manual", "pending"]
TrainingMode = Literal["fully_automated", "expert"]
ModelStatus = Literal["Created", "InProgress", "Stopping", "Stopped", "Completed", "Failed", "syncing"]
BulkStatus = Literal["pending", "processing", "completed", "failed"]
JobKind = Literal["image", "structured_prompt", "video"]


class ProjectRecord(TypedDict):
    id: int
    project_name: str
    project_description: str
    ip_medium: IpMedium
    ip_type: IpType
    status: str
    training_version: str | None
    created_at: str
    updated_at: str
    ip_name: NotRequired[str]
    ip_description: NotRequired[str]


class CaptionsJob(TypedDict):
    """A regenerate-all-captions run: it ends ``duration`` seconds after ``started``."""

    started: float
    duration: float


class DatasetRecord(TypedDict):
    id: int
    project_id: int
    name: str
    status: DatasetStatus
    upload_type: UploadType
    visual_schema: str | None
    captions_update_status: CaptionsStatus
    created_at: str
    updated_at: str
    _captions_job: CaptionsJob | None
    _bulk_attempted: bool


class ImageRecord(TypedDict):
    id: int
    dataset_id: int
    image_name: str
    caption: str | None
    caption_source: CaptionSource | None
    created_at: str
    updated_at: str
    upload_source_url: str | None
    _blob: str
    _thumb: str
    _digest: str
    _caption_source_before: NotRequired[CaptionSource | None]  # while captions are being regenerated


class NoTrainingParameters(TypedDict):
    """A model's ``training_parameters`` until its training starts: ``{}``."""


class TrainingParameters(TypedDict):
    """A model's ``training_parameters`` once its training started."""

    rank: int
    learning_rate: float
    lr_scheduler: str
    lr_warmup_steps: int | None
    total_training_steps: int
    checkpoint_interval: int


class TrainingRun(TypedDict):
    """A training started at ``started``: it lasts ``duration`` and fails half-way when ``fail``."""

    started: float
    duration: float
    fail: bool
    total_steps: int
    interval: int
    job_id: int


class StopRequest(TypedDict):
    requested: float
    duration: float


class Checkpoint(TypedDict):
    checkpoint_step: int
    created_at: str
    training_job_id: int


class ModelRecord(TypedDict):
    id: int
    name: str
    description: str
    status: ModelStatus
    training_mode: TrainingMode
    active_model_version: str
    checkpoint_steps: list[str]  # newest first
    training_parameters: TrainingParameters | NoTrainingParameters
    custom_metadata: str
    created_at: str
    updated_at: str
    dataset_id: NotRequired[int]  # uploaded models have none
    project_id: int
    training_version: NotRequired[str]  # the base model (create-model's training_version, else fibo)
    generation_prefix: NotRequired[str | None]  # null for fibo models (docs.bria.ai create-model)
    _file: NotRequired[str]  # the weights' blob key, once made or uploaded
    _sync_until: NotRequired[float]  # uploaded models: when syncing ends
    _training: NotRequired[TrainingRun]
    _stop: NotRequired[StopRequest]
    _checkpoints: NotRequired[list[Checkpoint]]  # oldest first
    _deleted_checkpoints: NotRequired[list[int]]


class BulkEntry(TypedDict):
    """One file of a bulk-upload zip: an image stored and queued (``error_code`` None), or a rejection."""

    filename: str
    blob: NotRequired[str]
    thumb: NotRequired[str]
    digest: NotRequired[str]
    error_code: int | None
    error_message: NotRequired[str]
    used: NotRequired[bool]


class FailedImage(TypedDict):
    filename: str
    error_code: int
    error_message: str


class BulkRecord(TypedDict):
    """A dataset's bulk upload (kept under the dataset's id): fetched, then added over ``duration``."""

    dataset_id: int
    status: BulkStatus
    entries: list[BulkEntry]
    processed: int
    done: int
    failed: int
    failed_images: list[FailedImage]
    prepared_at: float | None
    duration: float
    message: str | None


class JobResult(TypedDict, total=False):
    """What a finished generation job shows (``_image``/``_video`` become ``image_url``/``video_url``)."""

    _image: str
    _video: str
    structured_prompt: str
    seed: int
    prompt: str


class JobError(TypedDict):
    code: int
    message: str
    details: str


class JobRecord(TypedDict):
    """A generation job of the Status Service, ``IN_PROGRESS`` until ``ready_at``."""

    request_id: str
    kind: JobKind
    created: float
    ready_at: float
    result: JobResult | None
    error: JobError | None
