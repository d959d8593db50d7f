"""The OpenAPI document the sandbox serves, turned into operations and JSON Schema validators.

The spec is read at run time: from the installed wheel (``bria_tailored_api/openapi.json``) first,
then from a source checkout (``generated/openapi.json``). OpenAPI 3.0 schemas are converted to plain
JSON Schema (``$ref`` resolved, ``nullable`` turned into a ``null`` alternative, ``format: byte``
checked as base64) so ``jsonschema`` can validate requests here and responses in the tests.
"""

from __future__ import annotations

import base64
import binascii
import copy
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .json_types import JSON, JSONObject
from .jsonschema_api import SchemaValidator, draft7_validator, format_checker
from .openapi_types import OpenAPIDocument, OperationObject, ParameterObject, operations_of, shared_parameters

__all__ = [
    "OpenAPIDocument",
    "Operation",
    "Spec",
    "find_spec_path",
    "load_spec",
    "to_json_schema",
    "validator",
]

_OPENAPI_ONLY = (
    "example",
    "examples",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
)


def find_spec_path(explicit: str | Path | None = None) -> Path:
    """Where the repaired spec lives: an explicit path, the installed package, or a source checkout."""
    if explicit is not None:
        return Path(explicit)
    try:
        resource = importlib.resources.files("bria_tailored_api") / "openapi.json"
        if resource.is_file():
            return Path(str(resource))
    except (ImportError, TypeError):
        pass
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "generated" / "openapi.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "cannot find the repaired OpenAPI spec: neither bria_tailored_api/openapi.json (installed wheel) "
        "nor generated/openapi.json (source checkout) exists"
    )


def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


FORMAT_CHECKER = format_checker({"byte": _is_base64})


def to_json_schema(schema: JSON, components: Mapping[str, JSON], _depth: int = 0) -> JSON:
    """Convert an OpenAPI 3.0 schema object to JSON Schema (refs inlined; nullable made explicit)."""
    if _depth > 64:
        raise ValueError("schema nesting too deep (recursive $ref?)")
    if isinstance(schema, list):
        return [to_json_schema(item, components, _depth + 1) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return to_json_schema(components[ref.rsplit("/", 1)[-1]], components, _depth + 1)
    out: JSONObject = {}
    for key, value in schema.items():
        if key in _OPENAPI_ONLY or key == "nullable":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: to_json_schema(sub, components, _depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = to_json_schema(value, components, _depth + 1)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [to_json_schema(sub, components, _depth + 1) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("nullable"):
        enum = out.get("enum")
        if isinstance(enum, list):
            out["enum"] = [*enum, None]
        kind = out.get("type")
        if isinstance(kind, str) and not any(k in out for k in ("allOf", "anyOf", "oneOf")):
            out["type"] = [kind, "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _object_schema(schema: JSON, components: Mapping[str, JSON]) -> JSONObject:
    """A schema object converted to JSON Schema (which is an object too)."""
    converted = to_json_schema(schema, components)
    if not isinstance(converted, dict):
        raise TypeError(f"a schema must be a JSON object, not {type(converted).__name__}")
    return converted


@dataclass(frozen=True)
class Parameter:
    """One path or query parameter of an operation, with its converted schema."""

    name: str
    location: str
    required: bool
    schema: JSONObject


@dataclass
class Operation:
    """One operation of the spec: where it lives, what it accepts and what it may answer."""

    operation_id: str
    method: str
    path: str
    summary: str
    parameters: list[Parameter]
    body_schema: JSONObject | None
    body_required: bool
    responses: dict[str, JSONObject | None]
    path_regex: re.Pattern[str] = field(repr=False, default=re.compile(""))

    def response_schema(self, status: int) -> JSONObject | None:
        """The documented JSON schema for a status code or its range (``None``: documented without a body)."""
        exact = self.responses.get(str(status))
        return exact if exact is not None else self.responses.get(f"{str(status)[0]}XX")

    def documents(self, status: int) -> bool:
        """Whether the operation documents ``status``, exactly or by its range (``5XX``); not ``default``."""
        return str(status) in self.responses or f"{str(status)[0]}XX" in self.responses


class Spec:
    """The loaded spec: operations by id, validators, and the component schemas as JSON Schema."""

    def __init__(self, document: OpenAPIDocument, source: Path | None = None) -> None:
        self.document = document
        self.source = source
        self.components: JSONObject = document.get("components", {}).get("schemas", {})
        self.operations: dict[str, Operation] = {}
        for path, item in document["paths"].items():
            shared = shared_parameters(item)
            for method, op in operations_of(item):
                self.operations[op["operationId"]] = self._operation(path, method, op, shared)

    def _operation(
        self, path: str, method: str, op: OperationObject, shared: list[ParameterObject]
    ) -> Operation:
        params: list[Parameter] = []
        for raw in [*shared, *op.get("parameters", [])]:
            if raw.get("in") not in ("path", "query"):
                continue
            params.append(
                Parameter(
                    name=raw["name"],
                    location=raw["in"],
                    required=bool(raw.get("required", raw["in"] == "path")),
                    schema=_object_schema(raw.get("schema", {}), self.components),
                )
            )
        body_schema = None
        body_required = False
        request_body = op.get("requestBody")
        if request_body:
            media = request_body.get("content", {}).get("application/json")
            if media is not None:
                body_schema = _object_schema(media.get("schema", {}), self.components)
                body_required = bool(request_body.get("required", False))
        responses: dict[str, JSONObject | None] = {}
        for status, response in op.get("responses", {}).items():
            media = response.get("content", {}).get("application/json")
            schema = media.get("schema") if media else None
            responses[status] = None if schema is None else _object_schema(schema, self.components)
        regex = re.compile("^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", path) + "$")
        return Operation(
            operation_id=op["operationId"],
            method=method.upper(),
            path=path,
            summary=op.get("summary", ""),
            parameters=params,
            body_schema=body_schema,
            body_required=body_required,
            responses=responses,
            path_regex=regex,
        )

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    def schema(self, name: str) -> JSONObject:
        """A component schema converted to JSON Schema."""
        return _object_schema(self.components[name], self.components)

    def match(self, method: str, path: str) -> Operation | None:
        """The operation for a concrete request path (literal paths win over templated ones)."""
        candidates = [op for op in self if op.method == method.upper() and op.path_regex.match(path)]
        candidates.sort(key=lambda op: op.path.count("{"))
        return candidates[0] if candidates else None


def validator(schema: JSONObject) -> SchemaValidator:
    """A Draft 7 validator for a converted schema, checking ``format: byte``."""
    return draft7_validator(schema, FORMAT_CHECKER)


@lru_cache(maxsize=4)
def _load(path: str) -> Spec:
    document: OpenAPIDocument = json.loads(Path(path).read_text(encoding="utf-8"))
    return Spec(document, Path(path))


def load_spec(path: str | Path | None = None) -> Spec:
    """Load (and cache) the repaired spec."""
    return _load(str(find_spec_path(path)))
