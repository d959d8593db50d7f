"""The API's error answers, as the sandbox raises them.

Bria answers errors in three shapes, and so does the sandbox: ``{"errors": [FieldError, ...]}`` for field
problems (400), ``{"message": ...}`` for conflicts, preconditions and missing records, and a bare JSON
string for quota/access texts and checkpoint errors. Handlers raise :class:`ApiError`; the app turns it
into the response.
"""

from __future__ import annotations

import json
from typing import NotRequired, TypedDict

__all__ = ["ApiError", "ErrorBody", "FieldError", "field_error", "field_problem", "message"]


class FieldError(TypedDict):
    """One entry of the ``errors`` list of a 400 answer."""

    msg: str
    field_name: NotRequired[str]
    field_input: NotRequired[str]  # the offending value as text, at most 200 characters


class ErrorsBody(TypedDict):
    errors: list[FieldError]


class MessageBody(TypedDict):
    message: str


ErrorBody = ErrorsBody | MessageBody | str


class ApiError(Exception):
    """An error answer: status code and body (one of the three shapes above)."""

    def __init__(self, status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def as_text(value: object) -> str:
    """A value as at most 200 characters of text (JSON when it can be)."""
    if isinstance(value, str):
        return value[:200]
    try:
        return json.dumps(value)[:200]
    except (TypeError, ValueError):
        return repr(value)[:200]


def field_error(msg: str, field_name: str | None = None, field_input: object = None) -> FieldError:
    """One entry of the ``errors`` list."""
    entry: FieldError = {"msg": msg}
    if field_name is not None:
        entry["field_name"] = field_name
    if field_input is not None:
        entry["field_input"] = as_text(field_input)
    return entry


def message(status: int, text: str) -> ApiError:
    """An error answered as ``{"message": text}``."""
    return ApiError(status, {"message": text})


def field_problem(msg: str, name: str, value: object = None) -> ApiError:
    """A 400 answer about one field."""
    return ApiError(400, {"errors": [field_error(msg, name, value)]})
