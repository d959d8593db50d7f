from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aspect_ratio import AspectRatio
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="ImageGenerationRequest")


@_attrs_define
class ImageGenerationRequest:
    tailored_model_id: str
    """ The ID of the tailored model. """
    aspect_ratio: AspectRatio | Unset = AspectRatio.VALUE_0
    guidance_scale: int | Unset = 5
    """ Adherence to the prompt (3-5). """
    negative_prompt: str | Unset = UNSET
    """ Concepts to exclude from the generated image. """
    prompt: str | Unset = UNSET
    """ Text-based instruction for generation or refinement. """
    prompt_content_moderation: bool | Unset = True
    seed: int | Unset = UNSET
    """ Seed for deterministic generation. """
    steps_num: int | Unset = 50
    structured_prompt: str | Unset = UNSET
    """ A string containing the structured prompt in JSON format for precise recreation/refinement. """
    sync: bool | Unset = False
    """ If false, returns a 202 and status URL. If true, returns 200 with result. """
    tailored_model_influence: float | Unset = 1.0
    """ Controls the strength of the tailored model's influence (0.0 - 1.5). """
    visual_output_content_moderation: bool | Unset = True
    webhook_url: str | Unset = UNSET
    """ Where Bria POSTs the job's result when it ends, signed with the `Bria-Webhook-Id`, `Bria-Webhook-Timestamp`
    and `Bria-Webhook-Signature` headers (instead of polling the Status Service). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tailored_model_id = self.tailored_model_id

        aspect_ratio: str | Unset = UNSET
        if not isinstance(self.aspect_ratio, Unset):
            aspect_ratio = self.aspect_ratio.value

        guidance_scale = self.guidance_scale

        negative_prompt = self.negative_prompt

        prompt = self.prompt

        prompt_content_moderation = self.prompt_content_moderation

        seed = self.seed

        steps_num = self.steps_num

        structured_prompt = self.structured_prompt

        sync = self.sync

        tailored_model_influence = self.tailored_model_influence

        visual_output_content_moderation = self.visual_output_content_moderation

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tailored_model_id": tailored_model_id,
            }
        )
        if aspect_ratio is not UNSET:
            field_dict["aspect_ratio"] = aspect_ratio
        if guidance_scale is not UNSET:
            field_dict["guidance_scale"] = guidance_scale
        if negative_prompt is not UNSET:
            field_dict["negative_prompt"] = negative_prompt
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if prompt_content_moderation is not UNSET:
            field_dict["prompt_content_moderation"] = prompt_content_moderation
        if seed is not UNSET:
            field_dict["seed"] = seed
        if steps_num is not UNSET:
            field_dict["steps_num"] = steps_num
        if structured_prompt is not UNSET:
            field_dict["structured_prompt"] = structured_prompt
        if sync is not UNSET:
            field_dict["sync"] = sync
        if tailored_model_influence is not UNSET:
            field_dict["tailored_model_influence"] = tailored_model_influence
        if visual_output_content_moderation is not UNSET:
            field_dict["visual_output_content_moderation"] = visual_output_content_moderation
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tailored_model_id = d.pop("tailored_model_id")

        _aspect_ratio = d.pop("aspect_ratio", UNSET)
        aspect_ratio: AspectRatio | Unset
        if isinstance(_aspect_ratio, Unset):
            aspect_ratio = UNSET
        else:
            aspect_ratio = AspectRatio(_aspect_ratio)

        guidance_scale = d.pop("guidance_scale", UNSET)

        negative_prompt = d.pop("negative_prompt", UNSET)

        prompt = d.pop("prompt", UNSET)

        prompt_content_moderation = d.pop("prompt_content_moderation", UNSET)

        seed = d.pop("seed", UNSET)

        steps_num = d.pop("steps_num", UNSET)

        structured_prompt = d.pop("structured_prompt", UNSET)

        sync = d.pop("sync", UNSET)

        tailored_model_influence = d.pop("tailored_model_influence", UNSET)

        visual_output_content_moderation = d.pop("visual_output_content_moderation", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        image_generation_request = cls(
            tailored_model_id=tailored_model_id,
            aspect_ratio=aspect_ratio,
            guidance_scale=guidance_scale,
            negative_prompt=negative_prompt,
            prompt=prompt,
            prompt_content_moderation=prompt_content_moderation,
            seed=seed,
            steps_num=steps_num,
            structured_prompt=structured_prompt,
            sync=sync,
            tailored_model_influence=tailored_model_influence,
            visual_output_content_moderation=visual_output_content_moderation,
            webhook_url=webhook_url,
        )

        image_generation_request.additional_properties = d
        return image_generation_request

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
