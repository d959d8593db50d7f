from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="VideoGenerationRequest")


@_attrs_define
class VideoGenerationRequest:
    image: str
    """ Publicly accessible URL or base64 string of the source image. """
    tailored_model_id: str
    """ The ID of the tailored model that generated the input image. """
    seed: int | Unset = UNSET
    """ Optional seed for reproducible results. """
    webhook_url: str | Unset = UNSET
    """ Where Bria POSTs the job's result when it ends, signed with the `Bria-Webhook-Id`, `Bria-Webhook-Timestamp`
    and `Bria-Webhook-Signature` headers (instead of polling the Status Service). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image = self.image

        tailored_model_id = self.tailored_model_id

        seed = self.seed

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "image": image,
                "tailored_model_id": tailored_model_id,
            }
        )
        if seed is not UNSET:
            field_dict["seed"] = seed
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        image = d.pop("image")

        tailored_model_id = d.pop("tailored_model_id")

        seed = d.pop("seed", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        video_generation_request = cls(
            image=image,
            tailored_model_id=tailored_model_id,
            seed=seed,
            webhook_url=webhook_url,
        )

        video_generation_request.additional_properties = d
        return video_generation_request

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
