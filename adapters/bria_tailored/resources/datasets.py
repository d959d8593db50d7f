"""``client.datasets`` (and ``client.datasets.images``): datasets, their images, captions, visual schemas
and bulk uploads."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Sequence
from typing import Any

from bria_tailored_api.api.dataset import (
    bulk_upload_images,
    clone_dataset,
    create_dataset,
    delete_dataset,
    delete_image,
    download_dataset,
    generate_visual_schema,
    get_bulk_upload_status,
    get_dataset,
    get_datasets,
    get_datasets_by_project,
    get_image,
    get_images,
    refine_structured_prompt,
    regenerate_all_captions,
    update_dataset,
    update_image_caption,
    upload_image,
)
from bria_tailored_api.models import (
    BulkUploadRequest,
    Dataset,
    DatasetClone,
    DatasetCreate,
    DatasetImage,
    DatasetUpdate,
    ImageCaptionUpdate,
    ImageUpload,
    RefineStructuredPromptRequest,
    VisualSchemaRequest,
)

from .. import polling, validation
from .._core import Blocking, Call, Gather, Plan, Poll
from ..errors import JobFailedError, ValidationError
from ..types import BulkUploadResult, UploadFailure
from ._base import Resource, body, call, compact
from ._inputs import describe, image_input, image_string, is_http_url, presign, storage_uri_parts


def _raw(value: Any) -> Any:
    return getattr(value, "value", value)


class Images(Resource):
    """``client.datasets.images``: upload (one or many), list, get, caption and delete images."""

    def upload(
        self,
        dataset_id: int,
        source: Any,
        *,
        image_name: str | None = None,
        increase_resolution: bool = True,
        content_moderation: bool | None = None,
    ) -> DatasetImage:
        """Upload one image (path, bytes, file object, http(s) URL or storage URI) to a basic dataset."""
        return self._run(
            self._upload_plan(dataset_id, source, image_name, increase_resolution, content_moderation)
        )

    def _upload_plan(
        self,
        dataset_id: int,
        source: Any,
        image_name: str | None,
        increase_resolution: bool,
        content_moderation: bool | None,
    ) -> Plan[DatasetImage]:
        dataset_id = validation.check_id("dataset_id", dataset_id)
        image = yield from image_input(source, "source", increase_resolution=increase_resolution)
        payload: dict[str, Any] = {
            **image,
            **compact(image_name=image_name, content_moderation=content_moderation),
        }
        payload["increase_resolution"] = increase_resolution
        request = body(ImageUpload, "ImageUpload", payload)
        result = yield Call(upload_image, {"dataset_id": dataset_id, "body": request})
        return result  # type: ignore[no-any-return]

    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Any],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, Any], None] | None = None,
        increase_resolution: bool = True,
        return_exceptions: bool = True,
    ) -> list[DatasetImage | UploadFailure]:
        """Upload many images, at most ``concurrency`` at once; results in the order of ``sources``.

        A failed image does not stop the others: its slot holds an :class:`UploadFailure` naming the source
        (``return_exceptions=False`` raises the first failure instead). ``on_progress(done, total, item)``
        is called after each image.
        """
        dataset_id = validation.check_id("dataset_id", dataset_id)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
            raise ValidationError("concurrency", concurrency, "must be an integer between 1 and 64")
        sources = builtins.list(sources)
        total = len(sources)
        done = [0]

        def one(source: Any) -> Callable[[], Plan[Any]]:
            def plan() -> Plan[Any]:
                try:
                    item: Any = yield from self._upload_plan(
                        dataset_id, source, None, increase_resolution, None
                    )
                except Exception as exc:
                    if not return_exceptions:
                        raise
                    item = UploadFailure(describe(source), exc)
                done[0] += 1
                if on_progress is not None:
                    on_progress(done[0], total, item)
                return item

            return plan

        return self._run(_gather([one(s) for s in sources], concurrency))

    def list(self, dataset_id: int) -> list[DatasetImage]:
        return self._run(call(get_images, dataset_id=validation.check_id("dataset_id", dataset_id)))

    def get(self, dataset_id: int, image_id: int) -> DatasetImage:
        return self._run(
            call(
                get_image,
                dataset_id=validation.check_id("dataset_id", dataset_id),
                image_id=validation.check_id("image_id", image_id),
            )
        )

    def update_caption(
        self, dataset_id: int, image_id: int, *, caption: str | None = None, regenerate: bool = False
    ) -> DatasetImage:
        """Set a caption (a JSON string) or ask for a new automatic one (``regenerate=True``), not both."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        image_id = validation.check_id("image_id", image_id)
        validation.check_caption_update(caption, regenerate)
        payload: dict[str, Any] = (
            {"caption": caption} if caption is not None else {"regenerate_caption": True}
        )
        request = body(ImageCaptionUpdate, "ImageCaptionUpdate", payload)
        return self._run(call(update_image_caption, dataset_id=dataset_id, image_id=image_id, body=request))

    def delete(self, dataset_id: int, image_id: int) -> None:
        return self._run(
            call(
                delete_image,
                dataset_id=validation.check_id("dataset_id", dataset_id),
                image_id=validation.check_id("image_id", image_id),
            )
        )


