from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="BulkUploadRequest")


@_attrs_define
class BulkUploadRequest:
    zip_url: str
    """ The publicly accessible URL of the ZIP file to upload. """
    content_moderation: bool | Unset = False
    """ When enabled, applies content moderation to input visuals. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        zip_url = self.zip_url

        content_moderation = self.content_moderation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "zip_url": zip_url,
            }
        )
        if content_moderation is not UNSET:
            field_dict["content_moderation"] = content_moderation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        zip_url = d.pop("zip_url")

        content_moderation = d.pop("content_moderation", UNSET)

        bulk_upload_request = cls(
            zip_url=zip_url,
            content_moderation=content_moderation,
        )

        bulk_upload_request.additional_properties = d
        return bulk_upload_request

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
