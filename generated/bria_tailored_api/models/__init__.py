"""Contains all the data models used in inputs/outputs (each model's module is imported on first use)"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accepted_job import AcceptedJob
    from .aspect_ratio import AspectRatio
    from .bulk_upload_request import BulkUploadRequest
    from .bulk_upload_state import BulkUploadState
    from .bulk_upload_status import BulkUploadStatus
    from .caption_source import CaptionSource
    from .captions_update_status import CaptionsUpdateStatus
    from .checkpoint import Checkpoint
    from .checkpoint_list import CheckpointList
    from .dataset import Dataset
    from .dataset_clone import DatasetClone
    from .dataset_create import DatasetCreate
    from .dataset_image import DatasetImage
    from .dataset_models_item import DatasetModelsItem
    from .dataset_status import DatasetStatus
    from .dataset_update import DatasetUpdate
    from .download_links import DownloadLinks
    from .error_message import ErrorMessage
    from .failed_image import FailedImage
    from .field_error import FieldError
    from .image_caption_update import ImageCaptionUpdate
    from .image_generation_request import ImageGenerationRequest
    from .image_generation_result import ImageGenerationResult
    from .image_upload import ImageUpload
    from .ip_medium import IpMedium
    from .ip_type import IpType
    from .job_status import JobStatus
    from .lr_scheduler import LrScheduler
    from .model import Model
    from .model_create import ModelCreate
    from .model_status import ModelStatus
    from .model_update import ModelUpdate
    from .model_upload import ModelUpload
    from .project import Project
    from .project_create import ProjectCreate
    from .project_parameters import ProjectParameters
    from .project_status import ProjectStatus
    from .project_update import ProjectUpdate
    from .refine_structured_prompt_request import RefineStructuredPromptRequest
    from .status_error import StatusError
    from .status_not_found import StatusNotFound
    from .status_response import StatusResponse
    from .status_result import StatusResult
    from .status_service_error import StatusServiceError
    from .status_service_error_detail import StatusServiceErrorDetail
    from .structured_prompt_request import StructuredPromptRequest
    from .structured_prompt_result import StructuredPromptResult
    from .training_mode import TrainingMode
    from .training_parameters import TrainingParameters
    from .training_request import TrainingRequest
    from .training_version import TrainingVersion
    from .upload_type import UploadType
    from .video_generation_request import VideoGenerationRequest
    from .visual_schema_request import VisualSchemaRequest
    from .visual_schema_result import VisualSchemaResult

__all__ = (
    "AcceptedJob",
    "AspectRatio",
    "BulkUploadRequest",
    "BulkUploadState",
    "BulkUploadStatus",
    "CaptionSource",
    "CaptionsUpdateStatus",
    "Checkpoint",
    "CheckpointList",
    "Dataset",
    "DatasetClone",
    "DatasetCreate",
    "DatasetImage",
    "DatasetModelsItem",
    "DatasetStatus",
    "DatasetUpdate",
    "DownloadLinks",
    "ErrorMessage",
    "FailedImage",
    "FieldError",
    "ImageCaptionUpdate",
    "ImageGenerationRequest",
    "ImageGenerationResult",
    "ImageUpload",
    "IpMedium",
    "IpType",
    "JobStatus",
    "LrScheduler",
    "Model",
    "ModelCreate",
    "ModelStatus",
    "ModelUpdate",
    "ModelUpload",
    "Project",
    "ProjectCreate",
    "ProjectParameters",
    "ProjectStatus",
    "ProjectUpdate",
    "RefineStructuredPromptRequest",
    "StatusError",
    "StatusNotFound",
    "StatusResponse",
    "StatusResult",
    "StatusServiceError",
    "StatusServiceErrorDetail",
    "StructuredPromptRequest",
    "StructuredPromptResult",
    "TrainingMode",
    "TrainingParameters",
    "TrainingRequest",
    "TrainingVersion",
    "UploadType",
    "VideoGenerationRequest",
    "VisualSchemaRequest",
    "VisualSchemaResult",
)

_MODULE_OF: dict[str, str] = {
    "AcceptedJob": ".accepted_job",
    "AspectRatio": ".aspect_ratio",
    "BulkUploadRequest": ".bulk_upload_request",
    "BulkUploadState": ".bulk_upload_state",
    "BulkUploadStatus": ".bulk_upload_status",
    "CaptionSource": ".caption_source",
    "CaptionsUpdateStatus": ".captions_update_status",
    "Checkpoint": ".checkpoint",
    "CheckpointList": ".checkpoint_list",
    "Dataset": ".dataset",
    "DatasetClone": ".dataset_clone",
    "DatasetCreate": ".dataset_create",
    "DatasetImage": ".dataset_image",
    "DatasetModelsItem": ".dataset_models_item",
    "DatasetStatus": ".dataset_status",
    "DatasetUpdate": ".dataset_update",
    "DownloadLinks": ".download_links",
    "ErrorMessage": ".error_message",
    "FailedImage": ".failed_image",
    "FieldError": ".field_error",
    "ImageCaptionUpdate": ".image_caption_update",
    "ImageGenerationRequest": ".image_generation_request",
    "ImageGenerationResult": ".image_generation_result",
    "ImageUpload": ".image_upload",
    "IpMedium": ".ip_medium",
    "IpType": ".ip_type",
    "JobStatus": ".job_status",
    "LrScheduler": ".lr_scheduler",
    "Model": ".model",
    "ModelCreate": ".model_create",
    "ModelStatus": ".model_status",
    "ModelUpdate": ".model_update",
    "ModelUpload": ".model_upload",
    "Project": ".project",
    "ProjectCreate": ".project_create",
    "ProjectParameters": ".project_parameters",
    "ProjectStatus": ".project_status",
    "ProjectUpdate": ".project_update",
    "RefineStructuredPromptRequest": ".refine_structured_prompt_request",
    "StatusError": ".status_error",
    "StatusNotFound": ".status_not_found",
    "StatusResponse": ".status_response",
    "StatusResult": ".status_result",
    "StatusServiceError": ".status_service_error",
    "StatusServiceErrorDetail": ".status_service_error_detail",
    "StructuredPromptRequest": ".structured_prompt_request",
    "StructuredPromptResult": ".structured_prompt_result",
    "TrainingMode": ".training_mode",
    "TrainingParameters": ".training_parameters",
    "TrainingRequest": ".training_request",
    "TrainingVersion": ".training_version",
    "UploadType": ".upload_type",
    "VideoGenerationRequest": ".video_generation_request",
    "VisualSchemaRequest": ".visual_schema_request",
    "VisualSchemaResult": ".visual_schema_result",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
