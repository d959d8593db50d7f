"""``client.datasets`` (and ``client.datasets.images``): datasets, their images, captions, visual schemas
and bulk uploads."""

from __future__ import annotations

import builtins
import os
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

from .. import _locations as locations
from .. import _operations as ops
from .. import polling, statuses, validation
from .._plan import Plan, blocking, gather
from .._request import call, call_raw, call_with_response, unreadable
from ..errors import JobFailedError, ValidationError
from ..statuses import UnknownStatusGuard
from ..types import BulkUploadResult, UploadFailure
from ._base import PlanGroup, checked, compact
from ._inputs import Source, describe, image_input, image_string, is_http_url, presign, storage_uri_parts

if TYPE_CHECKING:
    import httpx

    from bria_tailored_api.models import (
        BulkUploadStatus,
        Dataset,
        DatasetImage,
        DatasetStatus,
        DownloadLinks,
        UploadType,
    )

    from .._operations import DatasetStatusValue, UploadTypeValue
    from ..polling import PollPolicy
    from ..storage import StorageBackend, StoredObject
    from ..transport import Connection

R = TypeVar("R")


class ImagePlans(PlanGroup):
    """``client.datasets.images``: upload (one or many), list, get, caption and delete images."""

    def upload(
        self,
        dataset_id: int,
        source: Source,
        *,
        image_name: str | None = None,
        increase_resolution: bool = True,
        content_moderation: bool | None = None,
    ) -> Plan[DatasetImage]:
        """Upload one image (path, bytes, file object, http(s) URL or storage URI) to a basic dataset."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        locations.check_source("source", source)
        validation.check_text("image_name", image_name, optional=True)
        validation.check_bool("increase_resolution", increase_resolution)
        validation.check_bool("content_moderation", content_moderation, optional=True)
        image = yield from image_input(source, "source", increase_resolution=increase_resolution)
        payload: dict[str, object] = {
            **image,
            **compact(image_name=image_name, content_moderation=content_moderation),
            "increase_resolution": increase_resolution,
        }
        json = checked("ImageUpload", payload)
        return (yield from call(self._conn, ops.upload_image, path={"dataset_id": dataset_id}, json=json))

    @typing.overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: Literal[False],
    ) -> Plan[builtins.list[DatasetImage]]: ...

    @typing.overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: Literal[True] = True,
    ) -> Plan[builtins.list[DatasetImage | UploadFailure]]: ...

    @typing.overload
    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: bool = True,
    ) -> Plan[builtins.list[DatasetImage] | builtins.list[DatasetImage | UploadFailure]]: ...

    def upload_many(
        self,
        dataset_id: int,
        sources: Sequence[Source],
        *,
        concurrency: int = 8,
        on_progress: Callable[[int, int, DatasetImage | UploadFailure], object] | None = None,
        increase_resolution: bool = True,
        return_exceptions: bool = True,
    ) -> Plan[builtins.list[DatasetImage] | builtins.list[DatasetImage | UploadFailure]]:
        """Upload many images, at most ``concurrency`` at once; results in the order of ``sources``.

        A failed image does not stop the others: its slot holds an :class:`UploadFailure` naming the source
        (``return_exceptions=False`` raises the first failure instead). ``on_progress(done, total, item)``
        is called after each image.
        """
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_sequence("sources", sources)
        validation.check_concurrency("concurrency", concurrency)
        validation.check_callback("on_progress", on_progress)
        validation.check_bool("increase_resolution", increase_resolution)
        validation.check_bool("return_exceptions", return_exceptions)
        items = builtins.list(sources)
        total = len(items)
        done = [0]

        def one(source: Source) -> Callable[[], Plan[DatasetImage | UploadFailure]]:
            def plan() -> Plan[DatasetImage | UploadFailure]:
                item: DatasetImage | UploadFailure
                try:
                    item = yield from self.upload(dataset_id, source, increase_resolution=increase_resolution)
                except Exception as exc:
                    if not return_exceptions:
                        raise
                    item = UploadFailure(describe(source), exc)
                done[0] += 1
                if on_progress is not None:
                    on_progress(done[0], total, item)
                return item

            return plan

        return (yield from gather([one(s) for s in items], concurrency))

    def list(self, dataset_id: int) -> Plan[builtins.list[DatasetImage]]:
        """The images of a dataset."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        return (yield from call(self._conn, ops.get_images, path={"dataset_id": dataset_id}))

    def get(self, dataset_id: int, image_id: int) -> Plan[DatasetImage]:
        """One image of a dataset."""
        path = _image_path(dataset_id, image_id)
        return (yield from call(self._conn, ops.get_image, path=path))

    def update_caption(
        self, dataset_id: int, image_id: int, *, caption: str | None = None, regenerate: bool = False
    ) -> Plan[DatasetImage]:
        """Set a caption (a JSON string) or ask for a new automatic one (``regenerate=True``), not both."""
        path = _image_path(dataset_id, image_id)
        validation.check_bool("regenerate", regenerate)
        validation.check_caption_update(caption, regenerate)
        payload: dict[str, object] = (
            {"caption": caption} if caption is not None else {"regenerate_caption": True}
        )
        json = checked("ImageCaptionUpdate", payload)
        return (yield from call(self._conn, ops.update_image_caption, path=path, json=json))

    def delete(self, dataset_id: int, image_id: int) -> Plan[None]:
        """Delete an image from a dataset."""
        path = _image_path(dataset_id, image_id)
        yield from call(self._conn, ops.delete_image, path=path)


