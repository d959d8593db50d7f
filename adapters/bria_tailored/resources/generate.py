"""``client.generate``: images, structured prompts and videos from a trained tailored model.

Each method is overloaded on ``wait``: ``wait=True`` (the default) returns the finished result
(``ImageResult``, ``StructuredPromptResult``, ``VideoResult``); ``wait=False`` returns a typed ``Job`` to
pass to ``client.status.wait`` or ``wait_all``, which then returns that same result type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from .. import _locations as locations
from .. import _operations as ops
from .. import validation
from .._plan import Plan
from .._request import call_raw, json_of, unreadable
from ..errors import ValidationError
from ..types import ImageResult, Job, JobKind, StructuredPromptResult, VideoResult
from ._base import PlanGroup, checked, compact
from ._inputs import image_string
from .status import result_of, wait_plan, with_inputs

if TYPE_CHECKING:
    from bria_tailored_api.models import AspectRatio

    from .._operation import Operation
    from .._operations import AspectRatioValue
    from ..polling import PollPolicy
    from ..types import GenerationResult, R
    from ._inputs import Source


def _model_id(value: object) -> str:
    return validation.check_model_id("tailored_model_id", value)


def _check_submit(sync: bool, wait: bool, timeout: object, on_progress: object, policy: object) -> None:
    """The arguments of the submit and of the wait that follows it, checked before the billed POST."""
    validation.check_bool("sync", sync)
    validation.check_bool("wait", wait)
    _check_sync(sync, wait)
    validation.check_wait(timeout, on_progress, policy)


class GeneratePlans(PlanGroup):
    """``client.generate``. With ``wait=True`` (default) each call returns its result (``policy`` overrides
    the poll backoff, default ``polling.GENERATION``); with ``wait=False`` a :class:`Job` to pass to
    ``client.status.wait``."""

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[True] = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[ImageResult]: ...

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[False],
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[Job[ImageResult]]: ...

    @overload
    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[ImageResult | Job[ImageResult]]: ...

    def image(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        aspect_ratio: AspectRatioValue | AspectRatio | None = None,
        guidance_scale: int | None = None,
        steps_num: int | None = None,
        tailored_model_influence: float | None = None,
        prompt_content_moderation: bool | None = None,
        visual_output_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[ImageResult | Job[ImageResult]]:
        """Generate an image: give ``prompt``; ``structured_prompt`` + ``seed`` to recreate; or both to refine.

        ``sync=True`` asks Bria to answer inline (no job to wait for: it needs ``wait=True``).
        ``webhook_url``: Bria also POSTs the result there, signed (see :mod:`bria_tailored.webhooks`)."""
        validation.check_generation_inputs(prompt, structured_prompt, seed)
        validation.check_seed("seed", seed)
        _check_submit(sync, wait, timeout, on_progress, policy)
        _check_webhook_url(webhook_url, sync)
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
            webhook_url=webhook_url,
        )
        if sync:
            payload["sync"] = True
        json = checked("ImageGenerationRequest", payload)
        return (
            yield from _submit(
                self, ops.generate_image, json, "image", ImageResult, wait, timeout, on_progress, policy
            )
        )

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[True] = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[StructuredPromptResult]: ...

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: Literal[False],
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[Job[StructuredPromptResult]]: ...

    @overload
    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[StructuredPromptResult | Job[StructuredPromptResult]]: ...

    def structured_prompt(
        self,
        tailored_model_id: int | str,
        prompt: str | None = None,
        *,
        structured_prompt: str | None = None,
        seed: int | None = None,
        prompt_content_moderation: bool | None = None,
        webhook_url: str | None = None,
        sync: bool = False,
        wait: bool = True,
        timeout: float | None = 600.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[StructuredPromptResult | Job[StructuredPromptResult]]:
        """Turn a prompt (or refine a structured prompt) into the model's structured JSON prompt."""
        if prompt is None and structured_prompt is None:
            raise ValidationError("prompt", None, "give prompt, structured_prompt, or both")
        validation.check_text("prompt", prompt, optional=True)
        validation.check_seed("seed", seed)
        _check_submit(sync, wait, timeout, on_progress, policy)
        _check_webhook_url(webhook_url, sync)
        if structured_prompt is not None:
            validation.check_json_string("structured_prompt", structured_prompt)
        payload = compact(
            tailored_model_id=_model_id(tailored_model_id),
            prompt=prompt,
            structured_prompt=structured_prompt,
            seed=seed,
            prompt_content_moderation=prompt_content_moderation,
            webhook_url=webhook_url,
        )
        if sync:
            payload["sync"] = True
        json = checked("StructuredPromptRequest", payload)
        op = ops.generate_structured_prompt
        return (
            yield from _submit(
                self,
                op,
                json,
                "structured_prompt",
                StructuredPromptResult,
                wait,
                timeout,
                on_progress,
                policy,
            )
        )

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: Literal[True] = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[VideoResult]: ...

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: Literal[False],
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[Job[VideoResult]]: ...

    @overload
    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: bool = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[VideoResult | Job[VideoResult]]: ...

    def video(
        self,
        tailored_model_id: int | str,
        image: Source | ImageResult,
        *,
        seed: int | None = None,
        webhook_url: str | None = None,
        wait: bool = True,
        timeout: float | None = 1200.0,
        on_progress: Callable[[str], object] | None = None,
        policy: PollPolicy | None = None,
    ) -> Plan[VideoResult | Job[VideoResult]]:
        """Animate an image made by the same tailored model (beta): a path, bytes, URL, storage URI, or the
        ``ImageResult`` of ``generate.image``."""
        model_id = _model_id(tailored_model_id)
        validation.check_seed("seed", seed)
        validation.check_bool("wait", wait)
        validation.check_wait(timeout, on_progress, policy)
        _check_webhook_url(webhook_url, False)
        source = image.image_url if isinstance(image, ImageResult) else image
        locations.check_source("image", source)
        shown = source if isinstance(source, str) else None
        encoded = yield from image_string(source, "image")
        json = checked(
            "VideoGenerationRequest",
            compact(tailored_model_id=model_id, image=encoded, seed=seed, webhook_url=webhook_url),
        )
        return (
            yield from _submit(
                self,
                ops.generate_video,
                json,
                "video",
                VideoResult,
                wait,
                timeout,
                on_progress,
                policy,
                shown,
            )
        )


