from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="StatusResult")


@_attrs_define
class StatusResult:
    """What a finished job produced (fields depend on the job's kind)."""

    image_url: str | Unset = UNSET
    """ URL of the generated image. """
    prompt: str | Unset = UNSET
    refined_prompt: str | Unset = UNSET
    seed: int | str | Unset = UNSET
    """ The seed used (sometimes sent as a string). """
    structured_prompt: str | Unset = UNSET
    """ The structured prompt, a JSON object serialized as a string. """
    video_url: str | Unset = UNSET
    """ URL of the generated video. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image_url = self.image_url

        prompt = self.prompt

        refined_prompt = self.refined_prompt

        seed: int | str | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        structured_prompt = self.structured_prompt

        video_url = self.video_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if image_url is not UNSET:
            field_dict["image_url"] = image_url
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if refined_prompt is not UNSET:
            field_dict["refined_prompt"] = refined_prompt
        if seed is not UNSET:
            field_dict["seed"] = seed
        if structured_prompt is not UNSET:
            field_dict["structured_prompt"] = structured_prompt
        if video_url is not UNSET:
            field_dict["video_url"] = video_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        image_url = d.pop("image_url", UNSET)

        prompt = d.pop("prompt", UNSET)

        refined_prompt = d.pop("refined_prompt", UNSET)

        def _parse_seed(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        structured_prompt = d.pop("structured_prompt", UNSET)

        video_url = d.pop("video_url", UNSET)

        status_result = cls(
            image_url=image_url,
            prompt=prompt,
            refined_prompt=refined_prompt,
            seed=seed,
            structured_prompt=structured_prompt,
            video_url=video_url,
        )

        status_result.additional_properties = d
        return status_result

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