class DatasetPlans(PlanGroup):
    """``client.datasets``."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.images = ImagePlans(conn)

    def create(
        self, *, project_id: int, name: str, upload_type: UploadTypeValue | UploadType | None = None
    ) -> Plan[Dataset]:
        """Create a draft dataset. ``upload_type='advanced'`` is for bulk ZIP uploads of up to 5000 images."""
        payload = compact(
            project_id=validation.check_id("project_id", project_id), name=name, upload_type=upload_type
        )
        if _blank(name):
            raise ValidationError("name", name, "must not be empty")
        json = checked("DatasetCreate", payload)
        return (yield from call(self._conn, ops.create_dataset, json=json))

    def list(
        self,
        project_id: int | None = None,
        *,
        include_models: bool | None = None,
        include_models_ids: bool | None = None,
    ) -> Plan[builtins.list[Dataset]]:
        """Every dataset of the organisation, or those of one project (optionally with their models)."""
        validation.check_bool("include_models", include_models, optional=True)
        validation.check_bool("include_models_ids", include_models_ids, optional=True)
        if project_id is None:
            if include_models or include_models_ids:
                raise ValidationError("include_models", True, "needs project_id")
            return (yield from call(self._conn, ops.get_datasets))
        path = {"project_id": validation.check_id("project_id", project_id)}
        query = {"include_models": include_models, "include_models_ids": include_models_ids}
        return (yield from call(self._conn, ops.get_datasets_by_project, path=path, query=query))

    def get(self, dataset_id: int, *, max_images: int | None = None) -> Plan[Dataset]:
        """One dataset, with up to ``max_images`` of its images (1-200)."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        if max_images is not None:
            validation.check_param("get-dataset", "max_images", max_images)
        path, query = {"dataset_id": dataset_id}, {"max_images": max_images}
        return (yield from call(self._conn, ops.get_dataset, path=path, query=query))

    def update(
        self,
        dataset_id: int,
        *,
        name: str | None = None,
        visual_schema: str | None = None,
        status: DatasetStatusValue | DatasetStatus | None = None,
    ) -> Plan[Dataset]:
        """Rename, set the visual schema (draft only; a JSON string) or set ``status='completed'``."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        if isinstance(status, str):
            status = typing.cast("DatasetStatusValue", status.lower())  # the cookbook's "Completed" means completed
        payload = compact(name=name, visual_schema=visual_schema, status=status)
        if not payload:
            raise ValidationError("name", None, "give at least one of name, visual_schema, status")
        validation.check_text("name", name, optional=True)
        if visual_schema is not None:
            validation.check_json_string("visual_schema", visual_schema)
        json = checked("DatasetUpdate", payload)
        return (yield from call(self._conn, ops.update_dataset, path={"dataset_id": dataset_id}, json=json))

    def complete(self, dataset_id: int) -> Plan[Dataset]:
        """Mark the dataset completed (needs at least 5 images); completed datasets can be trained on."""
        return (yield from self.update(dataset_id, status="completed"))

    def delete(self, dataset_id: int) -> Plan[None]:
        """Delete a dataset."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        yield from call(self._conn, ops.delete_dataset, path={"dataset_id": dataset_id})

    def clone(
        self, dataset_id: int, *, name: str | None = None, description: str | None = None
    ) -> Plan[Dataset]:
        """Clone a dataset (with its images and captions) as a new draft."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_text("name", name, optional=True)
        json = checked("DatasetClone", compact(name=name, description=description))
        return (yield from call(self._conn, ops.clone_dataset, path={"dataset_id": dataset_id}, json=json))

    def generate_visual_schema(
        self, images: Sequence[Source], *, content_moderation: bool | None = None
    ) -> Plan[str]:
        """A visual schema (a JSON string) from 5-10 sample images (paths, bytes, URLs or storage URIs)."""
        validation.check_sequence("images", images)
        validation.check_bool("content_moderation", content_moderation, optional=True)
        items: builtins.list[Source] = builtins.list(images)
        if not 5 <= len(items) <= 10:
            raise ValidationError("images", f"<{len(items)} images>", "must hold 5-10 images")
        for i, image in enumerate(items):
            locations.check_source(f"images[{i}]", image)
        encoded: builtins.list[str] = []
        for i, image in enumerate(items):
            encoded.append((yield from image_string(image, f"images[{i}]")))
        json = checked(
            "VisualSchemaRequest", {"images": encoded, **compact(content_moderation=content_moderation)}
        )
        response, result = yield from call_with_response(self._conn, ops.generate_visual_schema, json=json)
        return _text(response, result.visual_schema, "visual_schema")

    def refine_structured_prompt(
        self,
        dataset_id: int,
        *,
        structured_prompt: str,
        instruction: str,
        context_images: Sequence[Source] | None = None,
    ) -> Plan[str]:
        """Refine a visual schema or a caption with a natural-language instruction; returns the JSON string."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_json_string("structured_prompt", structured_prompt)
        if not _has_text(instruction):
            raise ValidationError("instruction", instruction, "must be a non-empty string")
        validation.check_sequence("context_images", context_images, optional=True)
        for i, image in enumerate(context_images or ()):
            locations.check_source(f"context_images[{i}]", image)
        payload: dict[str, object] = {
            "dataset_id": dataset_id,
            "structured_prompt": structured_prompt,
            "instruction": instruction,
        }
        if context_images:
            encoded: builtins.list[str] = []
            for i, image in enumerate(context_images):
                encoded.append((yield from image_string(image, f"context_images[{i}]")))
            payload["context_images"] = encoded
        json = checked("RefineStructuredPromptRequest", payload)
        response, result = yield from call_with_response(self._conn, ops.refine_structured_prompt, json=json)
        return _text(response, result.structured_prompt, "structured_prompt")

    # ------------------------------------------------------------------------------------ captions
    def regenerate_captions(self, dataset_id: int) -> Plan[Dataset]:
        """Start regenerating every caption (asynchronous; see :meth:`wait_for_captions`)."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        return (yield from call(self._conn, ops.regenerate_all_captions, path={"dataset_id": dataset_id}))

    def wait_for_captions(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 1800.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[Dataset]:
        """Wait until ``captions_update_status`` is no longer ``in_progress``; returns the dataset.

        ``on_progress(state)`` sees the ``captions_update_status`` value after every check.
        """
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_wait(timeout, on_progress, policy)

        guard = UnknownStatusGuard(statuses.CAPTIONS, f"dataset {dataset_id}")

        def check() -> Plan[polling.PollResult[Dataset]]:
            dataset = yield from call(
                self._conn, ops.get_dataset, path={"dataset_id": dataset_id}, query={"max_images": 1}
            )
            state = str(dataset.captions_update_status)  # the enum's value (or an unknown state)
            done = guard.outcome(state) == "succeeded"
            return polling.PollResult(done=done, value=dataset, status=state)

        return (
            yield from polling.poll(
                check,
                policy=policy or polling.CAPTIONS,
                timeout=timeout,
                description=f"captions of dataset {dataset_id}",
                on_progress=on_progress,
            )
        )

    # --------------------------------------------------------------------------------- bulk upload
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
    ) -> Plan[BulkUploadResult]:
        """Advanced upload of up to 5000 images from a ZIP, into an empty ``advanced`` dataset.

        Give ``zip_url`` (a URL Bria can fetch; a storage URI is presigned), or ``source`` (a folder of
        images, a ``.zip`` file, or a storage prefix) with ``via`` (a storage URI where the ZIP is staged as a
        stream and presigned). With ``wait=True`` returns the final :class:`BulkUploadResult`; the staged
        object is deleted once the job ends (unless ``keep_staged``). With ``wait=False`` the result's
        ``status`` is None (follow the job with :meth:`wait_for_bulk_upload`).
        """
        dataset_id = validation.check_id("dataset_id", dataset_id)
        if (zip_url is None) == (source is None):
            raise ValidationError("zip_url", zip_url, "give exactly one of zip_url or source")
        locations.check_path("source", source, optional=True)
        validation.check_text("via", via, optional=True)
        validation.check_bool("content_moderation", content_moderation, optional=True)
        validation.check_bool("wait", wait)
        validation.check_bool("keep_staged", keep_staged)
        validation.check_wait(timeout, on_progress, policy)
        if zip_url is not None:
            validation.check_text("zip_url", zip_url)
            locations.check_storage_uri("zip_url", zip_url)
            if storage_uri_parts(zip_url) is None:
                if not is_http_url(zip_url):
                    raise ValidationError("zip_url", zip_url, "must be an http(s) URL or a storage URI")
                validation.check_http_url("zip_url", zip_url)
        elif via is None:
            raise ValidationError("via", None, "is required with source: a storage URI to stage the ZIP in")
        staged: tuple[StoredObject, str, StorageBackend] | None = None
        if zip_url is not None:
            if storage_uri_parts(zip_url) is not None:
                zip_url = yield from blocking(presign, zip_url, 6 * 3600)
        else:
            assert via is not None
            from ..staging import stage_zip

            staged = yield from blocking(stage_zip, source, via)
            zip_url = staged[1]
        json = checked(
            "BulkUploadRequest", {"zip_url": zip_url, **compact(content_moderation=content_moderation)}
        )
        closing = False
        try:
            yield from call_raw(
                self._conn, ops.bulk_upload_images, path={"dataset_id": dataset_id}, json=json
            )
            if not wait:
                # Submitted, not awaited: no final status yet (wait_for_bulk_upload gives it).
                return BulkUploadResult(status=None, staged_uri=staged[0].uri if staged else None)
            status = yield from self._bulk_wait(dataset_id, timeout, on_progress, policy)
            return BulkUploadResult(
                status=status, staged_uri=staged[0].uri if staged and keep_staged else None
            )
        except GeneratorExit:
            closing = True  # the engine closed the plan (Ctrl-C, cancellation): no effect may run now
            raise
        finally:
            if staged is not None and wait and not keep_staged and not closing:
                from ..staging import delete_staged

                yield from blocking(delete_staged, staged)

    def bulk_upload_status(self, dataset_id: int) -> Plan[BulkUploadStatus]:
        """The state of the dataset's bulk upload (progress, failed images)."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        return (yield from call(self._conn, ops.get_bulk_upload_status, path={"dataset_id": dataset_id}))

    def wait_for_bulk_upload(
        self,
        dataset_id: int,
        *,
        timeout: float | None = 6 * 3600.0,
        on_progress: Callable[[BulkUploadStatus], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[BulkUploadStatus]:
        """Wait for a bulk upload; ``on_progress(status)`` sees ``progress_percentage`` and ``failed_images``.

        Returns the final status (``completed``); a ``failed`` job raises :class:`JobFailedError`.
        """
        dataset_id = validation.check_id("dataset_id", dataset_id)
        validation.check_wait(timeout, on_progress, policy)
        return (yield from self._bulk_wait(dataset_id, timeout, on_progress, policy))

    def _bulk_wait(
        self,
        dataset_id: int,
        timeout: float | None,
        on_progress: Callable[[BulkUploadStatus], object] | None,
        policy: PollPolicy | None,
    ) -> Plan[BulkUploadStatus]:
        guard = UnknownStatusGuard(statuses.BULK_UPLOAD, f"dataset {dataset_id}")

        def check() -> Plan[polling.PollResult[BulkUploadStatus]]:
            status = yield from call(self._conn, ops.get_bulk_upload_status, path={"dataset_id": dataset_id})
            state = str(status.status)
            outcome = guard.outcome(state)
            if outcome == "failed":
                failed = status.failed_images
                count = len(failed) if isinstance(failed, builtins.list) else 0
                raise JobFailedError(
                    f"bulk upload into dataset {dataset_id} failed ({count} failed images)",
                    status=state,
                    details=status.to_dict(),
                )
            return polling.PollResult(done=outcome == "succeeded", value=status, status=status)

        return (
            yield from polling.poll(
                check,
                policy=policy or polling.BULK_UPLOAD,
                timeout=timeout,
                description=f"bulk upload into dataset {dataset_id}",
                on_progress=on_progress,
            )
        )

    # ------------------------------------------------------------------------------------ download
    @typing.overload
    def download(
        self, dataset_id: int, *, to: None = None, key: str | None = None
    ) -> Plan[DownloadLinks]: ...

    @typing.overload
    def download(
        self, dataset_id: int, *, to: str | os.PathLike[str], key: str | None = None
    ) -> Plan[StoredObject]: ...

    @typing.overload
    def download(
        self, dataset_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Plan[DownloadLinks | StoredObject]: ...

    def download(
        self, dataset_id: int, *, to: str | os.PathLike[str] | None = None, key: str | None = None
    ) -> Plan[DownloadLinks | StoredObject]:
        """Download links of an advanced dataset; with ``to`` (a storage URI or folder) the ZIP is saved there
        (as ``key``, default ``dataset-<id>.zip``) and the stored object is returned."""
        dataset_id = validation.check_id("dataset_id", dataset_id)
        locations.check_destination("to", to, optional=True)
        validation.check_text("key", key, optional=True)
        response, links = yield from call_with_response(
            self._conn, ops.download_dataset, path={"dataset_id": dataset_id}
        )
        if to is None:
            return links
        from ..saving import download_into

        url = _text(response, links.download_url, "download_url")
        metadata: dict[str, object] = {"dataset_id": dataset_id}
        return (
            yield from blocking(
                lambda: download_into(
                    url, to, key or f"dataset-{dataset_id}.zip", metadata, api_base_url=self._conn.base_url
                )
            )
        )


def _image_path(dataset_id: int, image_id: int) -> dict[str, int]:
    return {
        "dataset_id": validation.check_id("dataset_id", dataset_id),
        "image_id": validation.check_id("image_id", image_id),
    }


def _blank(value: object) -> bool:
    """``value`` is a string of whitespace only (callers typed ``str`` may still be handed anything)."""
    return isinstance(value, str) and not value.strip()


def _has_text(value: object) -> bool:
    """``value`` is a string with something other than whitespace."""
    return isinstance(value, str) and bool(value.strip())


def _text(response: httpx.Response, value: object, field: str) -> str:
    """A string field of a success response; its absence makes the response unreadable."""
    if isinstance(value, str):
        return value
    raise unreadable(response, ValueError(f"no {field} in the response"))
