"""Request validation against the spec: path/query parameters and JSON bodies.

Violations become Bria's 400 body ``{"errors": [{"msg", "field_name", "field_input"}]}`` (see
``errors.py``, whose helpers the business rules use for the same shape).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .errors import FieldError, as_text, field_error
from .json_types import JSON, JSONObject
from .jsonschema_api import SchemaError
from .spec import Operation, validator

__all__ = ["FieldError", "coerce_param", "field_error", "validate_body", "validate_params"]


def _schema_errors(schema: JSONObject, instance: JSON, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    for error in sorted(validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = [str(part) for part in error.absolute_path]
        name = ".".join([prefix, *path] if prefix else path)
        required, found = error.validator_value, error.instance
        if error.validator == "required" and isinstance(found, dict) and isinstance(required, list):
            missing = [r for r in required if isinstance(r, str) and r not in found]
            for prop in missing:
                errors.append(field_error("field required", ".".join(filter(None, [name, prop]))))
            continue
        errors.append(field_error(_message(error), name or None, error.instance))
    return errors


def _message(error: SchemaError) -> str:
    if error.validator == "format" and error.validator_value == "byte":
        return "value is not valid base64"
    if error.validator in ("anyOf", "oneOf", "allOf") and error.context:
        return min(error.context, key=lambda e: len(e.message)).message
    return error.message[:300]


def coerce_param(raw: str, schema: JSONObject) -> JSON:
    """Turn a path/query string into the type its schema asks for (unchanged when it cannot)."""
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        return raw
    return raw


def validate_params(
    op: Operation, path_params: dict[str, str], query: dict[str, str]
) -> tuple[JSONObject, list[FieldError]]:
    """Coerce and validate parameters; returns the typed values (defaults applied) and errors."""
    values: JSONObject = {}
    errors: list[FieldError] = []
    for param in op.parameters:
        source = path_params if param.location == "path" else query
        if param.name not in source:
            if param.required:
                errors.append(field_error("field required", param.name))
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        value = coerce_param(source[param.name], param.schema)
        found = _schema_errors(param.schema, value)
        for entry in found:
            entry["field_name"] = param.name
            entry["field_input"] = as_text(source[param.name])
        errors.extend(found)
        values[param.name] = value
    return values, errors


def validate_body(
    op: Operation, raw: bytes, prepare: Callable[[JSON], JSON] | None = None
) -> tuple[JSON, list[FieldError]]:
    """Parse and validate a JSON body (an empty body counts as absent); ``prepare`` sees it parsed, before
    validation."""
    if op.body_schema is None:
        return None, []
    if not raw.strip():
        if op.body_required:
            return None, [field_error("request body required (JSON)", "body")]
        return {}, []
    try:
        body: JSON = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, [field_error(f"invalid JSON: {exc}", "body")]
    if prepare is not None:
        body = prepare(body)
    return body, _schema_errors(op.body_schema, body)
