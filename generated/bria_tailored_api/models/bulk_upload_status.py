from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.bulk_upload_state import BulkUploadState
from ..types import UNSET, Unset, repr_without_unset

if TYPE_CHECKING:
    from ..models.failed_image import FailedImage


T = TypeVar("T", bound="BulkUploadStatus")


@_attrs_define
class BulkUploadStatus:
    status: BulkUploadState | str
    done: int | Unset = UNSET
    failed: int | Unset = UNSET
    failed_images: list[FailedImage] | Unset = UNSET
    progress_percentage: int | Unset = UNSET
    total_processed: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str
        if isinstance(self.status, BulkUploadState):
            status = self.status.value
        else:
            status = self.status

        done = self.done

        failed = self.failed

        failed_images: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.failed_images, Unset):
            failed_images = []
            for failed_images_item_data in self.failed_images:
                failed_images_item = failed_images_item_data.to_dict()
                failed_images.append(failed_images_item)

        progress_percentage = self.progress_percentage

        total_processed = self.total_processed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if done is not UNSET:
            field_dict["done"] = done
        if failed is not UNSET:
            field_dict["failed"] = failed
        if failed_images is not UNSET:
            field_dict["failed_images"] = failed_images
        if progress_percentage is not UNSET:
            field_dict["progress_percentage"] = progress_percentage
        if total_processed is not UNSET:
            field_dict["total_processed"] = total_processed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failed_image import FailedImage  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_status(data: object) -> BulkUploadState | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = BulkUploadState(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BulkUploadState | str, data)

        status = _parse_status(d.pop("status"))

        done = d.pop("done", UNSET)

        failed = d.pop("failed", UNSET)

        _failed_images = d.pop("failed_images", UNSET)
        failed_images: list[FailedImage] | Unset = UNSET
        if _failed_images is not UNSET:
            failed_images = []
            for failed_images_item_data in _failed_images:
                failed_images_item = FailedImage.from_dict(failed_images_item_data)

                failed_images.append(failed_images_item)

        progress_percentage = d.pop("progress_percentage", UNSET)

        total_processed = d.pop("total_processed", UNSET)

        bulk_upload_status = cls(
            status=status,
            done=done,
            failed=failed,
            failed_images=failed_images,
            progress_percentage=progress_percentage,
            total_processed=total_processed,
        )

        bulk_upload_status.additional_properties = d
        return bulk_upload_status

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

    def __repr__(self) -> str:
        return repr_without_unset(self)
