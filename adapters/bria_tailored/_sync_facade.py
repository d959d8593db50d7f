"""The sync facade: ``Projects``, ``Datasets``, ..., each method running its plan by blocking.

Written by scripts/gen_facade.py from the plan groups in bria_tailored/resources/ — do not edit by
hand: change the plan class, then run the script (scripts/regenerate.py runs it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    import builtins
    import os
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime
    from typing import Literal

    from typing_extensions import Unpack

    from bria_tailored._client_plans import ClientPlans
    from bria_tailored._engine import SyncEngine
    from bria_tailored._operations import (
        AspectRatioValue,
        DatasetStatusValue,
        IpMediumValue,
        IpTypeValue,
        TrainingModeValue,
        TrainingVersionValue,
        UploadTypeValue,
    )
    from bria_tailored.batch import BatchProgress, BatchReport
    from bria_tailored.batch.plans import BatchPlans
    from bria_tailored.errors import (
        BriaError,
    )
    from bria_tailored.polling import PollPolicy, PollStats
    from bria_tailored.resources._inputs import (
        Source,
    )
    from bria_tailored.resources.datasets import DatasetPlans, ImagePlans
    from bria_tailored.resources.generate import GeneratePlans
    from bria_tailored.resources.models import (
        CheckpointPlans,
        ExpertParameters,
        ModelPlans,
    )
    from bria_tailored.resources.projects import ProjectPlans
    from bria_tailored.resources.status import StatusPlans
    from bria_tailored.storage import StoredObject
    from bria_tailored.types import (
        BulkUploadResult,
        GenerationResult,
        ImageResult,
        Job,
        R,
        StructuredPromptResult,
        UploadFailure,
        VideoResult,
    )
    from bria_tailored.workflows.options import TrainOptions, TrainSource
    from bria_tailored.workflows.train import TrainResult
    from bria_tailored_api.models import (
        AspectRatio,
        BulkUploadStatus,
        Checkpoint,
        CheckpointList,
        Dataset,
        DatasetImage,
        DatasetStatus,
        DownloadLinks,
        IpMedium,
        IpType,
        Model,
        Project,
        ProjectParameters,
        StatusResponse,
        TrainingMode,
        TrainingVersion,
        UploadType,
    )


class Projects:
    """``client.projects``: a project holds one visual IP (a character, a style, an icon set)."""

    def __init__(self, engine: SyncEngine, plans: ProjectPlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Projects>"

    def create(
        self,
        *,
        project_name: str,
        ip_medium: IpMediumValue | IpMedium,
        ip_type: IpTypeValue | IpType,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Project:
        """Create a project. ``ip_name`` is required for ``defined_character``; ``ip_description`` for
        ``defined_character`` and ``object_variants``; ``object_variants``, ``multi_object_set``, ``icons``
        and ``character_variants`` need ``ip_medium='illustration'``."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).create(
                project_name=project_name,
                ip_medium=ip_medium,
                ip_type=ip_type,
                project_description=project_description,
                ip_name=ip_name,
                ip_description=ip_description,
            )
        )

    def list(
        self,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[Project]:
        """Every project of the organisation."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).list()
        )

    def get(
        self,
        project_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Project:
        """One project."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                project_id
            )
        )

    def update(
        self,
        project_id: int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Project:
        """Change a project's name, description or IP name/description (give at least one)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).update(
                project_id,
                project_name=project_name,
                project_description=project_description,
                ip_name=ip_name,
                ip_description=ip_description,
            )
        )

    def delete(
        self,
        project_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Delete a project (Bria refuses while it still has datasets or models: ``ConflictError``)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).delete(
                project_id
            )
        )


class Images:
    """``client.datasets.images``: upload (one or many), list, get, caption and delete images."""

    def __init__(self, engine: SyncEngine, plans: ImagePlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Images>"

    def upload(
        self,
        dataset_id: int,
        source: Source,
        *,
        image_name: str | None = None,
        increase_resolution: bool = True,
        content_moderation: bool | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DatasetImage:
        """Upload one image (path, bytes, file object, http(s) URL or storage URI) to a basic dataset."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).upload(
                dataset_id,
                source,
                image_name=image_name,
                increase_resolution=increase_resolution,
                content_moderation=content_moderation,
            )
        )

    @overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: Literal[False],
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[DatasetImage]: ...

    @overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: Literal[True] = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[DatasetImage | UploadFailure]: ...

    @overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: bool = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[DatasetImage] | builtins.list[DatasetImage | UploadFailure]: ...

    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: bool = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[DatasetImage] | builtins.list[DatasetImage | UploadFailure]:
        """Upload many images, at most ``concurrency`` at once; results in the order of ``sources``.

        A failed image does not stop the others: its slot holds an :class:`UploadFailure` naming the source
        (``return_exceptions=False`` raises the first failure instead). ``on_progress(done, total, item)``
        is called after each image."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).upload_many(
                dataset_id,
                sources,
                concurrency=concurrency,
                on_progress=on_progress,
                increase_resolution=increase_resolution,
                return_exceptions=return_exceptions,
            )
        )

    def list(
        self,
        dataset_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[DatasetImage]:
        """The images of a dataset."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).list(
                dataset_id
            )
        )

    def get(
        self,
        dataset_id: int,
        image_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DatasetImage:
        """One image of a dataset."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                dataset_id, image_id
            )
        )

    def update_caption(
        self,
        dataset_id: int,
        image_id: int,
        *,
        caption: str | None = None,
        regenerate: bool = False,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DatasetImage:
        """Set a caption (a JSON string) or ask for a new automatic one (``regenerate=True``), not both."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).update_caption(dataset_id, image_id, caption=caption, regenerate=regenerate)
        )

    def delete(
        self,
        dataset_id: int,
        image_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Delete an image from a dataset."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).delete(
                dataset_id, image_id
            )
        )


