"""The part of an OpenAPI 3.0 document the sandbox reads, as TypedDicts.

``spec.py`` gives the parsed ``openapi.json`` the type :class:`OpenAPIDocument` (the repaired spec is
valid OpenAPI 3.0, which ``scripts/regenerate.py`` checks) and reads it through these keys only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NotRequired, TypedDict

from .json_types import JSONObject

__all__ = [
    "ComponentsObject",
    "MediaTypeObject",
    "OpenAPIDocument",
    "OperationObject",
    "ParameterObject",
    "PathItemObject",
    "RequestBodyObject",
    "ResponseObject",
    "operations_of",
    "shared_parameters",
]

ParameterObject = TypedDict(
    "ParameterObject",
    {"name": str, "in": str, "required": NotRequired[bool], "schema": NotRequired[JSONObject]},
)


class MediaTypeObject(TypedDict, total=False):
    schema: JSONObject


class RequestBodyObject(TypedDict, total=False):
    content: dict[str, MediaTypeObject]
    required: bool


class ResponseObject(TypedDict, total=False):
    content: dict[str, MediaTypeObject]


class OperationObject(TypedDict):
    operationId: str
    summary: NotRequired[str]
    parameters: NotRequired[list[ParameterObject]]
    requestBody: NotRequired[RequestBodyObject]
    responses: NotRequired[dict[str, ResponseObject]]


class PathItemObject(TypedDict, total=False):
    """HTTP methods to operations, plus shared parameters (read it with :func:`operations_of`)."""

    parameters: list[ParameterObject]
    get: OperationObject
    put: OperationObject
    post: OperationObject
    delete: OperationObject
    patch: OperationObject
    head: OperationObject
    options: OperationObject


class ComponentsObject(TypedDict, total=False):
    schemas: JSONObject


class OpenAPIDocument(TypedDict):
    paths: dict[str, PathItemObject]
    components: NotRequired[ComponentsObject]


def operations_of(item: PathItemObject) -> Iterator[tuple[str, OperationObject]]:
    """The operations of a path item, in a fixed method order."""
    # Indexing after an ``in`` test: pyright types ``item.get("get")`` as ``object`` (the key is named get).
    if "get" in item:
        yield "get", item["get"]
    if "put" in item:
        yield "put", item["put"]
    if "post" in item:
        yield "post", item["post"]
    if "delete" in item:
        yield "delete", item["delete"]
    if "patch" in item:
        yield "patch", item["patch"]
    if "head" in item:
        yield "head", item["head"]
    if "options" in item:
        yield "options", item["options"]


def shared_parameters(item: PathItemObject) -> list[ParameterObject]:
    """The parameters a path item declares for all of its operations."""
    return item["parameters"] if "parameters" in item else []
