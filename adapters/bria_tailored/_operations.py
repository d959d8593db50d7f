"""The API's operations, one typed :class:`~bria_tailored._operation.Operation` per operationId.

Written by scripts/gen_operations.py from generated/openapi.json (run by scripts/regenerate.py) — do not
edit by hand. ``OPERATIONS`` maps every operationId to its operation (``client.request`` uses it); the
``*Value`` aliases are the spec's enum values as ``Literal`` types.
"""
# ruff: noqa: E501

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeAlias

from ._operation import Operation

if not TYPE_CHECKING:  # type checkers do not see this: for them a missing operation is an error

    def __getattr__(name: str) -> NoReturn:
        # A facade method whose operation is no longer in the spec (removed upstream): a clear error (a
        # BriaError and an AttributeError) when it is called, while everything else keeps working.
        if name.startswith("__"):
            raise AttributeError(name)
        from .errors import BriaError

        class OperationNotInSpecError(BriaError, AttributeError):
            pass

        raise OperationNotInSpecError(
            f"the operation {name!r} is not in generated/openapi.json (Bria's spec no longer has it?), "
            "so the method that calls it cannot be used with this version of the spec"
        )


if TYPE_CHECKING:
    from bria_tailored_api.models import (
        AcceptedJob,
        BulkUploadStatus,
        Checkpoint,
        CheckpointList,
        Dataset,
        DatasetImage,
        DownloadLinks,
        ImageGenerationResult,
        Model,
        Project,
        StatusResponse,
        StructuredPromptResult,
        VisualSchemaResult,
    )

AspectRatioValue: TypeAlias = Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9"]
BulkUploadStateValue: TypeAlias = Literal["pending", "processing", "completed", "failed"]
CaptionSourceValue: TypeAlias = Literal["automatic", "manual", "pending"]
CaptionsUpdateStatusValue: TypeAlias = Literal["empty", "in_progress", "completed"]
DatasetStatusValue: TypeAlias = Literal["draft", "completed"]
IpMediumValue: TypeAlias = Literal["photography", "illustration"]
IpTypeValue: TypeAlias = Literal[
    "multi_object_set",
    "object_variants",
    "icons",
    "defined_character",
    "character_variants",
    "stylized_scene",
    "other",
]
JobStatusValue: TypeAlias = Literal["IN_PROGRESS", "COMPLETED", "ERROR", "UNKNOWN"]
LrSchedulerValue: TypeAlias = Literal[
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup"
]
ModelStatusValue: TypeAlias = Literal["Created", "InProgress", "Completed", "Failed", "Stopping", "Stopped"]
ProjectStatusValue: TypeAlias = Literal["active"]
TrainingModeValue: TypeAlias = Literal["fully_automated", "expert"]
TrainingVersionValue: TypeAlias = Literal["light", "max", "bria-2.3", "bria-3.2", "fibo"]
UploadTypeValue: TypeAlias = Literal["basic", "advanced"]