class Datasets:
    """``client.datasets``."""

    def __init__(self, engine: SyncEngine, plans: DatasetPlans) -> None:
        self._engine = engine
        self._plans = plans
        self.images = Images(engine, plans.images)

    def __repr__(self) -> str:
        return "<Datasets>"

    def create(
        self,
        *,
        project_id: int,
        name: str,
        upload_type: UploadTypeValue | UploadType | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Create a draft dataset. ``upload_type='advanced'`` is for bulk ZIP uploads of up to 5000 images."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).create(
                project_id=project_id, name=name, upload_type=upload_type
            )
        )

    def list(
        self,
        project_id: int | None = None,
        *,
        include_models: bool | None = None,
        include_models_ids: bool | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[Dataset]:
        """Every dataset of the organisation, or those of one project (optionally with their models)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).list(
                project_id, include_models=include_models, include_models_ids=include_models_ids
            )
        )

    def get(
        self,
        dataset_id: int,
        *,
        max_images: int | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """One dataset, with up to ``max_images`` of its images (1-200)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                dataset_id, max_images=max_images
            )
        )

    def update(
        self,
        dataset_id: int,
        *,
        name: str | None = None,
        visual_schema: str | None = None,
        status: DatasetStatusValue | DatasetStatus | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Rename, set the visual schema (draft only; a JSON string) or set ``status='completed'``."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).update(
                dataset_id, name=name, visual_schema=visual_schema, status=status
            )
        )

    def complete(
        self,
        dataset_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Mark the dataset completed (needs at least 5 images); completed datasets can be trained on."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).complete(dataset_id)
        )

    def delete(
        self,
        dataset_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Delete a dataset."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).delete(
                dataset_id
            )
        )

    def clone(
        self,
        dataset_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Clone a dataset (with its images and captions) as a new draft."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).clone(
                dataset_id, name=name, description=description
            )
        )

    def generate_visual_schema(
        self,
        images: Sequence[Source],
        *,
        content_moderation: bool | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> str:
        """A visual schema (a JSON string) from 5-10 sample images (paths, bytes, URLs or storage URIs)."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).generate_visual_schema(images, content_moderation=content_moderation)
        )

    def refine_structured_prompt(
        self,
        dataset_id: int,
        *,
        structured_prompt: str,
        instruction: str,
        context_images: Sequence[Source] | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> str:
        """Refine a visual schema or a caption with a natural-language instruction; returns the JSON string."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).refine_structured_prompt(
                dataset_id,
                structured_prompt=structured_prompt,
                instruction=instruction,
                context_images=context_images,
            )
        )

    def regenerate_captions(
        self,
        dataset_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Start regenerating every caption (asynchronous; see :meth:`wait_for_captions`)."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).regenerate_captions(dataset_id)
        )

    def wait_for_captions(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 1800.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Dataset:
        """Wait until ``captions_update_status`` is no longer ``in_progress``; returns the dataset.

        ``on_progress(state)`` sees the ``captions_update_status`` value after every check."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).wait_for_captions(dataset_id, timeout=timeout, on_progress=on_progress, policy=policy)
        )

    def bulk_upload(
        self,
        dataset_id: int,
        *,
        zip_url: str | None = None,
        source: str | os.PathLike[str] | None = None,
        via: str | None = None,
        content_moderation: bool | None = None,
        wait: bool = True,
        timeout: float | None = 6 * 3600.0,
        on_progress: Callable[[BulkUploadStatus], object] | None = None,
        keep_staged: bool = False,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> BulkUploadResult:
        """Advanced upload of up to 5000 images from a ZIP, into an empty ``advanced`` dataset.

        Give ``zip_url`` (a URL Bria can fetch; a storage URI is presigned), or ``source`` (a folder of
        images, a ``.zip`` file, or a storage prefix) with ``via`` (a storage URI where the ZIP is staged as a
        stream and presigned). With ``wait=True`` returns the final :class:`BulkUploadResult`; the staged
        object is deleted once the job ends (unless ``keep_staged``). With ``wait=False`` the result's
        ``status`` is None (follow the job with :meth:`wait_for_bulk_upload`)."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).bulk_upload(
                dataset_id,
                zip_url=zip_url,
                source=source,
                via=via,
                content_moderation=content_moderation,
                wait=wait,
                timeout=timeout,
                on_progress=on_progress,
                keep_staged=keep_staged,
                policy=policy,
            )
        )

    def bulk_upload_status(
        self,
        dataset_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> BulkUploadStatus:
        """The state of the dataset's bulk upload (progress, failed images)."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).bulk_upload_status(dataset_id)
        )

    def wait_for_bulk_upload(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 6 * 3600.0,
        on_progress: Callable[[BulkUploadStatus], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> BulkUploadStatus:
        """Wait for a bulk upload; ``on_progress(status)`` sees ``progress_percentage`` and ``failed_images``.

        Returns the final status (``completed``); a ``failed`` job raises :class:`JobFailedError`."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).wait_for_bulk_upload(dataset_id, timeout=timeout, on_progress=on_progress, policy=policy)
        )

    @overload
    def download(
        self,
        dataset_id: int,
        *,
        to: None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks: ...

    @overload
    def download(
        self,
        dataset_id: int,
        *,
        to: str | os.PathLike[str],
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StoredObject: ...

    @overload
    def download(
        self,
        dataset_id: int,
        *,
        to: str | os.PathLike[str] | None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks | StoredObject: ...

    def download(
        self,
        dataset_id: int,
        *,
        to: str | os.PathLike[str] | None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks | StoredObject:
        """Download links of an advanced dataset; with ``to`` (a storage URI or folder) the ZIP is saved there
        (as ``key``, default ``dataset-<id>.zip``) and the stored object is returned."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).download(dataset_id, to=to, key=key)
        )


class Checkpoints:
    """``client.models.checkpoints``: checkpoints saved during expert training."""

    def __init__(self, engine: SyncEngine, plans: CheckpointPlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Checkpoints>"

    def list(
        self,
        model_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> CheckpointList:
        """The model's checkpoints and which one is active."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).list(
                model_id
            )
        )

    def get(
        self,
        model_id: int,
        step: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Checkpoint:
        """One checkpoint, by its training step."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                model_id, step
            )
        )

    def delete(
        self,
        model_id: int,
        step: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Delete a checkpoint (the active one cannot be deleted)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).delete(
                model_id, step
            )
        )


class Models:
    """``client.models``: tailored models, their training, uploads and downloads."""

    def __init__(self, engine: SyncEngine, plans: ModelPlans) -> None:
        self._engine = engine
        self._plans = plans
        self.checkpoints = Checkpoints(engine, plans.checkpoints)

    def __repr__(self) -> str:
        return "<Models>"

    def create(
        self,
        *,
        name: str,
        dataset_id: int,
        training_mode: TrainingModeValue | TrainingMode | None = None,
        description: str | None = None,
        training_version: TrainingVersionValue | TrainingVersion | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Model:
        """Create a model on a dataset; ``training_mode`` is ``fully_automated`` (default) or ``expert``.

        ``training_version`` is the base model to fine-tune (``light``, ``max``, ``bria-2.3``, ``bria-3.2``,
        ``fibo``); it must suit the dataset (fibo datasets train fibo models only). Left out, none is sent."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).create(
                name=name,
                dataset_id=dataset_id,
                training_mode=training_mode,
                description=description,
                training_version=training_version,
            )
        )

    def list(
        self,
        project_id: int | None = None,
        *,
        include_training_parameters: bool | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[Model]:
        """Every model, or a project's models."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).list(
                project_id, include_training_parameters=include_training_parameters
            )
        )

    def get(
        self,
        model_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Model:
        """One model (its ``status`` says where training is)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                model_id
            )
        )

    def update(
        self,
        model_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Model:
        """Rename a model or change its description."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).update(
                model_id, name=name, description=description
            )
        )

    def delete(
        self,
        model_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Delete a model."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).delete(
                model_id
            )
        )

    def start_training(
        self,
        model_id: int,
        *,
        training_mode: TrainingModeValue | TrainingMode | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
        **expert_params: Unpack[ExpertParameters],
    ) -> Model:
        """Start training (hours on Bria). Expert parameters (``rank``, ``learning_rate``,
        ``total_training_steps``, ``checkpoint_interval``, ``lr_scheduler``, ``lr_warmup_steps``) apply only
        to models created with ``training_mode='expert'``; pass ``training_mode`` to have that checked here."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).start_training(model_id, training_mode=training_mode, **expert_params)
        )

    def stop_training(
        self,
        model_id: int,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Ask Bria to stop training (the model goes ``Stopping``, then ``Stopped``)."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).stop_training(model_id)
        )

    def wait_for_training(
        self,
        model_id: int,
        *,
        timeout: float | None = 28800.0,
        on_progress: Callable[[Model], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Model:
        """Wait until training ends (default: up to 8 hours): ``Completed`` returns the model;
        ``Failed``/``Stopped`` raise :class:`TrainingFailedError`. ``on_progress(model)`` follows every check."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).wait_for_training(model_id, timeout=timeout, on_progress=on_progress, policy=policy)
        )

    @overload
    def download(
        self,
        model_id: int,
        *,
        to: None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks: ...

    @overload
    def download(
        self,
        model_id: int,
        *,
        to: str | os.PathLike[str],
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StoredObject: ...

    @overload
    def download(
        self,
        model_id: int,
        *,
        to: str | os.PathLike[str] | None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks | StoredObject: ...

    def download(
        self,
        model_id: int,
        *,
        to: str | os.PathLike[str] | None = None,
        key: str | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> DownloadLinks | StoredObject:
        """Download links of a trained model; with ``to`` (storage URI or folder) the ``.safetensors`` is
        streamed there (resuming after a dropped connection) and verified."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).download(model_id, to=to, key=key)
        )

    def upload(
        self,
        *,
        model_url: str | None = None,
        source: Source | None = None,
        via: str | None = None,
        model_name: str | None = None,
        project_id: int | None = None,
        project_parameters: ProjectParameters | Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Model:
        """Upload a pre-trained ``.safetensors`` model (up to 3 GB) from ``model_url``, or from a local
        ``source`` staged through ``via`` (a storage URI). Give ``project_id`` or ``project_parameters``."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).upload(
                model_url=model_url,
                source=source,
                via=via,
                model_name=model_name,
                project_id=project_id,
                project_parameters=project_parameters,
            )
        )


class Generate:
    """``client.generate``. With ``wait=True`` (default) each call returns its result (``policy`` overrides
    the poll backoff, default ``polling.GENERATION``); with ``wait=False`` a :class:`Job` to pass to
    ``client.status.wait``."""

    def __init__(self, engine: SyncEngine, plans: GeneratePlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Generate>"

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[True] = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> ImageResult: ...

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[False],
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Job[ImageResult]: ...

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> ImageResult | Job[ImageResult]: ...

    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> ImageResult | Job[ImageResult]:
        """Generate an image: give ``prompt``; ``structured_prompt`` + ``seed`` to recreate; or both to refine.

        ``sync=True`` asks Bria to answer inline (no job to wait for: it needs ``wait=True``).
        ``webhook_url``: Bria also POSTs the result there, signed (see :mod:`bria_tailored.webhooks`)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).image(
                tailored_model_id,
                prompt,
                structured_prompt=structured_prompt,
                negative_prompt=negative_prompt,
                seed=seed,
                aspect_ratio=aspect_ratio,
                guidance_scale=guidance_scale,
                steps_num=steps_num,
                tailored_model_influence=tailored_model_influence,
                prompt_content_moderation=prompt_content_moderation,
                visual_output_content_moderation=visual_output_content_moderation,
                webhook_url=webhook_url,
                sync=sync,
                wait=wait,
                timeout=timeout,
                on_progress=on_progress,
                policy=policy,
            )
        )

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[True] = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StructuredPromptResult: ...

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[False],
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Job[StructuredPromptResult]: ...

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StructuredPromptResult | Job[StructuredPromptResult]: ...

    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StructuredPromptResult | Job[StructuredPromptResult]:
        """Turn a prompt (or refine a structured prompt) into the model's structured JSON prompt."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).structured_prompt(
                tailored_model_id,
                prompt,
                structured_prompt=structured_prompt,
                seed=seed,
                prompt_content_moderation=prompt_content_moderation,
                webhook_url=webhook_url,
                sync=sync,
                wait=wait,
                timeout=timeout,
                on_progress=on_progress,
                policy=policy,
            )
        )

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: Literal[True] = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> VideoResult: ...

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: Literal[False],
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Job[VideoResult]: ...

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: bool = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> VideoResult | Job[VideoResult]: ...

    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: bool = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> VideoResult | Job[VideoResult]:
        """Animate an image made by the same tailored model (beta): a path, bytes, URL, storage URI, or the
        ``ImageResult`` of ``generate.image``."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).video(
                tailored_model_id,
                image,
                seed=seed,
                webhook_url=webhook_url,
                wait=wait,
                timeout=timeout,
                on_progress=on_progress,
                policy=policy,
            )
        )