def _gather(plans: builtins.list[Callable[[], Plan[Any]]], concurrency: int) -> Plan[builtins.list[Any]]:
    results = yield Gather(plans, concurrency=concurrency)
    return results  # type: ignore[no-any-return]


class Datasets(Resource):
    """``client.datasets``."""

    def __init__(self, core: Any, client: Any = None) -> None:
        super().__init__(core, client)
        self.images = Images(core, client)

    def create(self, *, project_id: int, name: str, upload_type: str | None = None) -> Dataset:
        """Create a draft dataset. ``upload_type='advanced'`` is for bulk ZIP uploads of up to 5000 images."""
        payload = compact(
            project_id=validation.check_id("project_id", project_id), name=name, upload_type=upload_type
        )
        if isinstance(name, str) and not name.strip():
            raise ValidationError("name", name, "must not be empty")
        return self._run(call(create_dataset, body=body(DatasetCreate, "DatasetCreate", payload)))

    def list(
        self,
        project_id: int | None = None,
        *,
        include_models: bool | None = None,
        include_models_ids: bool | None = None,
    ) -> list[Dataset]:
        """Every dataset of the organisation, or those of one project (optionally with their models)."""
        if project_id is None:
            if include_models or include_models_ids:
                raise ValidationError("include_models", True, "needs project_id")
            return self._run(call(get_datasets))
        kwargs = compact(include_models=include_models, include_models_ids=include_models_ids)
        return self._run(
            call(get_datasets_by_project, project_id=validation.check_id("project_id", project_id), **kwargs)
        )

    def get(self, dataset_id: int, *, max_images: int | None = None) -> Dataset:
        dataset_id = validation.check_id("dataset_id", dataset_id)
        kwargs: dict[str, Any] = {}
        if max_images is not None:
            validation.check_param("get-dataset", "max_images", max_images)
            kwargs["max_images"] = max_images
        return self._run(call(get_dataset, dataset_id=dataset_id, **kwargs))

    def update(
        self,
        dataset_id: int,
        *,
        name: str | None = None,
        visual_schema: str | None = None,
        status: str | None = None,
    ) -> Dataset:
        """Rename, set the visual schema (draft only; a JSON string) or set ``status='completed'``."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        payload = compact(name=name, visual_schema=visual_schema, status=status)
        if not payload:
            raise ValidationError("name", None, "give at least one of name, visual_schema, status")
        if visual_schema is not None:
            validation.check_json_string("visual_schema", visual_schema)
        return self._run(
            call(update_dataset, dataset_id=dataset_id, body=body(DatasetUpdate, "DatasetUpdate", payload))
        )

    def complete(self, dataset_id: int) -> Dataset:
        """Mark the dataset completed (needs at least 5 images); completed datasets can be trained on."""
        return self.update(dataset_id, status="completed")

    def delete(self, dataset_id: int) -> None:
        return self._run(call(delete_dataset, dataset_id=validation.check_id("dataset_id", dataset_id)))

    def clone(self, dataset_id: int, *, name: str | None = None, description: str | None = None) -> Dataset:
        """Clone a dataset (with its images and captions) as a new draft."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        payload = compact(name=name, description=description)
        request = body(DatasetClone, "DatasetClone", payload)
        return self._run(call(clone_dataset, dataset_id=dataset_id, body=request))

    def generate_visual_schema(self, images: Sequence[Any], *, content_moderation: bool | None = None) -> str:
        """A visual schema (a JSON string) from 5-10 sample images (paths, bytes, URLs or storage URIs)."""
        return self._run(self._visual_schema_plan(images, content_moderation))

    def _visual_schema_plan(self, images: Sequence[Any], content_moderation: bool | None) -> Plan[str]:
        images = builtins.list(images) if not isinstance(images, (str, bytes)) else [images]
        if not 5 <= len(images) <= 10:
            raise ValidationError("images", f"<{len(images)} images>", "must hold 5-10 images")
        encoded = []
        for i, image in enumerate(images):
            encoded.append((yield from image_string(image, f"images[{i}]")))
        payload = {"images": encoded, **compact(content_moderation=content_moderation)}
        result = yield Call(
            generate_visual_schema, {"body": body(VisualSchemaRequest, "VisualSchemaRequest", payload)}
        )
        return result.visual_schema  # type: ignore[no-any-return]

    def refine_structured_prompt(
        self,
        dataset_id: int,
        *,
        structured_prompt: str,
        instruction: str,
        context_images: Sequence[Any] | None = None,
    ) -> str:
        """Refine a visual schema or a caption with a natural-language instruction; returns the JSON string."""
        return self._run(self._refine_plan(dataset_id, structured_prompt, instruction, context_images))

    def _refine_plan(
        self, dataset_id: int, structured_prompt: str, instruction: str, context_images: Sequence[Any] | None
    ) -> Plan[str]:
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_json_string("structured_prompt", structured_prompt)
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValidationError("instruction", instruction, "must be a non-empty string")
        payload: dict[str, Any] = {
            "dataset_id": dataset_id,
            "structured_prompt": structured_prompt,
            "instruction": instruction,
        }
        if context_images:
            encoded = []
            for i, img in enumerate(context_images):
                encoded.append((yield from image_string(img, f"context_images[{i}]")))
            payload["context_images"] = encoded
        request = body(RefineStructuredPromptRequest, "RefineStructuredPromptRequest", payload)
        result = yield Call(refine_structured_prompt, {"body": request})
        return result.structured_prompt  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------ captions
    def regenerate_captions(self, dataset_id: int) -> Dataset:
        """Start regenerating every caption (asynchronous; see :meth:`wait_for_captions`)."""
        return self._run(
            call(regenerate_all_captions, dataset_id=validation.check_id("dataset_id", dataset_id))
        )

    def wait_for_captions(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 1800.0,
        on_progress: Callable[[Any], None] | None = None,
        policy: Any = None,
    ) -> Dataset:
        """Wait until ``captions_update_status`` is no longer ``in_progress``; returns the dataset."""
        dataset_id = validation.check_id("dataset_id", dataset_id)

        def check() -> Plan[Any]:
            dataset = yield Call(get_dataset, {"dataset_id": dataset_id, "max_images": 1})
            state = _raw(dataset.captions_update_status)
            return polling.PollResult(done=state != "in_progress", value=dataset, status=state)

        return self._run(
            _poll(
                check, policy or polling.CAPTIONS, timeout, f"captions of dataset {dataset_id}", on_progress
            )
        )

    # --------------------------------------------------------------------------------- bulk upload
    def bulk_upload(
        self,
        dataset_id: int,
        *,
        zip_url: str | None = None,
        source: Any = None,
        via: str | None = None,
        content_moderation: bool | None = None,
        wait: bool = True,
        timeout: float | None = 6 * 3600.0,
        on_progress: Callable[[Any], None] | None = None,
        keep_staged: bool = False,
        policy: Any = None,
    ) -> Any:
        """Advanced upload of up to 5000 images from a ZIP, into an empty ``advanced`` dataset.

        Give ``zip_url`` (a URL Bria can fetch; a storage URI is presigned), or ``source`` (a folder of
        images, a ``.zip`` file, or a storage prefix) with ``via`` (a storage URI where the ZIP is staged as a
        stream and presigned). With ``wait=True`` returns the final :class:`BulkUploadResult`; the staged
        object is deleted once the job ends (unless ``keep_staged``).
        """
        return self._run(
            self._bulk_plan(
                dataset_id,
                zip_url,
                source,
                via,
                content_moderation,
                wait,
                timeout,
                on_progress,
                keep_staged,
                policy,
            )
        )

    def _bulk_plan(
        self,
        dataset_id: int,
        zip_url: str | None,
        source: Any,
        via: str | None,
        content_moderation: bool | None,
        wait: bool,
        timeout: float | None,
        on_progress: Callable[[Any], None] | None,
        keep_staged: bool,
        policy: Any = None,
    ) -> Plan[Any]:
        dataset_id = validation.check_id("dataset_id", dataset_id)
        if (zip_url is None) == (source is None):
            raise ValidationError("zip_url", zip_url, "give exactly one of zip_url or source")
        staged: tuple[Any, str] | None = None
        if zip_url is not None:
            if storage_uri_parts(zip_url) is not None:
                zip_url = yield Blocking(presign, (zip_url, 6 * 3600))
            elif not is_http_url(zip_url):
                raise ValidationError("zip_url", zip_url, "must be an http(s) URL or a storage URI")
        else:
            if via is None:
                raise ValidationError(
                    "via", None, "is required with source: a storage URI to stage the ZIP in"
                )
            from ..staging import stage_zip

            staged = yield Blocking(stage_zip, (source, via))
            zip_url = staged[1]
        payload = {"zip_url": zip_url, **compact(content_moderation=content_moderation)}
        try:
            yield Call(
                bulk_upload_images,
                {"dataset_id": dataset_id, "body": body(BulkUploadRequest, "BulkUploadRequest", payload)},
                raw=True,
            )
            if not wait:
                return BulkUploadResult(status=None, staged_uri=staged[0].uri if staged else None)
            status = yield from self._bulk_wait_plan(dataset_id, timeout, on_progress, policy)
            return BulkUploadResult(
                status=status, staged_uri=staged[0].uri if staged and keep_staged else None
            )
        finally:
            if staged is not None and wait and not keep_staged:
                from ..staging import delete_staged

                yield Blocking(delete_staged, (staged,))

    def bulk_upload_status(self, dataset_id: int) -> Any:
        return self._run(
            call(get_bulk_upload_status, dataset_id=validation.check_id("dataset_id", dataset_id))
        )

    def wait_for_bulk_upload(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 6 * 3600.0,
        on_progress: Callable[[Any], None] | None = None,
        policy: Any = None,
    ) -> Any:
        """Wait for a bulk upload; ``on_progress(status)`` sees ``progress_percentage`` and ``failed_images``.

        Returns the final status (``completed``); a ``failed`` job raises :class:`JobFailedError`.
        """
        return self._run(
            self._bulk_wait_plan(validation.check_id("dataset_id", dataset_id), timeout, on_progress, policy)
        )

    def _bulk_wait_plan(
        self, dataset_id: int, timeout: float | None, on_progress: Callable[[Any], None] | None, policy: Any
    ) -> Plan[Any]:
        def check() -> Plan[Any]:
            status = yield Call(get_bulk_upload_status, {"dataset_id": dataset_id})
            state = _raw(status.status)
            if state == "failed":
                failed = len(status.failed_images) if isinstance(status.failed_images, builtins.list) else 0
                raise JobFailedError(
                    f"bulk upload into dataset {dataset_id} failed ({failed} failed images)",
                    status=state,
                    details=status.to_dict(),
                )
            return polling.PollResult(done=state == "completed", value=status, status=status)

        result = yield from _poll(
            check,
            policy or polling.BULK_UPLOAD,
            timeout,
            f"bulk upload into dataset {dataset_id}",
            on_progress,
        )
        return result

    def download(
        self, dataset_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Any:
        """Download links of an advanced dataset; with ``to`` (a storage URI or folder) the ZIP is saved there."""
        return self._run(self._download_plan(dataset_id, to, key))

    def _download_plan(self, dataset_id: int, to: Any, key: str | None) -> Plan[Any]:
        dataset_id = validation.check_id("dataset_id", dataset_id)
        links = yield Call(download_dataset, {"dataset_id": dataset_id})
        if to is None:
            return links
        from ..saving import download_into

        metadata = {"dataset_id": dataset_id}
        stored = yield Blocking(
            download_into, (links.download_url, to, key or f"dataset-{dataset_id}.zip", metadata)
        )
        return stored


def _poll(
    check: Callable[[], Plan[Any]],
    policy: Any,
    timeout: float | None,
    description: str,
    on_progress: Callable[[Any], None] | None,
) -> Plan[Any]:
    result = yield Poll(check, policy, timeout, description, on_progress)
    return result
