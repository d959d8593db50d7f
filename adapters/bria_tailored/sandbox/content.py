"""Deterministic stand-ins for Bria's VLM: visual schemas, captions and structured prompts.

All outputs are JSON objects serialized as strings (as the API returns them), derived only from
their inputs, so the same request always gives the same text.
"""

from __future__ import annotations

import hashlib
import json

from .json_types import JSON, JSONObject

__all__ = ["caption_for", "refine", "structured_prompt_for", "visual_schema_for"]

_STYLES = (
    "flat vector illustration",
    "soft watercolor",
    "studio photography",
    "bold line art",
    "isometric 3D render",
    "muted editorial photography",
    "playful cartoon",
)
_LIGHTING = ("soft diffuse light", "hard rim light", "golden hour", "even studio light", "moody low key")
_COMPOSITION = ("centered subject", "rule of thirds", "close-up", "full body", "wide shot")
_BACKGROUNDS = ("plain white", "solid pastel", "gradient", "textured paper", "outdoor scene")


def _pick(options: tuple[str, ...], *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def parse_json_object(text: str | None) -> JSONObject | None:
    """``text`` parsed as a JSON object, or ``None``."""
    if not text:
        return None
    try:
        value: JSON = json.loads(text)
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def visual_schema_for(image_digests: list[str], colors: list[str]) -> str:
    """A visual schema (the dataset's backbone) from the sample images' digests and mean colours."""
    key = "|".join(image_digests)
    return _dumps(
        {
            "style": _pick(_STYLES, "style", key),
            "colors": sorted(set(colors)),
            "lighting": _pick(_LIGHTING, "light", key),
            "composition": _pick(_COMPOSITION, "comp", key),
            "background": _pick(_BACKGROUNDS, "bg", key),
            "subject": "the recurring subject of the sample images",
        }
    )


def caption_for(visual_schema: str, image_digest: str, image_name: str) -> str:
    """A caption with the visual schema's keys, filled in for one image."""
    schema = parse_json_object(visual_schema) or {"description": visual_schema}
    caption: JSONObject = {}
    for field, value in schema.items():
        if isinstance(value, list):
            caption[field] = value[: max(1, len(value) // 2 + 1)]
        elif isinstance(value, str | int | float | bool):
            caption[field] = f"{value} ({_pick(_COMPOSITION, field, image_digest)})"
        else:
            caption[field] = value
    caption["image"] = image_name
    return _dumps(caption)


def structured_prompt_for(prompt: str | None, base: str | None, visual_schema: str | None, seed: int) -> str:
    """A structured prompt: the visual schema's backbone, refined by an earlier prompt and the text."""
    prompt_obj: JSONObject = dict(parse_json_object(visual_schema) or {})
    prompt_obj.update(parse_json_object(base) or {})
    if prompt:
        prompt_obj["short_description"] = prompt
        prompt_obj["lighting"] = _pick(_LIGHTING, "light", prompt, seed)
        prompt_obj["composition"] = _pick(_COMPOSITION, "comp", prompt, seed)
    prompt_obj.setdefault("style", _pick(_STYLES, "style", prompt, seed))
    return _dumps(prompt_obj)


def refine(structured_prompt: str, instruction: str) -> str:
    """A structured prompt with an instruction applied (recorded under ``refinements``)."""
    value = parse_json_object(structured_prompt) or {}
    earlier = value.get("refinements", [])
    refinements = list(earlier) if isinstance(earlier, list) else []
    value["refinements"] = [*refinements, instruction]
    return _dumps(value)