def _check_webhook_url(webhook_url: str | None, sync: bool) -> None:
    """An absolute http(s) URL, and only for a job (Bria POSTs a finished job's result there; docs.bria.ai
    ``webhooks``: "any async endpoint")."""
    if webhook_url is None:
        return
    validation.check_http_url("webhook_url", webhook_url)
    if sync:
        raise ValidationError(
            "webhook_url", webhook_url, "is for asynchronous jobs: with sync=True the answer comes inline"
        )


def _check_sync(sync: bool, wait: bool) -> None:
    if sync and not wait:
        raise ValidationError(
            "sync", sync, "answers inline, with no job to return: use wait=True with sync=True"
        )


def _submit(
    group: PlanGroup,
    operation: Operation[Any],
    json: Mapping[str, object],
    kind: JobKind,
    result_type: type[R],
    wait: bool,
    timeout: float | None,
    on_progress: Callable[[str], object] | None,
    policy: PollPolicy | None,
    source_image: str | None = None,
) -> Plan[R | Job[R]]:
    conn = group._conn  # pyright: ignore[reportPrivateUsage]  (module-level helper of the group)
    inputs = _inputs_of(json, source_image)
    response = yield from call_raw(conn, operation, json=json)
    data = json_of(response)
    if not isinstance(data, dict):
        raise unreadable(response, TypeError(f"expected a JSON object, got {type(data).__name__}"))
    body = cast("dict[str, object]", data)
    request_id = body.get("request_id")
    if response.status_code == 200:
        # Inline (sync=true) answer: the spec's {image_url, structured_prompt}, or Bria's v2 envelope
        # {"result": {...}, "request_id": ...}.
        inner = body.get("result")
        fields = cast("dict[str, object]", inner) if isinstance(inner, dict) else body
        try:
            result = result_of(kind, fields, str(request_id) if request_id else None)
            return _typed(with_inputs(result, inputs), result_type)
        except KeyError as exc:
            raise unreadable(response, exc) from None
    try:
        request_id = validation.check_request_id("request_id", request_id)
    except ValidationError as exc:
        raise unreadable(
            response, ValueError(f"the accepted job has no usable request_id ({exc.rule})")
        ) from None
    given = body.get("status_url")
    status_url: str | None = None  # followed only when it is on the API's origin (it carries the token)
    if given is not None:
        if not isinstance(given, str) or not given.isprintable() or len(given) > 2048:
            raise unreadable(response, ValueError("the accepted job's status_url is not a URL"))
        status_url = given
    job: Job[R] = Job(request_id, status_url, kind, inputs)
    if not wait:
        return job
    return (yield from wait_plan(conn, job, timeout, on_progress, policy))


def _inputs_of(json: Mapping[str, object], source_image: str | None) -> dict[str, str | int | float | None]:
    """What the request asked for, for the result to carry (``save`` writes it into the sidecar)."""
    keep = ("prompt", "negative_prompt", "seed", "aspect_ratio")
    inputs: dict[str, str | int | float | None] = {
        k: v for k, v in json.items() if k in keep and isinstance(v, (str, int, float))
    }
    model_id = json.get("tailored_model_id")
    if isinstance(model_id, (str, int)):
        inputs["model_id"] = str(model_id)
    if source_image is not None:
        inputs["source_image"] = source_image
    return inputs


def _typed(result: GenerationResult, result_type: type[R]) -> R:
    if not isinstance(result, result_type):
        raise KeyError(f"a {result_type.__name__}")
    return result
