"""Checks on what the SDK is about to send, run before any network call.

Two sources of rules:

* the repaired spec (``generated/openapi.json``, shipped in the wheel): types, enums, numeric ranges,
  array lengths and required fields of every request body and parameter — read lazily, once, so a spec
  regeneration updates the rules with no code change;
* the rules Bria states only in prose (IP-type rules, mutually exclusive inputs, JSON-in-a-string fields,
  image formats and resolutions), written out below.

Every failure raises :class:`bria_tailored.errors.ValidationError` naming the field, the value and the rule.
"""

from __future__ import annotations

import functools
import json
import math
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias, TypeGuard

from .errors import ValidationError

#: A JSON Schema object of the spec, as parsed JSON (its values are whatever the spec holds).
Schema: TypeAlias = Mapping[str, Any]

ILLUSTRATION_ONLY_IP_TYPES = frozenset({"object_variants", "multi_object_set", "icons", "character_variants"})
IMAGE_FORMATS = ("png", "jpeg", "webp")
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
MIN_SIDE = 256
MIN_SIDE_NO_UPSCALE = 1024


# ------------------------------------------------------------------------------------------ the spec
@functools.cache
def spec() -> dict[str, Any]:
    """The repaired spec: from the installed ``bria_tailored_api`` package, else the source checkout."""
    import bria_tailored_api

    package_dir = Path(bria_tailored_api.__file__).resolve().parent
    for candidate in (package_dir / "openapi.json", package_dir.parent / "openapi.json"):
        if candidate.exists():
            document: object = json.loads(candidate.read_text(encoding="utf-8"))
            if not _is_object(document):
                raise ValueError(f"{candidate} does not hold an OpenAPI document")
            return document
    raise FileNotFoundError("generated openapi.json not found beside bria_tailored_api")


def _is_object(value: object) -> TypeGuard[dict[str, Any]]:
    """A JSON object of the spec."""
    return isinstance(value, dict)


def _is_array(value: object) -> TypeGuard[list[object] | tuple[object, ...]]:
    return isinstance(value, (list, tuple))


def _resolve(schema: Schema) -> dict[str, Any]:
    """Follow ``$ref`` and single-element ``allOf`` wrappers, keeping sibling keywords (default, docs)."""
    out = dict(schema)
    while True:
        if "$ref" in out:
            target = spec()["components"]["schemas"][out.pop("$ref").rsplit("/", 1)[-1]]
            out = {**target, **out}
        elif "allOf" in out and len(out["allOf"]) == 1:
            inner = out.pop("allOf")[0]
            out = {**_resolve(inner), **out}
        else:
            return out


@functools.cache
def component(name: str) -> dict[str, Any]:
    """A component schema with ``$ref``/``allOf`` resolved (cached: treat the result as read-only)."""
    return _resolve({"$ref": f"#/components/schemas/{name}"})


@functools.cache
def _parameters(operation_id: str) -> dict[str, dict[str, Any]]:
    for item in spec()["paths"].values():
        for op in item.values():
            if _is_object(op) and op.get("operationId") == operation_id:
                params: list[dict[str, Any]] = op.get("parameters", [])
                return {param["name"]: param.get("schema", {}) for param in params}
    raise KeyError(f"no operation {operation_id!r} in the spec")


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}


