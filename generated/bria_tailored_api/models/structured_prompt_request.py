from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="StructuredPromptRequest")


@_attrs_define
class StructuredPromptRequest:
    tailored_model_id: str
    """ The ID of the tailored model. """
    prompt: str | Unset = UNSET
    """ Text-based instruction. """
    prompt_content_moderation: bool | Unset = True
    seed: int | Unset = UNSET
    """ Seed for deterministic generation. """
    structured_prompt: str | Unset = UNSET
    """ JSON string from a previous response for refinement. """
    sync: bool | Unset = False
    """ If false, returns 202. If true, returns 200. """
    webhook_url: str | Unset = UNSET
    """ Where Bria POSTs the job's result when it ends, signed with the `Bria-Webhook-Id`, `Bria-Webhook-Timestamp`
    and `Bria-Webhook-Signature` headers (instead of polling the Status Service). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tailored_model_id = self.tailored_model_id

        prompt = self.prompt

        prompt_content_moderation = self.prompt_content_moderation

        seed = self.seed

        structured_prompt = self.structured_prompt

        sync = self.sync

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tailored_model_id": tailored_model_id,
            }
        )
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if prompt_content_moderation is not UNSET:
            field_dict["prompt_content_moderation"] = prompt_content_moderation
        if seed is not UNSET:
            field_dict["seed"] = seed
        if structured_prompt is not UNSET:
            field_dict["structured_prompt"] = structured_prompt
        if sync is not UNSET:
            field_dict["sync"] = sync
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tailored_model_id = d.pop("tailored_model_id")

        prompt = d.pop("prompt", UNSET)

        prompt_content_moderation = d.pop("prompt_content_moderation", UNSET)

        seed = d.pop("seed", UNSET)

        structured_prompt = d.pop("structured_prompt", UNSET)

        sync = d.pop("sync", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        structured_prompt_request = cls(
            tailored_model_id=tailored_model_id,
            prompt=prompt,
            prompt_content_moderation=prompt_content_moderation,
            seed=seed,
            structured_prompt=structured_prompt,
            sync=sync,
            webhook_url=webhook_url,
        )

        structured_prompt_request.additional_properties = d
        return structured_prompt_request

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
