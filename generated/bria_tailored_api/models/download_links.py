from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="DownloadLinks")


@_attrs_define
class DownloadLinks:
    base_model_card: str | Unset = UNSET
    """ URL to the Hugging Face model card of the respective base model. """
    base_model_name: str | Unset = UNSET
    """ The name of the base model used for training. """
    captions_url: str | Unset = UNSET
    """ A pre-signed URL for downloading the captions file, only returned for datasets where all captions are
    automatically generated. """
    download_url: str | Unset = UNSET
    """ A pre-signed URL allowing users to download the tailored model. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        base_model_card = self.base_model_card

        base_model_name = self.base_model_name

        captions_url = self.captions_url

        download_url = self.download_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if base_model_card is not UNSET:
            field_dict["base_model_card"] = base_model_card
        if base_model_name is not UNSET:
            field_dict["base_model_name"] = base_model_name
        if captions_url is not UNSET:
            field_dict["captions_url"] = captions_url
        if download_url is not UNSET:
            field_dict["download_url"] = download_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        base_model_card = d.pop("base_model_card", UNSET)

        base_model_name = d.pop("base_model_name", UNSET)

        captions_url = d.pop("captions_url", UNSET)

        download_url = d.pop("download_url", UNSET)

        download_links = cls(
            base_model_card=base_model_card,
            base_model_name=base_model_name,
            captions_url=captions_url,
            download_url=download_url,
        )

        download_links.additional_properties = d
        return download_links

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
