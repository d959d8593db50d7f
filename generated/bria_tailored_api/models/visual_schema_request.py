from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="VisualSchemaRequest")


@_attrs_define
class VisualSchemaRequest:
    images: list[str]
    """ An array of 5-10 images. Supports base64-encoded strings or public URLs. Supported formats are png, jpg,
    jpeg, webp. """
    content_moderation: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        images = self.images

        content_moderation = self.content_moderation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "images": images,
            }
        )
        if content_moderation is not UNSET:
            field_dict["content_moderation"] = content_moderation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        images = cast(list[str], d.pop("images"))

        content_moderation = d.pop("content_moderation", UNSET)

        visual_schema_request = cls(
            images=images,
            content_moderation=content_moderation,
        )

        visual_schema_request.additional_properties = d
        return visual_schema_request

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
