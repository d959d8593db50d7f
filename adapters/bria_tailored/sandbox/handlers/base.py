"""What a handler is: it takes a validated :class:`Call`, returns a :class:`Reply`, and is registered by
operationId with :func:`handles`.

The app validates a request's parameters and JSON body against the operation's schema before calling
its handler (a 400 otherwise), so a handler may read its body as the TypedDict of its request schema
(``bodies.py``) and its integer path ids as ``int``. An operation may also register a :data:`Preparer`
with :func:`prepares`: it sees the parsed JSON body *before* validation, to accept what the real API
accepts beyond its spec (e.g. ``"Completed"`` for a dataset's status).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar

from ..json_types import JSON
from ..service import Sandbox

__all__ = ["HANDLERS", "PREPARERS", "Call", "Handler", "Preparer", "Reply", "handles", "prepares"]

BodyT = TypeVar("BodyT")

# Anything JSONResponse renders: a view, a list of views, an error body, a bare string, or nothing.
JSONBody: TypeAlias = Mapping[str, object] | Sequence[object] | None


@dataclass(frozen=True)
class Call(Generic[BodyT]):
    """One validated request: parameters coerced to their schema types, the JSON body, and context."""

    params: Mapping[str, JSON]
    body: BodyT
    base_url: str  # what file URLs and status URLs start with
    now: float  # the sandbox clock when the request came in
    api_token: str = field(default="", repr=False)  # signs the webhooks of the jobs it starts

    def path_id(self, name: str) -> int:
        """An integer path parameter (validated as ``type: integer``)."""
        value = self.params[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"path parameter {name} is {value!r}, not an integer")
        return value

    def text(self, name: str) -> str:
        """A string path parameter."""
        return str(self.params[name])

    def flag(self, name: str) -> bool:
        """A boolean query parameter (absent: false)."""
        return bool(self.params.get(name))

    def count(self, name: str, default: int) -> int:
        """An integer query parameter (absent or zero: ``default``)."""
        value = self.params.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value else default


@dataclass
class Reply:
    status: int
    body: JSONBody = None
    headers: dict[str, str] = field(default_factory=dict[str, str])


Handler: TypeAlias = Callable[[Sandbox, Call[BodyT]], Awaitable[Reply]]

# Body types are erased here: each handler's is the TypedDict of its operation's request schema, which the
# app validated the body against; nothing more is known statically about JSON from the wire.
HANDLERS: dict[str, Handler[Any]] = {}


Preparer: TypeAlias = Callable[[JSON], JSON]
PREPARERS: dict[str, Preparer] = {}


def prepares(operation_id: str) -> Callable[[Preparer], Preparer]:
    """Register the decorated function as the body preparer of ``operation_id`` (runs before validation)."""

    def register(func: Preparer) -> Preparer:
        PREPARERS[operation_id] = func
        return func

    return register


def handles(operation_id: str) -> Callable[[Handler[BodyT]], Handler[BodyT]]:
    """Register the decorated coroutine as the handler of ``operation_id``."""

    def register(func: Handler[BodyT]) -> Handler[BodyT]:
        HANDLERS[operation_id] = func
        return func

    return register