def check_value(field: str, value: object, schema: Schema) -> None:
    """Check one value against a (resolved) schema: type, enum, range, length."""
    schema = _resolve(schema)
    if value is None:
        if schema.get("nullable"):
            return
        raise ValidationError(field, value, "must not be None")
    expected = schema.get("type")
    if expected:
        allowed = _TYPES.get(expected, (object,))
        if isinstance(value, bool) and expected in ("integer", "number"):
            raise ValidationError(field, value, f"must be {expected}, not a boolean")
        if not isinstance(value, allowed):
            raise ValidationError(field, value, f"must be {expected}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(field, value, "must be a finite number (JSON has no NaN or Infinity)")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(field, value, "must be valid Unicode text (no lone surrogates)") from None
    enum = schema.get("enum")
    if enum is not None:
        raw: object = getattr(value, "value", value)
        if raw not in enum:
            raise ValidationError(field, value, f"must be one of {', '.join(map(str, enum))}")
    if isinstance(value, (int, float)):
        if "minimum" in schema and value < schema["minimum"]:
            raise ValidationError(field, value, _range_rule(schema))
        if "maximum" in schema and value > schema["maximum"]:
            raise ValidationError(field, value, _range_rule(schema))
    if isinstance(value, str) and schema.get("minLength") and len(value) < schema["minLength"]:
        raise ValidationError(field, value, f"must be at least {schema['minLength']} characters")
    if expected == "array" and _is_array(value):
        _check_items(field, value, schema)


def _check_items(field: str, value: list[object] | tuple[object, ...], schema: Schema) -> None:
    if ("minItems" in schema and len(value) < schema["minItems"]) or (
        "maxItems" in schema and len(value) > schema["maxItems"]
    ):
        lo, hi = schema.get("minItems", 0), schema.get("maxItems")
        rule = f"must hold {lo}-{hi} items" if hi is not None else f"must hold at least {lo} items"
        raise ValidationError(field, f"<{len(value)} items>", rule)
    items = schema.get("items")
    if items:
        for i, item in enumerate(value):
            check_value(f"{field}[{i}]", item, items)


def _range_rule(schema: Schema) -> str:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        return f"must be between {lo:g} and {hi:g}"
    if lo is not None:
        return f"must be at least {lo:g}"
    return f"must be at most {hi:g}"


def check_body(schema_name: str, body: Mapping[str, object]) -> None:
    """Check a request body against its component schema: known fields, required fields, each value."""
    schema = component(schema_name)
    props = schema.get("properties", {})
    for name in body:
        if name not in props:
            raise ValidationError(
                name, body[name], f"is not a field of {schema_name} (known: {', '.join(props)})"
            )
    for name in schema.get("required", []):
        if body.get(name) is None:
            raise ValidationError(name, None, f"is required by {schema_name}")
    for name, value in body.items():
        check_value(name, value, props[name])


def check_param(operation_id: str, name: str, value: object) -> None:
    """Check a path or query parameter of an operation against its declared schema."""
    schema = _parameters(operation_id).get(name)
    if schema is None:
        raise KeyError(f"{operation_id} has no parameter {name}")
    check_value(name, value, schema)


def check_id(field: str, value: object) -> int:
    """Ids are positive integers (strings of digits are accepted and converted)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, value, "must be a positive integer id")
    return value


# ----------------------------------------------------------------------------------- prose-only rules
def check_project(body: Mapping[str, object], *, creating: bool) -> None:
    """IP rules of create-project: illustration-only types, ip_name and ip_description requirements."""
    ip_type = _raw(body.get("ip_type"))
    ip_medium = _raw(body.get("ip_medium"))
    for name in ("project_name", "ip_name", "ip_description"):
        text = body.get(name)
        if isinstance(text, str) and not text.strip():
            raise ValidationError(name, text, "must not be empty")
    if not creating:
        return
    if ip_type in ILLUSTRATION_ONLY_IP_TYPES and ip_medium != "illustration":
        raise ValidationError(
            "ip_type", ip_type, f"is available only with ip_medium='illustration' (got {ip_medium!r})"
        )
    if ip_type == "defined_character" and not body.get("ip_name"):
        raise ValidationError("ip_name", body.get("ip_name"), "is required when ip_type='defined_character'")
    if ip_type in ("defined_character", "object_variants") and not body.get("ip_description"):
        raise ValidationError(
            "ip_description", body.get("ip_description"), f"is required when ip_type={ip_type!r}"
        )


def check_json_string(field: str, value: object, *, object_required: bool = True) -> None:
    """A field that carries JSON inside a string (structured prompts, captions, visual schemas)."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "must be a string holding JSON")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValidationError(field, value, f"must be valid JSON ({exc.msg} at position {exc.pos})") from None
    if object_required and not isinstance(parsed, dict):
        raise ValidationError(field, value, "must be a JSON object")


def check_generation_inputs(prompt: object, structured_prompt: object, seed: object) -> None:
    """Exactly one of: prompt; structured_prompt + seed (recreate); structured_prompt + prompt (refine)."""
    if prompt is None and structured_prompt is None:
        raise ValidationError("prompt", None, "give prompt, structured_prompt with seed, or both")
    if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
        raise ValidationError("prompt", prompt, "must be a non-empty string")
    if structured_prompt is not None:
        check_json_string("structured_prompt", structured_prompt)
        if prompt is None and seed is None:
            raise ValidationError(
                "seed", None, "is required with structured_prompt alone (recreating an image needs its seed)"
            )


def check_caption_update(caption: object, regenerate: bool) -> None:
    if caption is not None and regenerate:
        raise ValidationError("caption", caption, "give caption or regenerate=True, not both")
    if caption is None and not regenerate:
        raise ValidationError("caption", None, "give caption (a JSON string) or regenerate=True")
    if caption is not None:
        check_json_string("caption", caption)


def _raw(value: object) -> object:
    return getattr(value, "value", value)


# --------------------------------------------------------------------------------------------- images
def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) read from the header of PNG, JPEG or WebP bytes; None if not one of them."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8 " and len(data) >= 30:
            width, height = struct.unpack("<HH", data[26:30])
            return "webp", width & 0x3FFF, height & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X" and len(data) >= 30:
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return "webp", width, height
    return None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "jpeg", width, height
        i += 2 + length
    return None


def check_image(
    field: str, data: bytes, *, name: str | None = None, increase_resolution: bool = True
) -> tuple[str, int, int]:
    """The image must be PNG, JPEG or WebP, not truncated, and large enough for the upload rule."""
    label = name or field
    info = image_info(data)
    if info is None:
        raise ValidationError(field, label, "must be a jpg, jpeg, png or webp image")
    fmt, width, height = info
    if fmt == "png" and not data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        raise ValidationError(field, label, "is a truncated PNG file")
    if fmt == "jpeg" and b"\xff\xd9" not in data[-64:]:
        raise ValidationError(field, label, "is a truncated JPEG file")
    minimum = MIN_SIDE if increase_resolution else MIN_SIDE_NO_UPSCALE
    if min(width, height) < minimum:
        why = "" if increase_resolution else " (increase_resolution=False)"
        raise ValidationError(
            field, label, f"is {width}x{height}px; images must be at least {minimum}x{minimum}px{why}"
        )
    return fmt, width, height
