"""The request bodies the handlers read, as TypedDicts transcribed from the spec's request schemas.

The app has validated each body against its schema (``generated/openapi.json``), so these types hold at
run time; only the fields the sandbox reads are listed. Fields the spec does not require are
``NotRequired``; none of them is nullable except ``project_parameters``.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from ..records import DatasetStatus, IpMedium, IpType, TrainingMode, UploadType

__all__ = [
    "BulkUploadRequest",
    "DatasetClone",
    "DatasetCreate",
    "DatasetUpdate",
    "ImageCaptionUpdate",
    "ImageGenerationRequest",
    "ImageUpload",
    "ModelCreate",
    "ModelUpdate",
    "ModelUpload",
    "ProjectCreate",
    "ProjectParameters",
    "ProjectUpdate",
    "RefineStructuredPromptRequest",
    "StructuredPromptRequest",
    "TrainingRequest",
    "VideoGenerationRequest",
    "VisualSchemaRequest",
]

# --- projects ----------------------------------------------------------------------------------------


class ProjectCreate(TypedDict):
    project_name: str
    ip_medium: IpMedium
    ip_type: IpType
    project_description: NotRequired[str]
    ip_name: NotRequired[str]
    ip_description: NotRequired[str]


class ProjectUpdate(TypedDict, total=False):
    project_name: str
    project_description: str
    ip_name: str
    ip_description: str


# --- datasets and images -----------------------------------------------------------------------------


class DatasetCreate(TypedDict):
    project_id: int
    name: str
    upload_type: NotRequired[UploadType]


class DatasetUpdate(TypedDict, total=False):
    name: str
    status: DatasetStatus
    visual_schema: str


class DatasetClone(TypedDict, total=False):
    name: str
    description: str


class ImageUpload(TypedDict, total=False):
    file: str  # base64
    image_url: str
    image_name: str
    increase_resolution: bool


class ImageCaptionUpdate(TypedDict, total=False):
    caption: str
    regenerate_caption: bool


class BulkUploadRequest(TypedDict, total=False):
    zip_url: str


class VisualSchemaRequest(TypedDict):
    images: list[str]  # http(s) URLs or base64


class RefineStructuredPromptRequest(TypedDict):
    dataset_id: int
    structured_prompt: str
    instruction: str


# --- models ------------------------------------------------------------------------------------------


class ModelCreate(TypedDict):
    name: str
    dataset_id: int
    description: NotRequired[str]
    training_mode: NotRequired[TrainingMode]
    training_version: NotRequired[str]


class ModelUpdate(TypedDict, total=False):
    name: str
    description: str


class ProjectParameters(TypedDict, total=False):
    ip_medium: IpMedium
    ip_type: IpType
    project_name: str
    project_description: str


class ModelUpload(TypedDict):
    model_url: str
    model_name: NotRequired[str]
    project_id: NotRequired[int]
    project_parameters: NotRequired[ProjectParameters | None]


class TrainingRequest(TypedDict, total=False):
    rank: int
    learning_rate: float
    lr_scheduler: str
    lr_warmup_steps: int
    total_training_steps: int
    checkpoint_interval: int


# --- generation --------------------------------------------------------------------------------------


class ImageGenerationRequest(TypedDict):
    tailored_model_id: str
    prompt: NotRequired[str]
    structured_prompt: NotRequired[str]  # a JSON object, as a string
    seed: NotRequired[int]
    aspect_ratio: NotRequired[str]
    negative_prompt: NotRequired[str]
    sync: NotRequired[bool]
    webhook_url: NotRequired[object]  # documented by Bria, maybe not yet by the spec: checked by the handler


class StructuredPromptRequest(TypedDict):
    tailored_model_id: str
    prompt: NotRequired[str]
    structured_prompt: NotRequired[str]
    seed: NotRequired[int]
    sync: NotRequired[bool]
    webhook_url: NotRequired[object]


class VideoGenerationRequest(TypedDict):
    tailored_model_id: str
    image: str  # an http(s) URL or base64
    seed: NotRequired[int]
    webhook_url: NotRequired[object]
