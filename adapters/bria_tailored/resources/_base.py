"""What every resource group shares: the connection its plans use, and request-body helpers.

Each group (``ProjectPlans``, ``DatasetPlans``, ...) is written once, as methods that return plans
(:mod:`bria_tailored._plan`). ``scripts/gen_facade.py`` writes the sync and async classes users hold
(``client.projects``, ...) from these: each of their methods runs the plan of the same name on the
client's engine, so validation, request building and parsing exist once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import validation
from ..transport import Connection


class PlanGroup:
    """A group of operations as plans (``client.projects`` is the engine-bound twin of one)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def compact(**fields: object) -> dict[str, Any]:
    """The keyword arguments that were given (not None), enum members reduced to their values."""
    return {k: getattr(v, "value", v) for k, v in fields.items() if v is not None}


def checked(schema_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` after validation against the spec's ``schema_name`` (raises ``ValidationError``)."""
    validation.check_body(schema_name, payload)
    return dict(payload)
