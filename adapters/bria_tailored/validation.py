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
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

import httpx

from .errors import ValidationError

if TYPE_CHECKING:
    from .polling import PollPolicy, PollStats

#: A JSON Schema object of the spec, as parsed JSON (its values are whatever the spec holds).
Schema: TypeAlias = Mapping[str, Any]

ILLUSTRATION_ONLY_IP_TYPES = frozenset({"object_variants", "multi_object_set", "icons", "character_variants"})
IMAGE_FORMATS = ("png", "jpeg", "webp")
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
MIN_SIDE = 256
MIN_SIDE_NO_UPSCALE = 1024
#: Bounds of the spec's integer formats; an ``integer`` with no ``format`` is taken as ``int64`` (the widest
#: integer OpenAPI defines, and what a JSON parser on the server side can hold exactly).
INTEGER_FORMATS: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
#: The most images (or jobs) a call uploads at once.
MAX_CONCURRENCY = 64
#: The longest request id accepted (Bria's are 32-36 characters).
MAX_REQUEST_ID = 256


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
    if expected == "integer" and isinstance(value, int):
        check_integer_format(field, value, schema.get("format"))
    if isinstance(value, str) and schema.get("minLength") and len(value) < schema["minLength"]:
        raise ValidationError(field, value, f"must be at least {schema['minLength']} characters")
    if isinstance(value, str) and schema.get("format") == "uri":
        check_absolute_url(field, value)
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


def check_extra_body(schema_name: str, extra: Mapping[str, object]) -> None:
    """Check the fields of a per-call ``extra_body`` that the spec's ``schema_name`` knows; unknown ones pass
    through (a field Bria added before this SDK's spec knows it)."""
    properties: dict[str, Any] = component(schema_name).get("properties") or {}
    for name, value in extra.items():
        if name in properties:
            schema: Schema = properties[name]
            check_value(f"extra_body[{name!r}]", value, schema)


def check_param(operation_id: str, name: str, value: object) -> None:
    """Check a path or query parameter of an operation against its declared schema."""
    schema = _parameters(operation_id).get(name)
    if schema is None:
        raise KeyError(f"{operation_id} has no parameter {name}")
    check_value(name, value, schema)


def check_path_param(operation_id: str, name: str, value: object) -> object:
    """A path parameter of an operation: integer ones are ids (:func:`check_id`), string ones path tokens
    (:func:`check_token`); returns the value to put in the path."""
    schema = _resolve(_parameters(operation_id).get(name) or {})
    if schema.get("type") == "integer":
        return check_id(name, value)
    if schema.get("type") == "string":
        return check_token(name, value)
    check_value(name, value, schema)
    return value


# ------------------------------------------------------------------------------------------- arguments
# One function per rule; every public method checks each of its arguments with these before its first
# request (and, where a wait follows a submit, the wait's arguments before the submit).
def check_integer_format(field: str, value: int, fmt: object = None) -> None:
    """An integer must fit the spec's integer format (``int32``/``int64``; no format means ``int64``)."""
    name = fmt if isinstance(fmt, str) and fmt in INTEGER_FORMATS else "int64"
    lo, hi = INTEGER_FORMATS[name]
    if not lo <= value <= hi:
        raise ValidationError(field, value, f"must fit the spec's integer type ({name}: {lo} to {hi})")


