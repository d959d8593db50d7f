"""Handlers of generation with a tailored model: images, structured prompts and videos.

Each request makes its output at once and files a job in the Status Service (``status.py``), which
shows it ``IN_PROGRESS`` for ``job_seconds``; ``sync=true`` answers with the result instead. The
``[sandbox:error]`` marker makes the job end in ``ERROR`` (or a sync request answer 500).

Decisions where the sandbox follows its spec:

- A ``sync=true`` answer carries exactly what the spec documents: ``ImageGenerationResult``
  ``{image_url, structured_prompt}`` and ``StructuredPromptResult`` ``{structured_prompt}``. The seed,
  prompt and request id the sandbox used to add are not documented there (the Status Service's
  ``result`` documents ``seed``; an async job's result keeps it).
- ``webhook_url`` (docs.bria.ai ``webhooks``: accepted by every async v2 endpoint; the spec may not list
  it yet, so its type is checked here) makes the job's final status POSTed there, signed (``webhooks.py``).
  It must be an http(s) URL on loopback or allowed by ``fetch_allow`` (else 400 on ``webhook_url``);
  with ``sync=true`` nothing is delivered (the answer is the result).
"""

from __future__ import annotations

import asyncio
import json
import random

from .. import media
from ..content import parse_json_object, structured_prompt_for
from ..errors import ApiError, field_problem, message
from ..json_types import JSON
from ..lifecycle import ERROR_MARKER
from ..netpolicy import origin_of
from ..records import JobError, JobKind, JobRecord, JobResult, ModelRecord
from ..service import Sandbox
from ..views import result_view, status_view
from ..webhooks import signing_key
from .base import Call, Reply, handles
from .bodies import ImageGenerationRequest, StructuredPromptRequest, VideoGenerationRequest

__all__ = ["generate_image", "generate_structured_prompt", "generate_video"]


def _generation_model(sb: Sandbox, raw_id: str, missing_status: int) -> ModelRecord:
    try:
        model_id = int(str(raw_id).strip())
    except ValueError as exc:
        raise field_problem(
            "tailored_model_id must be the id of a tailored model", "tailored_model_id", raw_id
        ) from exc
    model = sb.store.models.get(model_id)
    if model is None:
        if missing_status == 404:
            raise message(404, f"Tailored model {model_id} not found")
        raise ApiError(403, "Access denied: the model does not belong to your organization")
    if model["status"] != "Completed":
        raise message(
            400,
            f"Model {model_id} cannot generate yet: its status is {model['status']} "
            "(only Completed models can generate)",
        )
    return model


def _visual_schema_of(sb: Sandbox, model: ModelRecord) -> str | None:
    dataset = sb.store.datasets.get(model.get("dataset_id"))
    return dataset.get("visual_schema") if dataset else None


def _new_job(
    sb: Sandbox, now: float, kind: JobKind, result: JobResult | None, error: JobError | None
) -> JobRecord:
    request_id = sb.new_hex()
    job: JobRecord = {
        "request_id": request_id,
        "kind": kind,
        "created": now,
        "ready_at": now + sb.options.duration("job"),
        "result": result,
        "error": error,
    }
    return sb.store.jobs.put(request_id, job)


def _webhook_url(sb: Sandbox, value: object) -> str | None:
    """The request's ``webhook_url`` once checked (``None`` without one); a 400 when it may not be used."""
    if value is None:
        return None
    if not isinstance(value, str) or origin_of(value) is None:
        raise field_problem("webhook_url must be an http(s) URL", "webhook_url", value)
    if not sb.fetcher.policy.may_post(value):
        raise field_problem(
            "the sandbox delivers webhooks only to loopback URLs and to fetch_allow entries",
            "webhook_url",
            value,
        )
    return value


def _notify(sb: Sandbox, job: JobRecord, url: str | None, base_url: str, api_token: str) -> None:
    """Deliver the job's final status to ``url`` once it ends (in the background)."""
    if url is None:
        return
    key = signing_key(api_token)

    async def deliver() -> None:
        await sb.sleep_until(job["ready_at"])
        body = json.dumps(status_view(job, sb.now(), base_url)).encode()
        await sb.webhooks.deliver(url, job["request_id"], body, key)

    sb.spawn(deliver())


def _accepted(base_url: str, job: JobRecord) -> Reply:
    return Reply(
        202, {"request_id": job["request_id"], "status_url": f"{base_url}/v2/status/{job['request_id']}"}
    )


def _palette(structured: str) -> list[JSON]:
    """The ``colors`` of a structured prompt (a JSON string), so images wear the trained style."""
    prompt = parse_json_object(structured)
    colors = prompt.get("colors", []) if prompt is not None else []
    return colors if isinstance(colors, list) else []


def _seed(seed: int | None) -> int:
    return int(seed) if seed is not None else random.Random().randrange(2**31)


