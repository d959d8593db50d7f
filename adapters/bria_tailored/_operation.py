"""One API operation as data: method, path, parameters and how to read each documented response.

:mod:`bria_tailored._operations` (written by ``scripts/regenerate.py`` from ``generated/openapi.json``)
holds one :class:`Operation` per operationId. The facade builds requests from these and parses responses
with the generated package's public models (``bria_tailored_api.models.*.from_dict``), imported on first
use: a model or an operation removed upstream breaks only the facade methods that use it (and mypy names
them), never ``import bria_tailored``.
"""

from __future__ import annotations

import importlib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, cast

import httpx

R = TypeVar("R")

#: How a response body is read: ``("model", "module:Class")``, ``("list", "module:Class")``, ``("json", "")``
#: (kept as parsed JSON) or ``("empty", "")`` (no body: the call returns None).
Reader = tuple[Literal["model", "list", "json", "empty"], str]


@dataclass(frozen=True)
class Operation(Generic[R]):
    """An operation of the repaired spec. ``R`` is what a successful call returns (typed by the table)."""

    operation_id: str
    method: str
    path: str
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    query_defaults: Mapping[str, object] = field(default_factory=lambda: {})
    body_schema: str | None = None
    responses: Mapping[int, Reader] = field(default_factory=lambda: {})

    @property
    def name(self) -> str:
        """The Python name of the operation (``create-project`` -> ``create_project``)."""
        return self.operation_id.replace("-", "_")

    def url_path(self, path_params: Mapping[str, object]) -> str:
        """The path with its parameters filled in (each percent-encoded)."""
        missing = [p for p in self.path_params if p not in path_params]
        if missing:
            raise TypeError(f"{self.operation_id}: missing path parameter(s) {', '.join(missing)}")
        values = {k: urllib.parse.quote(str(v), safe="") for k, v in path_params.items()}
        return self.path.format(**values)

    def read(self, response: httpx.Response) -> R:
        """Parse a successful response into the documented model (``None`` for an empty body).

        Raises ``ValueError``/``KeyError``/``TypeError`` when the body does not match; the caller turns
        that into a ``ResponseFormatError``-style API error.
        """
        kind, target = self.responses.get(response.status_code) or self._fallback()
        if kind == "empty" or (kind == "json" and not response.content):
            return cast(R, None)
        data: Any = response.json() if response.content else None
        if kind == "json":
            return cast(R, data)
        cls = _model_class(target)
        if kind == "list":
            if not isinstance(data, list):
                raise TypeError(f"expected a JSON array, got {type(data).__name__}")
            items = cast("list[object]", data)
            return cast(R, [cls.from_dict(item) for item in items])
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        return cast(R, cls.from_dict(data))

    def _fallback(self) -> Reader:
        # An undocumented 2xx: read it like the only documented success shape, else keep the JSON.
        shapes = set(self.responses.values())
        return shapes.pop() if len(shapes) == 1 else ("json", "")


def _model_class(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"bria_tailored_api.models.{module}"), name)