class Status:
    """``client.status``: the Status Service (``GET /v2/status/{request_id}``) and the waiters on it."""

    def __init__(self, engine: SyncEngine, plans: StatusPlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Status>"

    def get(
        self,
        request_id: str,
        *,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> StatusResponse:
        """The job's current status (``IN_PROGRESS``, ``COMPLETED``, ``ERROR`` or ``UNKNOWN``)."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).get(
                request_id
            )
        )

    @overload
    def wait(
        self,
        job_or_request_id: Job[R],
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> R: ...

    @overload
    def wait(
        self,
        job_or_request_id: str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> GenerationResult: ...

    @overload
    def wait(
        self,
        job_or_request_id: Job[R] | str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> R | GenerationResult: ...

    def wait(
        self,
        job_or_request_id: Job[R] | str,
        *,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> R | GenerationResult:
        """Wait for a job: ``COMPLETED`` returns an ImageResult / StructuredPromptResult / VideoResult;
        ``ERROR``/``UNKNOWN`` or an unknown id raise :class:`JobFailedError`; the deadline raises
        :class:`WaitTimeoutError` (the job may still finish: do not resubmit it). ``on_progress(status)``
        follows every check."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).wait(
                job_or_request_id, timeout=timeout, on_progress=on_progress, policy=policy
            )
        )

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: Literal[False] = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[R]: ...

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: Literal[True],
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[R | BriaError]: ...

    @overload
    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: bool = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[R] | builtins.list[R | BriaError]: ...

    def wait_all(
        self,
        jobs: Sequence[Job[R]],
        *,
        timeout: float | None = 1800.0,
        return_exceptions: bool = False,
        on_progress: Callable[[int, str], object] | None = None,
        policy: PollPolicy | None = None,
        stats: PollStats | None = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> builtins.list[R] | builtins.list[R | BriaError]:
        """Wait for many jobs on one loop; results in input order. With ``return_exceptions=True`` a failed
        job's slot holds its error (a :class:`BriaError`) and the others carry on."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).wait_all(
                jobs,
                timeout=timeout,
                return_exceptions=return_exceptions,
                on_progress=on_progress,
                policy=policy,
                stats=stats,
            )
        )


class Batch:
    """``client.batch``: generate a catalogue of images from a file of rows, at the rate limit, resumable."""

    def __init__(self, engine: SyncEngine, plans: BatchPlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<Batch>"

    def generate(
        self,
        inputs: str | os.PathLike[str] | Sequence[Mapping[str, object]],
        *,
        tailored_model_id: int | str,
        out: str | os.PathLike[str],
        journal: str | os.PathLike[str] | None = None,
        on_progress: Callable[[BatchProgress], object] | None = None,
        retry_failed: bool = False,
        shard: str | None = None,
        max_in_flight: int | None = None,
        max_submitting: int = 1,
        timeout: float | None = 600.0,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> BatchReport:
        """Generate one image per row of ``inputs`` with the tailored model, saving each (with its sidecar)
        into ``out`` as it finishes; returns a :class:`~bria_tailored.batch.BatchReport`.

        ``inputs``: a ``.jsonl`` or ``.csv`` file (read line by line) or a list of dicts. A row holds
        ``prompt`` (or ``structured_prompt`` with ``seed``) and any other ``generate.image`` field, plus an
        optional ``id`` (default: its 1-based position) and ``name`` (the output's key, default the id).
        Every row is checked before anything is submitted. ``out``: a folder or storage URI (``s3://``,
        ``gs://``, a plugin's scheme); the summary ``manifest.jsonl`` (one line per row: id, status, output
        URI, request id, seed, error) is written there at the end.

        ``journal``: the journal that makes the batch resumable, a local SQLite file (WAL mode; default:
        ``batch-journal.sqlite`` in a local ``out``, else ``<inputs>.bria-batch.sqlite`` beside the input
        file). Calling again with the same arguments after a crash, ``kill -9`` or Ctrl-C never submits a
        row again once its submit was recorded: submitted rows are waited for by request id, saved rows
        skipped. A row cut off between sending its submit and recording the answer is submitted again
        (``BatchReport.uncertain``; at most ``max_submitting`` per crash). ``retry_failed=True`` retries
        failed rows. A journal made for another input, model, shard or output is refused.

        ``shard="I/N"``: only the rows of shard I of N (split by a hash of the row id), with its own
        journal and ``manifest-IofN.jsonl``: N hosts with a shared ``rate_limit_url`` and output run one
        batch. ``max_in_flight``: rows in flight at once (default from the client's
        ``requests_per_minute``); ``timeout``: seconds to wait for each job (a job still running then is
        left ``unfinished`` in the journal: run again to collect it). ``on_progress(BatchProgress)``
        follows every row (done, failed, in flight, ETA); it may be called from worker threads."""
        return self._engine.run(
            self._plans.with_request_options(
                extra_body, extra_query, extra_headers, request_timeout
            ).generate(
                inputs,
                tailored_model_id=tailored_model_id,
                out=out,
                journal=journal,
                on_progress=on_progress,
                retry_failed=retry_failed,
                shard=shard,
                max_in_flight=max_in_flight,
                max_submitting=max_submitting,
                timeout=timeout,
            )
        )


class ClientMethods:
    """What a client offers besides its resource groups."""

    def __init__(self, engine: SyncEngine, plans: ClientPlans) -> None:
        self._engine = engine
        self._plans = plans

    def __repr__(self) -> str:
        return "<ClientMethods>"

    def save(
        self,
        result_or_url: ImageResult | VideoResult | str,
        to: str | os.PathLike[str],
        key: str | None = None,
        *,
        name: str | None = None,
        model_id: int | str | None = None,
        prompt: str | None = None,
        structured_prompt: str | Mapping[str, object] | None = None,
        seed: int | None = None,
        request_id: str | None = None,
        created_at: datetime | None = None,
        embed_metadata: bool = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
        **metadata: object,
    ) -> StoredObject:
        """Stream an output (an ``ImageResult``, a ``VideoResult`` or a result URL) into storage with a
        metadata sidecar ``<key>.json``; calls the ``bria_tailored_output_saved`` hook. Returns the
        ``StoredObject``.

        ``to`` is the file itself when its last part has an output's extension or is an existing file
        (``"cat.png"``, ``"s3://bucket/cats/cat.png"``: written exactly there), else a folder or storage URI
        (a trailing ``/`` or an existing folder always is). In a folder the file is named ``key``, else by
        the ``name`` template (``"{slug}-{seed}"``; fields: ``slug``, ``seed``, ``model_id``,
        ``request_id``, ``short_id``, ``aspect_ratio``, ``kind``, ``date``, ``time``), else readably
        ``{slug of the prompt}-{seed}.png``; a made-up name never overwrites (``-2``, ``-3``, ... is added).

        The sidecar holds the model id, prompt, negative prompt, seed, aspect ratio, structured prompt (a
        JSON object), request id, a video's source image, the SDK version and timings, all taken from the
        result (the keywords override them), plus any other keyword. With ``embed_metadata`` a PNG also
        carries the same metadata in its text chunks (standard library only); an MP4's record is its
        sidecar."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).save(
                result_or_url,
                to,
                key,
                name=name,
                model_id=model_id,
                prompt=prompt,
                structured_prompt=structured_prompt,
                seed=seed,
                request_id=request_id,
                created_at=created_at,
                embed_metadata=embed_metadata,
                **metadata,
            )
        )

    def train(
        self,
        source: TrainSource,
        *,
        project: int | str,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
        **options: Unpack[TrainOptions],
    ) -> TrainResult:
        """Train a tailored model on ``source`` (a folder, a ``.zip`` file or a storage prefix of images).

        ``project`` is an existing project id, or a name for a new project (then ``ip_type`` and
        ``ip_medium`` are required, ``ip_name``/``ip_description`` as the IP type demands). Every image is
        checked first (format, truncation, resolution, 5-5000 images; more than 200 need ``via``, a storage
        URI to stage a bulk ZIP in): all problems are raised together as ``InvalidImagesError`` before
        anything is created. Then: dataset → visual schema from 5-10 sampled images, refined by ``refine``
        → uploads → captions → complete → model → training → wait. Every option is described in
        :class:`bria_tailored.workflows.options.TrainOptions`.

        A JSON manifest (``state``; default ``<source>.bria-train.json`` beside the source) records every
        step, so calling ``train`` again with the same arguments after a crash or Ctrl-C resumes: same
        project, dataset and model, no image uploaded twice. Returns a ``TrainResult``."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).train(
                source, project=project, **options
            )
        )

    def request(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        json: object = None,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> object:
        """Call any operation of ``generated/openapi.json`` by its operationId (e.g. one added upstream
        that the facade does not wrap yet), with the client's auth, limits, retries and errors. Returns the
        parsed model(s) the spec documents, or the JSON. The arguments are checked against the operation's
        spec before it is sent: path parameters (ids, request ids), query parameters and the JSON body."""
        return self._engine.run(
            self._plans.with_request_options(extra_body, extra_query, extra_headers, request_timeout).request(
                operation_id, path_params=path_params, query=query, json=json
            )
        )
