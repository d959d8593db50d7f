"""Calling one operation of the table (:mod:`bria_tailored._operations`) as a plan, with typed errors.

:func:`call` builds the request (path parameters filled in, query parameters and JSON body), sends it
through :func:`bria_tailored.transport.send` (auth, rate limit, retries), maps an error status to the
typed :mod:`bria_tailored.errors` tree and reads a success into the operation's documented model.
:func:`fetch` GETs an absolute URL of the API (a job's ``status_url``) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from . import errors, validation
from ._operation import Operation
from ._plan import Plan
from .transport import Connection, path_of, send

R = TypeVar("R")


def call(
    conn: Connection,
    op: Operation[R],
    *,
    path: Mapping[str, object] | None = None,
    query: Mapping[str, object] | None = None,
    json: Any = None,
) -> Plan[R]:
    """Call ``op`` and return its documented result (``None`` for an empty body)."""
    response = yield from call_raw(conn, op, path=path, query=query, json=json)
    try:
        return op.read(response)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise unreadable(response, exc) from None


def call_with_response(
    conn: Connection,
    op: Operation[R],
    *,
    path: Mapping[str, object] | None = None,
    query: Mapping[str, object] | None = None,
    json: Any = None,
) -> Plan[tuple[httpx.Response, R]]:
    """Like :func:`call`, also returning the response (to report a documented field that is missing)."""
    response = yield from call_raw(conn, op, path=path, query=query, json=json)
    try:
        return response, op.read(response)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise unreadable(response, exc) from None


def call_raw(
    conn: Connection,
    op: Operation[Any],
    *,
    path: Mapping[str, object] | None = None,
    query: Mapping[str, object] | None = None,
    json: Any = None,
) -> Plan[httpx.Response]:
    """Call ``op`` and return the ``httpx.Response`` (already checked: error statuses raise)."""
    extra_body = conn.options.extra_body
    if extra_body and op.body_schema:
        validation.check_extra_body(op.body_schema, extra_body)
    given = {k: v for k, v in (query or {}).items() if v is not None}
    params = {k: _query_value(v) for k, v in {**op.query_defaults, **given}.items()}
    request = conn.request(
        op.method, op.url_path(path or {}), params=params or None, json=json, operation_id=op.operation_id
    )
    response = yield from send(conn, request)
    check_status(response)
    return response


def fetch(conn: Connection, url: str) -> Plan[httpx.Response]:
    """GET an absolute URL of the API (with the client's auth, limits and retries); error statuses raise."""
    request = conn.request("GET", url, operation_id="get-status" if "/v2/status/" in url else None)
    response = yield from send(conn, request)
    check_status(response)
    return response


def check_status(response: httpx.Response) -> None:
    """Raise the typed error for anything but a 2xx: 4xx/5xx by status, 1xx/3xx as unexpected (a redirect
    is never followed: the token must not leave the API's origin)."""
    code = response.status_code
    if code >= 400:
        raise status_error(response)
    if not 200 <= code < 300:
        where = response.headers.get("location")
        why = f"redirect to {httpx.URL(where).host or where!r} not followed" if where else f"status {code}"
        raise unreadable(response, ValueError(why))


def _query_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return getattr(value, "value", value)


def status_error(response: httpx.Response) -> errors.APIStatusError:
    """The typed error for a 4xx/5xx response, carrying the server's words in all three body shapes."""
    try:
        body: Any = response.json()
    except (ValueError, RecursionError):
        body = response.text
    message, field_errors = errors.parse_error_body(body)
    cls = errors.status_error_class(response.status_code, message)
    method, path = response.request.method, path_of(response.request)
    text = f"{method} {path} -> {response.status_code} {response.reason_phrase or ''}".rstrip()
    if message:
        text += f": {message}"
    return cls(
        text,
        status_code=response.status_code,
        body=body,
        field_errors=field_errors,
        response=response,
        method=method,
        path=path,
    )


def unreadable(response: httpx.Response, exc: Exception) -> errors.ResponseFormatError:
    """The error for a success status whose body is not what the spec documents: it names the request and
    shows a short excerpt of the body (redacted like every message)."""
    method, path = response.request.method, path_of(response.request)
    excerpt = response.text[:200] if response.content else "(empty body)"
    why = str(exc) if len(str(exc)) <= 300 else str(exc)[:297] + "..."
    return errors.ResponseFormatError(
        f"{method} {path} -> {response.status_code}: unexpected response ({why}): {excerpt!r}",
        status_code=response.status_code,
        body=response.text[:2000],
        response=response,
        method=method,
        path=path,
    )


def json_of(response: httpx.Response) -> object:
    """The response's JSON, or raise the unreadable-response error."""
    try:
        data: object = response.json()
    except (ValueError, RecursionError) as exc:
        raise unreadable(response, exc) from None
    return data
