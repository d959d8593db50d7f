"""What every resource group shares: the connection its plans use, and request-body helpers.

Each group (``ProjectPlans``, ``DatasetPlans``, ...) is written once, as methods that return plans
(:mod:`bria_tailored._plan`). ``scripts/gen_facade.py`` writes the sync and async classes users hold
(``client.projects``, ...) from these: each of their methods runs the plan of the same name on the
client's engine, so validation, request building and parsing exist once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Self

from .. import validation
from ..errors import ValidationError
from ..transport import Connection, RequestOptions


class PlanGroup:
    """A group of operations as plans (``client.projects`` is the engine-bound twin of one)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def with_request_options(
        self,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        request_timeout: float | None = None,
    ) -> Self:
        """This group with per-call request options (every method of the facade takes them)."""
        if extra_body is None and extra_query is None and extra_headers is None and request_timeout is None:
            return self
        validation.check_mapping("extra_body", extra_body, optional=True)
        validation.check_mapping("extra_query", extra_query, optional=True)
        validation.check_mapping("extra_headers", extra_headers, optional=True)
        for name, value in (extra_headers or {}).items():
            if not isinstance(value, str):
                raise ValidationError(f"extra_headers[{name!r}]", value, "must be a string")
            if name.lower() == "api_token":
                raise ValidationError("extra_headers", name, "must not set api_token (the client sends it)")
        if request_timeout is not None and (
            isinstance(request_timeout, bool)
            or not isinstance(request_timeout, (int, float))
            or not math.isfinite(request_timeout)
            or request_timeout <= 0
        ):
            raise ValidationError(
                "request_timeout", request_timeout, "must be a positive, finite number of seconds"
            )
        options = RequestOptions(extra_body, extra_query, extra_headers, request_timeout)
        return type(self)(dataclasses.replace(self._conn, options=options))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def compact(**fields: object) -> dict[str, Any]:
    """The keyword arguments that were given (not None), enum members reduced to their values."""
    return {k: getattr(v, "value", v) for k, v in fields.items() if v is not None}


def checked(schema_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` after validation against the spec's ``schema_name`` (raises ``ValidationError``)."""
    validation.check_body(schema_name, payload)
    return dict(payload)