def check_id(field: str, value: object) -> int:
    """An id of a project, dataset, image, model or checkpoint step, as the API's path takes it.

    Valid: an ``int`` (not a ``bool``) from 1 to 2**63-1 (the spec's ``integer`` path type, ``int64``),
    or a string of ASCII digits only (``"42"``, ``"007"``), converted to that ``int``. Everything else is
    refused: 0 and negative numbers, floats (even ``5.0``), booleans, signs, spaces (``"1 "``), non-ASCII
    digits (``"٣"``, ``"²"``), empty strings and numbers too large for ``int64``.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0") or "0"
        if len(digits) > 19:  # more digits than int64 holds (int() of a huge string is slow, or refused)
            raise ValidationError(field, value, "must be a positive integer id that fits int64")
        value = int(digits)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, value, "must be a positive integer id")
    if value > INTEGER_FORMATS["int64"][1]:
        raise ValidationError(field, value, "must be a positive integer id that fits int64")
    return value


def check_model_id(field: str, value: object) -> str:
    """A tailored model id for a generation body (the spec types it ``string``): a model's id as
    :func:`check_id` takes it, sent as its decimal text."""
    return str(check_id(field, value))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_token(field: str, value: object) -> str:
    """A string path segment such as a request id: 1-256 characters, no whitespace or control characters,
    not ``.`` or ``..`` (a path segment of its own)."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, value, "must be a non-empty string")
    if any(ch.isspace() for ch in value) or _has_control(value):
        raise ValidationError(field, value, "must not contain whitespace or control characters")
    if value in (".", "..") or len(value) > MAX_REQUEST_ID:
        raise ValidationError(field, value, f"must be a request id (1-{MAX_REQUEST_ID} characters)")
    check_value(field, value, {"type": "string"})
    return value


def check_request_id(field: str, value: object) -> str:
    """A Status Service request id: a token (:func:`check_token`)."""
    return check_token(field, value)


def check_job_kind(field: str, value: object) -> None:
    """The kind of a :class:`~bria_tailored.types.Job`."""
    if value not in ("image", "structured_prompt", "video"):
        raise ValidationError(field, value, "must be 'image', 'structured_prompt' or 'video'")


def check_seed(field: str, value: object) -> None:
    """A generation seed: the spec's ``seed`` schema (an integer; no range is documented, so the integer
    type's: ``int64``). ``None`` means "pick one"."""
    if value is not None:
        check_value(field, value, component("ImageGenerationRequest")["properties"]["seed"])


def check_bool(field: str, value: object, *, optional: bool = False) -> None:
    """A flag must be ``True`` or ``False`` (``1``, ``"yes"`` and ``None`` are refused unless optional)."""
    if value is None and optional:
        return
    if not isinstance(value, bool):
        raise ValidationError(field, value, "must be True or False")


def check_text(field: str, value: object, *, optional: bool = False) -> None:
    """A name or instruction: a string with something besides whitespace (``None`` only if optional)."""
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "must be a non-empty string")
    check_value(field, value, {"type": "string"})


def check_string(field: str, value: object, *, optional: bool = False) -> None:
    """Free text (descriptions, prompts kept as metadata): any valid Unicode string."""
    if value is None and optional:
        return
    check_value(field, value, {"type": "string"})


def check_timeout(field: str, value: object) -> float | None:
    """A wait's deadline: seconds, a finite real number >= 0 (not a bool, not a string), or ``None`` for
    no deadline (``inf`` is refused: say ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, value, "must be a number of seconds, or None for no deadline")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(field, value, "must be a finite number of seconds, or None for no deadline")
    if value < 0:
        raise ValidationError(field, value, "must be >= 0 seconds, or None for no deadline")
    try:
        return float(value)
    except OverflowError:  # an int too large for a float
        raise ValidationError(field, value, "must be a finite number of seconds, or None") from None


def check_positive_seconds(field: str, value: object) -> float:
    """A transport timeout or a rate: a finite real number > 0 (not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, value, "must be a positive number")
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        raise ValidationError(field, value, "must be a positive, finite number") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValidationError(field, value, "must be a positive, finite number")
    return seconds


def check_count(field: str, value: object, lo: int, hi: int | None = None) -> int:
    """An integer (not a bool) from ``lo`` to ``hi`` (no upper bound when ``hi`` is None)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        rule = (
            f"must be an integer between {lo} and {hi}" if hi is not None else f"must be an integer >= {lo}"
        )
        raise ValidationError(field, value, rule)
    return value


def check_concurrency(field: str, value: object) -> int:
    """How many uploads run at once: an integer from 1 to :data:`MAX_CONCURRENCY`."""
    return check_count(field, value, 1, MAX_CONCURRENCY)


def check_callback(field: str, value: object) -> None:
    """A progress callback: a callable, or ``None``."""
    if value is not None and not callable(value):
        raise ValidationError(field, value, "must be a callable (or None)")


def check_policy(field: str, value: object) -> PollPolicy | None:
    """A poll policy: a :class:`bria_tailored.polling.PollPolicy`, or ``None`` for the wait's preset."""
    from .polling import PollPolicy

    if value is not None and not isinstance(value, PollPolicy):
        raise ValidationError(field, value, "must be a polling.PollPolicy (or None for the preset)")
    return value