def _error(marker_source: str) -> JobError:
    return {
        "code": 500,
        "message": "Generation failed (sandbox marker " + ERROR_MARKER + ")",
        "details": f"The request contained {ERROR_MARKER}, which makes sandbox jobs end in ERROR: "
        f"{marker_source[:100]}",
    }


@handles("generate-image")
async def generate_image(sb: Sandbox, call: Call[ImageGenerationRequest]) -> Reply:
    body = call.body
    prompt, base = body.get("prompt"), body.get("structured_prompt")
    if not prompt and not base:
        raise field_problem("provide 'prompt', 'structured_prompt' (with 'seed'), or both", "prompt")
    if base is not None and parse_json_object(base) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object", "structured_prompt", base
        )
    if base and not prompt and body.get("seed") is None:
        raise field_problem("recreating an image from a structured_prompt requires 'seed'", "seed")
    model = _generation_model(sb, body["tailored_model_id"], 403)
    webhook = None if body.get("sync") else _webhook_url(sb, body.get("webhook_url"))
    seed = _seed(body.get("seed"))
    text = f"{prompt or ''} {base or ''}"
    error = _error(text) if ERROR_MARKER in text else None
    result: JobResult | None = None
    if error is None:
        structured = structured_prompt_for(prompt, base, _visual_schema_of(sb, model), seed)
        width, height = media.aspect_dimensions(body.get("aspect_ratio", "1:1"), sb.options.image_scale)
        png = await asyncio.to_thread(
            media.generate_png,
            width,
            height,
            "image",
            model["id"],
            structured,
            seed,
            body.get("negative_prompt", ""),
            palette=_palette(structured),
        )
        key = sb.put_file("outputs/images", png, "image/png", "png")
        result = {"_image": key, "structured_prompt": structured, "seed": seed, "prompt": prompt or ""}
    job = _new_job(sb, call.now, "image", result, error)
    if body.get("sync"):
        if error is not None:
            raise message(500, error["message"])
        if result is not None:
            view = result_view(result, call.base_url)
            return Reply(
                200, {"image_url": view["image_url"], "structured_prompt": result["structured_prompt"]}
            )
    _notify(sb, job, webhook, call.base_url, call.api_token)
    return _accepted(call.base_url, job)


@handles("generate-structured-prompt")
async def generate_structured_prompt(sb: Sandbox, call: Call[StructuredPromptRequest]) -> Reply:
    body = call.body
    prompt, base = body.get("prompt"), body.get("structured_prompt")
    if not prompt:
        raise field_problem(
            "provide 'prompt' (text only) or 'structured_prompt' and 'prompt' (refinement)", "prompt", prompt
        )
    if base is not None and parse_json_object(base) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object", "structured_prompt", base
        )
    model = _generation_model(sb, body["tailored_model_id"], 403)
    webhook = None if body.get("sync") else _webhook_url(sb, body.get("webhook_url"))
    seed = _seed(body.get("seed"))
    text = f"{prompt} {base or ''}"
    error = _error(text) if ERROR_MARKER in text else None
    result: JobResult | None = None
    if error is None:
        structured = structured_prompt_for(prompt, base, _visual_schema_of(sb, model), seed)
        result = {"structured_prompt": structured, "seed": seed}
    job = _new_job(sb, call.now, "structured_prompt", result, error)
    if body.get("sync"):
        if error is not None:
            raise message(500, error["message"])
        if result is not None:
            return Reply(200, {"structured_prompt": result["structured_prompt"]})
    _notify(sb, job, webhook, call.base_url, call.api_token)
    return _accepted(call.base_url, job)


@handles("generate-video")
async def generate_video(sb: Sandbox, call: Call[VideoGenerationRequest]) -> Reply:
    body = call.body
    model = _generation_model(sb, body["tailored_model_id"], 404)
    webhook = _webhook_url(sb, body.get("webhook_url"))
    data, _ = await sb.fetcher.read_image_input(body["image"], "image", sb.options.max_image_bytes)
    info = media.sniff_image(data)
    if info is None:
        raise message(415, "image: unsupported image format (use jpg, jpeg, png or webp)")
    seed = _seed(body.get("seed"))
    scale = min(1.0, 320 / max(info.width, info.height))
    width, height = max(2, int(info.width * scale) // 2 * 2), max(2, int(info.height * scale) // 2 * 2)
    error = _error(body["image"]) if ERROR_MARKER in body["image"] else None
    result: JobResult | None = None
    if error is None:
        frames = await asyncio.to_thread(media.video_frames, data, width, height, 10, model["id"], seed)
        video = media.generate_mp4(frames, width, height, duration_ms=5000)
        key = sb.put_file("outputs/videos", video, "video/mp4", "mp4")
        result = {"_video": key, "seed": seed}
    job = _new_job(sb, call.now, "video", result, error)
    _notify(sb, job, webhook, call.base_url, call.api_token)
    return _accepted(call.base_url, job)
