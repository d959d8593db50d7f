"""Handlers of the VLM stand-ins: a visual schema from sample images, and refining a structured prompt
(see ``content.py`` for how their texts are made)."""

from __future__ import annotations

import hashlib

from .. import media
from ..content import parse_json_object, refine, visual_schema_for
from ..errors import field_problem, message
from ..service import Sandbox
from .base import Call, Reply, handles
from .bodies import RefineStructuredPromptRequest, VisualSchemaRequest

__all__ = ["generate_visual_schema", "refine_structured_prompt"]


@handles("generate-visual-schema")
async def generate_visual_schema(sb: Sandbox, call: Call[VisualSchemaRequest]) -> Reply:
    digests: list[str] = []
    colors: list[str] = []
    for index, value in enumerate(call.body["images"]):
        data, _ = await sb.fetcher.read_image_input(
            value, f"images.{index}", sb.options.max_image_bytes, status=400
        )
        if media.sniff_image(data) is None:
            raise message(415, f"images.{index}: unsupported image format (use jpg, jpeg, png or webp)")
        digests.append(hashlib.sha256(data).hexdigest())
        colors.append(media.average_color(data))
    return Reply(200, {"visual_schema": visual_schema_for(digests, colors)})


@handles("refine-structured-prompt")
async def refine_structured_prompt(sb: Sandbox, call: Call[RefineStructuredPromptRequest]) -> Reply:
    body = call.body
    dataset = sb.dataset(body["dataset_id"])
    if dataset["status"] != "draft":
        raise message(400, "The referenced dataset must be in draft mode")
    if parse_json_object(body["structured_prompt"]) is None:
        raise field_problem(
            "structured_prompt must be a string holding a JSON object",
            "structured_prompt",
            body["structured_prompt"],
        )
    return Reply(200, {"structured_prompt": refine(body["structured_prompt"], body["instruction"])})