download_dataset: Operation[DownloadLinks] = Operation(
    "download-dataset",
    "GET",
    "/v1/datasets/{dataset_id}/download",
    path_params=("dataset_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "download_links:DownloadLinks")},
)

get_datasets: Operation[list[Dataset]] = Operation(
    "get-datasets",
    "GET",
    "/v1/tailored-gen/datasets",
    path_params=(),
    query_params=(),
    body_schema=None,
    responses={200: ("list", "dataset:Dataset")},
)

create_dataset: Operation[Dataset] = Operation(
    "create-dataset",
    "POST",
    "/v1/tailored-gen/datasets",
    path_params=(),
    query_params=(),
    body_schema="DatasetCreate",
    responses={201: ("model", "dataset:Dataset")},
)

get_dataset: Operation[Dataset] = Operation(
    "get-dataset",
    "GET",
    "/v1/tailored-gen/datasets/{dataset_id}",
    path_params=("dataset_id",),
    query_params=("max_images",),
    query_defaults={"max_images": 200},
    body_schema=None,
    responses={200: ("model", "dataset:Dataset")},
)

update_dataset: Operation[Dataset] = Operation(
    "update-dataset",
    "PUT",
    "/v1/tailored-gen/datasets/{dataset_id}",
    path_params=("dataset_id",),
    query_params=(),
    body_schema="DatasetUpdate",
    responses={200: ("model", "dataset:Dataset")},
)

delete_dataset: Operation[None] = Operation(
    "delete-dataset",
    "DELETE",
    "/v1/tailored-gen/datasets/{dataset_id}",
    path_params=("dataset_id",),
    query_params=(),
    body_schema=None,
    responses={204: ("empty", "")},
)

clone_dataset: Operation[Dataset] = Operation(
    "clone-dataset",
    "POST",
    "/v1/tailored-gen/datasets/{dataset_id}/clone",
    path_params=("dataset_id",),
    query_params=(),
    body_schema="DatasetClone",
    responses={201: ("model", "dataset:Dataset")},
)

get_images: Operation[list[DatasetImage]] = Operation(
    "get-images",
    "GET",
    "/v1/tailored-gen/datasets/{dataset_id}/images",
    path_params=("dataset_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("list", "dataset_image:DatasetImage")},
)

regenerate_all_captions: Operation[Dataset] = Operation(
    "regenerate-all-captions",
    "PUT",
    "/v1/tailored-gen/datasets/{dataset_id}/images",
    path_params=("dataset_id",),
    query_params=(),
    body_schema=None,
    responses={202: ("model", "dataset:Dataset")},
)

upload_image: Operation[DatasetImage] = Operation(
    "upload-image",
    "POST",
    "/v1/tailored-gen/datasets/{dataset_id}/images",
    path_params=("dataset_id",),
    query_params=(),
    body_schema="ImageUpload",
    responses={201: ("model", "dataset_image:DatasetImage")},
)

bulk_upload_images: Operation[None] = Operation(
    "bulk-upload-images",
    "POST",
    "/v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload",
    path_params=("dataset_id",),
    query_params=(),
    body_schema="BulkUploadRequest",
    responses={202: ("empty", "")},
)

get_bulk_upload_status: Operation[BulkUploadStatus] = Operation(
    "get-bulk-upload-status",
    "GET",
    "/v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload/status",
    path_params=("dataset_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "bulk_upload_status:BulkUploadStatus")},
)

get_image: Operation[DatasetImage] = Operation(
    "get-image",
    "GET",
    "/v1/tailored-gen/datasets/{dataset_id}/images/{image_id}",
    path_params=("dataset_id", "image_id"),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "dataset_image:DatasetImage")},
)

update_image_caption: Operation[DatasetImage] = Operation(
    "update-image-caption",
    "PUT",
    "/v1/tailored-gen/datasets/{dataset_id}/images/{image_id}",
    path_params=("dataset_id", "image_id"),
    query_params=(),
    body_schema="ImageCaptionUpdate",
    responses={200: ("model", "dataset_image:DatasetImage")},
)

delete_image: Operation[None] = Operation(
    "delete-image",
    "DELETE",
    "/v1/tailored-gen/datasets/{dataset_id}/images/{image_id}",
    path_params=("dataset_id", "image_id"),
    query_params=(),
    body_schema=None,
    responses={204: ("empty", "")},
)

generate_visual_schema: Operation[VisualSchemaResult] = Operation(
    "generate-visual-schema",
    "POST",
    "/v1/tailored-gen/generate_visual_schema",
    path_params=(),
    query_params=(),
    body_schema="VisualSchemaRequest",
    responses={200: ("model", "visual_schema_result:VisualSchemaResult")},
)

get_models: Operation[list[Model]] = Operation(
    "get-models",
    "GET",
    "/v1/tailored-gen/models",
    path_params=(),
    query_params=("include_training_parameters",),
    query_defaults={"include_training_parameters": False},
    body_schema=None,
    responses={200: ("list", "model:Model")},
)

create_model: Operation[Model] = Operation(
    "create-model",
    "POST",
    "/v1/tailored-gen/models",
    path_params=(),
    query_params=(),
    body_schema="ModelCreate",
    responses={201: ("model", "model:Model")},
)

upload_model: Operation[Model] = Operation(
    "upload-model",
    "POST",
    "/v1/tailored-gen/models/upload_model",
    path_params=(),
    query_params=(),
    body_schema="ModelUpload",
    responses={200: ("model", "model:Model")},
)

get_model: Operation[Model] = Operation(
    "get-model",
    "GET",
    "/v1/tailored-gen/models/{model_id}",
    path_params=("model_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "model:Model")},
)

update_model: Operation[Model] = Operation(
    "update-model",
    "PUT",
    "/v1/tailored-gen/models/{model_id}",
    path_params=("model_id",),
    query_params=(),
    body_schema="ModelUpdate",
    responses={200: ("model", "model:Model")},
)

delete_model: Operation[None] = Operation(
    "delete-model",
    "DELETE",
    "/v1/tailored-gen/models/{model_id}",
    path_params=("model_id",),
    query_params=(),
    body_schema=None,
    responses={204: ("empty", "")},
)

list_checkpoints: Operation[CheckpointList] = Operation(
    "list-checkpoints",
    "GET",
    "/v1/tailored-gen/models/{model_id}/checkpoints",
    path_params=("model_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "checkpoint_list:CheckpointList")},
)

get_checkpoint: Operation[Checkpoint] = Operation(
    "get-checkpoint",
    "GET",
    "/v1/tailored-gen/models/{model_id}/checkpoints/{checkpoint_step}",
    path_params=("model_id", "checkpoint_step"),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "checkpoint:Checkpoint")},
)

delete_checkpoint: Operation[None] = Operation(
    "delete-checkpoint",
    "DELETE",
    "/v1/tailored-gen/models/{model_id}/checkpoints/{checkpoint_step}",
    path_params=("model_id", "checkpoint_step"),
    query_params=(),
    body_schema=None,
    responses={204: ("empty", "")},
)

download_model: Operation[DownloadLinks] = Operation(
    "download-model",
    "GET",
    "/v1/tailored-gen/models/{model_id}/download",
    path_params=("model_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "download_links:DownloadLinks")},
)

start_training: Operation[Model] = Operation(
    "start-training",
    "POST",
    "/v1/tailored-gen/models/{model_id}/start_training",
    path_params=("model_id",),
    query_params=(),
    body_schema="TrainingRequest",
    responses={200: ("model", "model:Model")},
)

stop_training: Operation[None] = Operation(
    "stop-training",
    "POST",
    "/v1/tailored-gen/models/{model_id}/stop_training",
    path_params=("model_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("empty", "")},
)

get_projects: Operation[list[Project]] = Operation(
    "get-projects",
    "GET",
    "/v1/tailored-gen/projects",
    path_params=(),
    query_params=(),
    body_schema=None,
    responses={200: ("list", "project:Project")},
)

create_project: Operation[Project] = Operation(
    "create-project",
    "POST",
    "/v1/tailored-gen/projects",
    path_params=(),
    query_params=(),
    body_schema="ProjectCreate",
    responses={201: ("model", "project:Project")},
)

get_project: Operation[Project] = Operation(
    "get-project",
    "GET",
    "/v1/tailored-gen/projects/{project_id}",
    path_params=("project_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "project:Project")},
)

update_project: Operation[Project] = Operation(
    "update-project",
    "PUT",
    "/v1/tailored-gen/projects/{project_id}",
    path_params=("project_id",),
    query_params=(),
    body_schema="ProjectUpdate",
    responses={200: ("model", "project:Project")},
)

delete_project: Operation[None] = Operation(
    "delete-project",
    "DELETE",
    "/v1/tailored-gen/projects/{project_id}",
    path_params=("project_id",),
    query_params=(),
    body_schema=None,
    responses={204: ("empty", "")},
)

get_datasets_by_project: Operation[list[Dataset]] = Operation(
    "get-datasets-by-project",
    "GET",
    "/v1/tailored-gen/projects/{project_id}/datasets",
    path_params=("project_id",),
    query_params=("include_models", "include_models_ids"),
    query_defaults={"include_models": False, "include_models_ids": False},
    body_schema=None,
    responses={200: ("list", "dataset:Dataset")},
)

get_models_by_project: Operation[list[Model]] = Operation(
    "get-models-by-project",
    "GET",
    "/v1/tailored-gen/projects/{project_id}/models",
    path_params=("project_id",),
    query_params=("include_training_parameters",),
    query_defaults={"include_training_parameters": False},
    body_schema=None,
    responses={200: ("list", "model:Model")},
)

refine_structured_prompt: Operation[StructuredPromptResult] = Operation(
    "refine-structured-prompt",
    "POST",
    "/v1/tailored-gen/refine_structured_prompt",
    path_params=(),
    query_params=(),
    body_schema="RefineStructuredPromptRequest",
    responses={200: ("model", "structured_prompt_result:StructuredPromptResult")},
)

generate_image: Operation[ImageGenerationResult | AcceptedJob] = Operation(
    "generate-image",
    "POST",
    "/v2/image/generate/tailored",
    path_params=(),
    query_params=(),
    body_schema="ImageGenerationRequest",
    responses={
        200: ("model", "image_generation_result:ImageGenerationResult"),
        202: ("model", "accepted_job:AcceptedJob"),
    },
)

get_status: Operation[StatusResponse] = Operation(
    "get-status",
    "GET",
    "/v2/status/{request_id}",
    path_params=("request_id",),
    query_params=(),
    body_schema=None,
    responses={200: ("model", "status_response:StatusResponse")},
)

generate_structured_prompt: Operation[StructuredPromptResult | AcceptedJob] = Operation(
    "generate-structured-prompt",
    "POST",
    "/v2/structured_prompt/generate/tailored",
    path_params=(),
    query_params=(),
    body_schema="StructuredPromptRequest",
    responses={
        200: ("model", "structured_prompt_result:StructuredPromptResult"),
        202: ("model", "accepted_job:AcceptedJob"),
    },
)

generate_video: Operation[AcceptedJob] = Operation(
    "generate-video",
    "POST",
    "/v2/video/generate/tailored/image-to-video",
    path_params=(),
    query_params=(),
    body_schema="VideoGenerationRequest",
    responses={202: ("model", "accepted_job:AcceptedJob")},
)

OPERATIONS: dict[str, Operation[Any]] = {
    "download-dataset": download_dataset,
    "get-datasets": get_datasets,
    "create-dataset": create_dataset,
    "get-dataset": get_dataset,
    "update-dataset": update_dataset,
    "delete-dataset": delete_dataset,
    "clone-dataset": clone_dataset,
    "get-images": get_images,
    "regenerate-all-captions": regenerate_all_captions,
    "upload-image": upload_image,
    "bulk-upload-images": bulk_upload_images,
    "get-bulk-upload-status": get_bulk_upload_status,
    "get-image": get_image,
    "update-image-caption": update_image_caption,
    "delete-image": delete_image,
    "generate-visual-schema": generate_visual_schema,
    "get-models": get_models,
    "create-model": create_model,
    "upload-model": upload_model,
    "get-model": get_model,
    "update-model": update_model,
    "delete-model": delete_model,
    "list-checkpoints": list_checkpoints,
    "get-checkpoint": get_checkpoint,
    "delete-checkpoint": delete_checkpoint,
    "download-model": download_model,
    "start-training": start_training,
    "stop-training": stop_training,
    "get-projects": get_projects,
    "create-project": create_project,
    "get-project": get_project,
    "update-project": update_project,
    "delete-project": delete_project,
    "get-datasets-by-project": get_datasets_by_project,
    "get-models-by-project": get_models_by_project,
    "refine-structured-prompt": refine_structured_prompt,
    "generate-image": generate_image,
    "get-status": get_status,
    "generate-structured-prompt": generate_structured_prompt,
    "generate-video": generate_video,
}