def check_stats(field: str, value: object) -> PollStats | None:
    """Poll counters: a :class:`bria_tailored.polling.PollStats`, or ``None``."""
    from .polling import PollStats

    if value is not None and not isinstance(value, PollStats):
        raise ValidationError(field, value, "must be a polling.PollStats (or None)")
    return value


def check_wait(timeout: object, on_progress: object, policy: object) -> None:
    """The arguments of every wait (``timeout``, ``on_progress``, ``policy``): checked before the request
    that the wait follows, so a bad one never leaves a billed job behind."""
    check_timeout("timeout", timeout)
    check_callback("on_progress", on_progress)
    check_policy("policy", policy)


def check_sequence(field: str, value: object, *, optional: bool = False) -> Sequence[object]:
    """A list or tuple of items (a ``str`` or ``bytes`` is one item, not a sequence of them)."""
    if value is None and optional:
        return ()
    if isinstance(value, str) or binary_size(value) is not None or not _is_sequence(value):
        raise ValidationError(field, shown(value), "must be a list or tuple")
    return value


def check_mapping(field: str, value: object, *, optional: bool = False) -> Mapping[str, object]:
    """A mapping with string keys (``None`` only if optional: then an empty one)."""
    if value is None and optional:
        return {}
    if not _is_mapping(value):
        raise ValidationError(field, shown(value), "must be a mapping (a dict)")
    for key in value:
        if not isinstance(key, str):
            raise ValidationError(field, key, "must have string keys")
    return {str(k): v for k, v in value.items()}


def _is_sequence(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, Sequence)


def _is_mapping(value: object) -> TypeGuard[Mapping[object, object]]:
    return isinstance(value, Mapping)


def binary_size(value: object) -> int | None:
    """The size of bytes, a bytearray or a memoryview; None for anything else."""
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, memoryview):
        return value.nbytes
    return None


def shown(value: object) -> object:
    """What a message shows of a value that has the wrong type (never its bytes)."""
    size = binary_size(value)
    return value if size is None else f"<{size} bytes>"


def check_datetime(field: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, datetime):
        raise ValidationError(field, value, "must be a datetime")


def check_absolute_url(field: str, value: object) -> str:
    """An absolute URL: a scheme and a host (parsed by ``httpx.URL``), no whitespace or control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, shown(value), "must be a URL (a non-empty string)")
    if any(ch.isspace() for ch in value) or _has_control(value):
        raise ValidationError(field, value, "must be a URL without whitespace or control characters")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ValidationError(field, value, "must be a valid URL") from None
    if not url.scheme or not url.host:
        raise ValidationError(field, value, "must be an absolute URL with a scheme and a host")
    if url.port is not None and not 1 <= url.port <= 65535:
        raise ValidationError(field, value, "must have a port from 1 to 65535")
    return value


def check_http_url(field: str, value: object, *, base: bool = False) -> str:
    """An absolute ``http://`` or ``https://`` URL with a host. ``base=True`` (an API base URL): no query
    string, fragment or credentials either."""
    check_absolute_url(field, value)
    assert isinstance(value, str)
    url = httpx.URL(value)
    if url.scheme not in ("http", "https"):
        raise ValidationError(field, value, "must be an http:// or https:// URL")
    if base and (url.query or url.fragment or url.userinfo):
        raise ValidationError(field, value, "must be a base URL: no query, fragment or credentials")
    return value


def check_operation_id(field: str, value: object) -> str:
    """An operationId of the spec, as text (which one is checked against the operation table)."""
    check_text(field, value)
    assert isinstance(value, str)
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
