from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="RefineStructuredPromptRequest")


@_attrs_define
class RefineStructuredPromptRequest:
    dataset_id: int
    """ The ID of the dataset associated with this refinement. """
    instruction: str
    """ Natural language instruction describing how to modify the JSON. """
    structured_prompt: str
    """ The current structured prompt string (Visual Schema or Caption) to be refined. """
    context_images: list[str] | Unset = UNSET
    """ Optional. List of image URLs or Base64 strings to provide visual context. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dataset_id = self.dataset_id

        instruction = self.instruction

        structured_prompt = self.structured_prompt

        context_images: list[str] | Unset = UNSET
        if not isinstance(self.context_images, Unset):
            context_images = self.context_images

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dataset_id": dataset_id,
                "instruction": instruction,
                "structured_prompt": structured_prompt,
            }
        )
        if context_images is not UNSET:
            field_dict["context_images"] = context_images

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dataset_id = d.pop("dataset_id")

        instruction = d.pop("instruction")

        structured_prompt = d.pop("structured_prompt")

        context_images = cast(list[str], d.pop("context_images", UNSET))

        refine_structured_prompt_request = cls(
            dataset_id=dataset_id,
            instruction=instruction,
            structured_prompt=structured_prompt,
            context_images=context_images,
        )

        refine_structured_prompt_request.additional_properties = d
        return refine_structured_prompt_request

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
