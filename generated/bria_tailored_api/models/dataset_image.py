from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.caption_source import CaptionSource
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="DatasetImage")


@_attrs_define
class DatasetImage:
    created_at: datetime.datetime
    dataset_id: int
    id: int
    image_name: str
    updated_at: datetime.datetime
    caption: None | str | Unset = UNSET
    """ The generated caption. Null if uploaded without a visual schema. """
    caption_source: CaptionSource | None | str | Unset = UNSET
    image_url: str | Unset = UNSET
    thumbnail_url: str | Unset = UNSET
    upload_source_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        dataset_id = self.dataset_id

        id = self.id

        image_name = self.image_name

        updated_at = self.updated_at.isoformat()

        caption: None | str | Unset
        if isinstance(self.caption, Unset):
            caption = UNSET
        else:
            caption = self.caption

        caption_source: None | str | Unset
        if isinstance(self.caption_source, Unset):
            caption_source = UNSET
        elif isinstance(self.caption_source, CaptionSource):
            caption_source = self.caption_source.value
        else:
            caption_source = self.caption_source

        image_url = self.image_url

        thumbnail_url = self.thumbnail_url

        upload_source_url: None | str | Unset
        if isinstance(self.upload_source_url, Unset):
            upload_source_url = UNSET
        else:
            upload_source_url = self.upload_source_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "dataset_id": dataset_id,
                "id": id,
                "image_name": image_name,
                "updated_at": updated_at,
            }
        )
        if caption is not UNSET:
            field_dict["caption"] = caption
        if caption_source is not UNSET:
            field_dict["caption_source"] = caption_source
        if image_url is not UNSET:
            field_dict["image_url"] = image_url
        if thumbnail_url is not UNSET:
            field_dict["thumbnail_url"] = thumbnail_url
        if upload_source_url is not UNSET:
            field_dict["upload_source_url"] = upload_source_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dataset_id = d.pop("dataset_id")

        id = d.pop("id")

        image_name = d.pop("image_name")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_caption(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        caption = _parse_caption(d.pop("caption", UNSET))

        def _parse_caption_source(data: object) -> CaptionSource | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                caption_source_type_0 = CaptionSource(data)

                return caption_source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CaptionSource | None | str | Unset, data)

        caption_source = _parse_caption_source(d.pop("caption_source", UNSET))

        image_url = d.pop("image_url", UNSET)

        thumbnail_url = d.pop("thumbnail_url", UNSET)

        def _parse_upload_source_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        upload_source_url = _parse_upload_source_url(d.pop("upload_source_url", UNSET))

        dataset_image = cls(
            created_at=created_at,
            dataset_id=dataset_id,
            id=id,
            image_name=image_name,
            updated_at=updated_at,
            caption=caption,
            caption_source=caption_source,
            image_url=image_url,
            thumbnail_url=thumbnail_url,
            upload_source_url=upload_source_url,
        )

        dataset_image.additional_properties = d
        return dataset_image

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
