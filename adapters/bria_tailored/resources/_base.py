"""What every resource group shares: the core that runs its plans, and request-body building."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import validation
from .._core import Call, Plan


class Resource:
    """A group of operations (``client.projects``, ...). Methods build plans; the core runs them."""

    def __init__(self, core: Any, client: Any = None) -> None:
        self._core = core
        self._client = client

    def _run(self, plan: Plan[Any]) -> Any:
        # SyncCore.run returns the value; AsyncCore.run returns an awaitable of it.
        return self._core.run(plan)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def compact(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None), enum members reduced to their values."""
    return {k: getattr(v, "value", v) for k, v in fields.items() if v is not None}


def body(model: Any, schema_name: str, payload: Mapping[str, Any]) -> Any:
    """Validate ``payload`` against the spec's ``schema_name`` and build the generated request model."""
    validation.check_body(schema_name, payload)
    return model.from_dict(dict(payload))


def call(operation: Any, **kwargs: Any) -> Plan[Any]:
    """A one-step plan: call a generated operation and return its parsed result."""
    result = yield Call(operation, kwargs)
    return result
