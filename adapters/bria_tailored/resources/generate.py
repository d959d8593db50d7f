"""``client.generate``: images, structured prompts and videos from a trained tailored model."""

from __future__ import annotations

from typing import Any

from bria_tailored_api.api.image_generation import generate_image, generate_structured_prompt
from bria_tailored_api.api.video_generation import generate_video
from bria_tailored_api.models import ImageGenerationRequest, StructuredPromptRequest, VideoGenerationRequest

from .. import validation
from .._core import Call, Plan, json_of
from ..errors import APIStatusError, ValidationError
from ..types import Job
from ._base import Resource, body, compact
from ._inputs import image_string
from .status import result_of, wait_plan


def _model_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise ValidationError("tailored_model_id", value, "must be a model id (int or str)")
    return str(value).strip()


class Generate(Resource):
    """``client.generate``. With ``wait=True`` (default) each call returns its result (``policy`` overrides
    the poll backoff, default ``polling.GENERATION``); with ``wait=False`` a :class:`Job` to pass to
    ``client.status.wait``."""

    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: str | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Any = None,
        policy: Any = None,
    ) -> Any:
        """Generate an image: give ``prompt``; ``structured_prompt`` + ``seed`` to recreate; or both to refine."""
        validation.check_generation_inputs(prompt, structured_prompt, seed)
        payload = compact(
            tailored_model_id=_model_id(tailored_model_id),
            prompt=prompt,
            structured_prompt=structured_prompt,
            negative_prompt=negative_prompt,
            seed=seed,
            aspect_ratio=aspect_ratio,
            guidance_scale=guidance_scale,
            steps_num=steps_num,
            tailored_model_influence=tailored_model_influence,
            prompt_content_moderation=prompt_content_moderation,
            visual_output_content_moderation=visual_output_content_moderation,
        )
        if sync:
            payload["sync"] = True
        request = body(ImageGenerationRequest, "ImageGenerationRequest", payload)
        return self._run(self._submit(generate_image, request, "image", wait, timeout, on_progress, policy))

    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Any = None,
        policy: Any = None,
    ) -> Any:
        """Turn a prompt (or refine a structured prompt) into the model's structured JSON prompt."""
        if prompt is None and structured_prompt is None:
            raise ValidationError("prompt", None, "give prompt, structured_prompt, or both")
        if structured_prompt is not None:
            validation.check_json_string("structured_prompt", structured_prompt)
        payload = compact(
            tailored_model_id=_model_id(tailored_model_id),
            prompt=prompt,
            structured_prompt=structured_prompt,
            seed=seed,
            prompt_content_moderation=prompt_content_moderation,
        )
        if sync:
            payload["sync"] = True
        request = body(StructuredPromptRequest, "StructuredPromptRequest", payload)
        return self._run(
            self._submit(
                generate_structured_prompt, request, "structured_prompt", wait, timeout, on_progress, policy
            )
        )

    def video(
        self,
        tailored_model_id: int | str,
        image: Any,
        *,
        seed: int | None = None,
        wait: bool = True,
        timeout: float | None = 1200.0,
        on_progress: Any = None,
        policy: Any = None,
    ) -> Any:
        """Animate an image (path, bytes, URL or storage URI) made by the same tailored model (beta)."""
        return self._run(self._video_plan(tailored_model_id, image, seed, wait, timeout, on_progress, policy))

    def _video_plan(
        self,
        tailored_model_id: Any,
        image: Any,
        seed: Any,
        wait: bool,
        timeout: Any,
        on_progress: Any,
        policy: Any,
    ) -> Plan[Any]:
        model_id = _model_id(tailored_model_id)
        encoded = yield from image_string(image, "image")
        payload = compact(tailored_model_id=model_id, image=encoded, seed=seed)
        request = body(VideoGenerationRequest, "VideoGenerationRequest", payload)
        result = yield from self._submit(generate_video, request, "video", wait, timeout, on_progress, policy)
        return result

    def _submit(
        self,
        operation: Any,
        request: Any,
        kind: str,
        wait: bool,
        timeout: Any,
        on_progress: Any,
        policy: Any = None,
    ) -> Plan[Any]:
        response = yield Call(operation, {"body": request}, raw=True)
        data = json_of(response)
        if not isinstance(data, dict):
            raise APIStatusError(
                f"POST {response.request.url.path} -> {response.status_code}: unexpected body {data!r:.200}",
                status_code=response.status_code,
                body=data,
            )
        if response.status_code == 200:
            # Inline (sync=true) answer: the spec's {image_url, structured_prompt}, or Bria's v2 envelope
            # {"result": {...}, "request_id": ...}.
            inner: dict[str, Any] = data["result"] if isinstance(data.get("result"), dict) else data
            return result_of(kind, inner, data.get("request_id"))
        job = Job(request_id=str(data.get("request_id")), status_url=data.get("status_url"), kind=kind)
        if not wait:
            return job
        result = yield from wait_plan(self._core.config.base_url, job, timeout, on_progress, policy)
        return result
