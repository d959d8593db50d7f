from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="ImageUpload")


@_attrs_define
class ImageUpload:
    content_moderation: bool | Unset = False
    file: str | Unset = UNSET
    """ The image as base64 text (jpg, jpeg, png or webp). Exactly one of `file` and `image_url`. """
    image_name: str | Unset = UNSET
    """ Custom name for the image (optional) """
    image_url: str | Unset = UNSET
    """ A public URL of the image (jpg, jpeg, png or webp). Exactly one of `file` and `image_url`. """
    increase_resolution: bool | Unset = True
    """ When enabled (default), input images smaller than 1024x1024 but larger than 256x256 will be automatically
    upscaled.
    If false, images must be at least 1024x1024 pixels.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_moderation = self.content_moderation

        file = self.file

        image_name = self.image_name

        image_url = self.image_url

        increase_resolution = self.increase_resolution

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if content_moderation is not UNSET:
            field_dict["content_moderation"] = content_moderation
        if file is not UNSET:
            field_dict["file"] = file
        if image_name is not UNSET:
            field_dict["image_name"] = image_name
        if image_url is not UNSET:
            field_dict["image_url"] = image_url
        if increase_resolution is not UNSET:
            field_dict["increase_resolution"] = increase_resolution

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        content_moderation = d.pop("content_moderation", UNSET)

        file = d.pop("file", UNSET)

        image_name = d.pop("image_name", UNSET)

        image_url = d.pop("image_url", UNSET)

        increase_resolution = d.pop("increase_resolution", UNSET)

        image_upload = cls(
            content_moderation=content_moderation,
            file=file,
            image_name=image_name,
            image_url=image_url,
            increase_resolution=increase_resolution,
        )

        image_upload.additional_properties = d
        return image_upload

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
