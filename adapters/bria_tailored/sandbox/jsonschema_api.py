"""The sandbox's only door to ``jsonschema``, which ships no type information.

``jsonschema`` has no ``py.typed`` marker (and ``types-jsonschema`` is not a dependency), so type checkers
see it as untyped. It is imported here once, by name, and the little the sandbox uses of it is described
by the Protocols below: a Draft 7 validator with a custom format check, and the errors it yields. The
``cast`` calls in this module are that boundary; nothing else in the sandbox touches ``jsonschema``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol, cast

from .json_types import JSON

__all__ = [
    "FormatChecker",
    "SchemaError",
    "SchemaValidator",
    "draft7_validator",
    "format_checker",
]

_jsonschema = importlib.import_module("jsonschema")


class SchemaError(Protocol):
    """What the sandbox reads from a ``jsonschema.ValidationError``."""

    @property
    def message(self) -> str: ...
    @property
    def validator(self) -> str: ...  # the failing keyword: "type", "required", "format", ...
    @property
    def validator_value(self) -> JSON: ...  # the keyword's value in the (JSON) schema
    @property
    def instance(self) -> JSON: ...  # the (JSON) value that failed
    @property
    def absolute_path(self) -> Sequence[str | int]: ...
    @property
    def context(self) -> Sequence[SchemaError]: ...  # the sub-errors of anyOf/oneOf/allOf


class SchemaValidator(Protocol):
    """A ``jsonschema`` validator bound to one schema."""

    def iter_errors(self, instance: object) -> Iterator[SchemaError]: ...
    def validate(self, instance: object) -> None: ...


class FormatChecker(Protocol):
    """A ``jsonschema.FormatChecker``: the ``format`` names a validator checks, and how."""

    def conforms(self, instance: object, format: str) -> bool: ...


def format_checker(formats: Mapping[str, Callable[[object], bool]]) -> FormatChecker:
    """A format checker that knows only the given ``format`` names (each check returns whether it passes)."""
    checker = _jsonschema.FormatChecker(formats=())
    for name, check in formats.items():
        checker.checks(name, raises=())(check)
    return cast(FormatChecker, checker)  # untyped library: see the module docstring


def draft7_validator(schema: Mapping[str, object], checker: FormatChecker) -> SchemaValidator:
    """A Draft 7 validator for ``schema`` that checks formats with ``checker``."""
    validator = _jsonschema.Draft7Validator(schema, format_checker=checker)
    return cast(SchemaValidator, validator)  # untyped library: see the module docstring
