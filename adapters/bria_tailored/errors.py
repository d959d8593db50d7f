"""Every exception bria-tailored raises, in one tree.

::

    BriaError
    ├── ValidationError(BriaError, ValueError)   raised before any network call; names field, value, rule
    │   └── InvalidImagesError   (client.train: every unusable file of a source at once; .problems)
    ├── APIConnectionError ── APITimeoutError
    ├── ClientClosedError    (the client was closed, or an async client is used from another event loop)
    ├── APIStatusError  (.status_code, .message, .body, .field_errors, .response)
    │   ├── ResponseFormatError   a success status whose body is not what the spec promises
    │   ├── BadRequestError 400          ├── ConflictError 409
    │   ├── AuthenticationError 401      ├── PreconditionFailedError 412
    │   ├── PermissionDeniedError 403 ── QuotaExceededError
    │   ├── NotFoundError 404            ├── PayloadTooLargeError 413
    │   ├── UnsupportedMediaTypeError 415├── UnprocessableEntityError 422
    │   ├── RateLimitError 429           └── InternalServerError 5xx
    ├── JobFailedError       (Status Service said ERROR or UNKNOWN: .code, .message, .details, .request_id)
    ├── UnknownStatusError   (a status the SDK's table does not know: .status, .what)
    ├── TrainingFailedError  (model ended Failed or Stopped)
    ├── WaitTimeoutError     (deadline passed; .last_status; the job may still finish: do not resubmit)
    ├── UploadsFailedError   (client.train: some images failed to upload; .failures; a re-run resumes)
    ├── UnsafeURLError       (a URL from a response that is not http(s) on the API's terms)
    ├── WebhookVerificationError  (a webhook whose signature or timestamp does not check out)
    └── StorageError ── NotPubliclyAddressableError, PluginNotFoundError, ObjectNotFoundError

No exception text or repr carries the API token: messages are built from method, path, status and the
server's words only, and :func:`redact` scrubs anything that slipped into a server's words. Every error
pickles (across processes, or out of a worker) with its attributes.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    import httpx

    from bria_tailored_api.models import Model

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BriaError",
    "ClientClosedError",
    "ConflictError",
    "FieldError",
    "InternalServerError",
    "InvalidImagesError",
    "JobFailedError",
    "NotFoundError",
    "NotPubliclyAddressableError",
    "ObjectNotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PluginNotFoundError",
    "PreconditionFailedError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseFormatError",
    "StorageError",
    "TrainingFailedError",
    "UnknownStatusError",
    "UnprocessableEntityError",
    "UnsafeURLError",
    "UnsupportedMediaTypeError",
    "UploadsFailedError",
    "ValidationError",
    "WaitTimeoutError",
    "WebhookVerificationError",
    "parse_error_body",
    "redact",
]

_SECRET_PATTERNS = [
    re.compile(r"(?i)(api_token['\"]?\s*[:=]\s*['\"]?)([^'\"\s,&}]+)"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)([^'\"\n,}]+)"),
    re.compile(r"(?i)([?&](?:X-Amz-Signature|X-Goog-Signature|Signature|sig)=)([^&\s'\"]+)"),
]
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (the API token) so that :func:`redact` removes it wherever it appears: as it is,
    escaped as in a ``repr`` (``'abc\\n'``, ``b'abc\\r'``), URL-encoded, JSON-escaped and base64-encoded."""
    if not value or len(value) < 4:
        return
    raw = value.encode("utf-8", "surrogateescape")
    forms = {
        value,
        value.strip(),
        repr(value)[1:-1],
        repr(raw)[2:-1],
        json.dumps(value)[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    _known_secrets.update(form for form in forms if len(form) >= 4)


def redact_value(value: object) -> object:
    """``value`` (a parsed JSON body: dicts, lists, strings) with every string passed through :func:`redact`."""
    if isinstance(value, str):
        return redact(value)
    if _is_object(value):
        return {redact(k): redact_value(v) for k, v in value.items()}
    if _is_array(value):
        return [redact_value(v) for v in value]
    return value


def redact(text: str) -> str:
    """Scrub tokens, Authorization values and URL signatures out of a piece of text."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


class BriaError(Exception):
    """Base class of every error raised by bria-tailored."""

    def __init__(self, message: str = "") -> None:
        message = redact(str(message))
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other constructor arguments than ``args``: rebuild from the attributes instead.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[BriaError], message: str, state: dict[str, object]) -> BriaError:
    """Unpickle a :class:`BriaError` without calling its subclass's ``__init__``."""
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class ValidationError(BriaError, ValueError):
    """A request argument broke a rule of the API; raised before anything was sent."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        shown = repr(value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        super().__init__(f"{field}={shown}: {rule}")


class InvalidImagesError(ValidationError):
    """Some files of a training source cannot be used; ``problems`` lists ``(file name, reason)`` pairs.

    Raised by ``client.train`` before anything is created remotely, naming every bad file at once
    (``"(source)"`` stands for a problem of the whole source, such as too few images).
    """

    def __init__(self, source: str, problems: list[tuple[str, str]], total: int) -> None:
        self.problems = problems
        lines = "".join(f"\n  {name}: {reason}" for name, reason in problems)
        bad = len({name for name, _ in problems if name != "(source)"})
        head = f"{bad} of {total} files cannot be used" if bad else "the source cannot be trained on"
        super().__init__("source", source, f"{head}:{lines}")


class APIConnectionError(BriaError):
    """The request could not reach Bria (DNS, refused or dropped connection)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


@dataclass(frozen=True)
class FieldError:
    """One entry of the API's ``{"errors": [{msg, field_name, field_input}]}`` body."""

    field: str | None
    message: str
    input: object = None


def _is_object(value: object) -> TypeGuard[dict[str, object]]:
    """A JSON object (JSON keys are always strings)."""
    return isinstance(value, dict)


def _is_array(value: object) -> TypeGuard[list[object]]:
    return isinstance(value, list)


def _text(value: object) -> str | None:
    """A non-empty string value of a JSON body, else None."""
    return value if isinstance(value, str) and value else None


def _field_error(item: object) -> FieldError:
    if not _is_object(item):
        return FieldError(field=None, message=str(item))
    return FieldError(
        field=_text(item.get("field_name")) or _text(item.get("field")),
        message=str(item.get("msg") or item.get("message") or ""),
        input=item.get("field_input"),
    )


def parse_error_body(body: object) -> tuple[str, list[FieldError]]:
    """Read the API's three error-body shapes into ``(message, field_errors)``.

    Shapes seen: a JSON string (``"Quota exceeded..."``), ``{"message": ...}`` (also ``detail``/``error``)
    and ``{"errors": [{"msg", "field_name", "field_input"}]}``.
    """
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if isinstance(body, str):
        text = body.strip()
        if not text:
            return "", []
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            return text[:2000], []
    if isinstance(body, str):
        return body[:2000], []
    if _is_object(body):
        errors = body.get("errors")
        field_errors = [_field_error(item) for item in errors] if _is_array(errors) else []
        found = body.get("message") or body.get("detail") or body.get("error")
        if _is_object(found):
            found = found.get("message") or json.dumps(found)
        message = str(found)[:2000] if found else ""
        if not message and field_errors:
            message = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in field_errors)
        if not message and body.get("status"):
            message = str(body["status"])
        return message or json.dumps(body)[:2000], field_errors
    if body is None:
        return "", []
    return str(body)[:2000], []


class APIStatusError(BriaError):
    """The API answered with an error status (4xx or 5xx)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        field_errors: list[FieldError] | None = None,
        response: httpx.Response | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = redact_value(body)  # a server may echo the token back
        self.field_errors = [
            FieldError(
                redact(e.field) if e.field else e.field, redact(e.message), redact_value(e.input)
            )
            for e in field_errors or []
        ]
        self.response = response
        self.method = method
        self.path = path


class ResponseFormatError(APIStatusError):
    """A success status whose body does not parse, or lacks what the spec promises (the message names the
    operation and shows a short, redacted excerpt of the body)."""


class ClientClosedError(BriaError):
    """The client was closed (or an async client is used from an event loop it was not made in)."""


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the api_token is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """403."""


class QuotaExceededError(PermissionDeniedError):
    """403 carrying Bria's quota text: the organisation's plan is used up."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409: the resource is in a state that forbids the operation."""


class PreconditionFailedError(APIStatusError):
    """412: e.g. the dataset must be completed, or an image's resolution is too low."""


class PayloadTooLargeError(APIStatusError):
    """413: e.g. a bulk ZIP larger than 5 GB."""


class UnsupportedMediaTypeError(APIStatusError):
    """415."""


class UnprocessableEntityError(APIStatusError):
    """422: moderation failure or an unreachable URL."""


class RateLimitError(APIStatusError):
    """429, after the client's retries were used up."""


class InternalServerError(APIStatusError):
    """5xx."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_QUOTA_RE = re.compile(r"(?i)quota|limit of your plan|plan limit|exceeded your|upgrade your")


def status_error_class(status_code: int, message: str) -> type[APIStatusError]:
    """The exception class for a status code (and, for 403, the server's words)."""
    if status_code == 403 and _QUOTA_RE.search(message or ""):
        return QuotaExceededError
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


class JobFailedError(BriaError):
    """The Status Service reported ERROR or UNKNOWN (or does not know the id).

    ``code`` and ``details`` are what the service's ``error`` object said (JSON values, as sent).
    """

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        code: object = None,
        details: object = None,
        status: str | None = None,
    ) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.code = code
        self.details = details
        self.status = status


class TrainingFailedError(BriaError):
    """Training ended Failed or Stopped instead of Completed."""

    def __init__(
        self,
        message: str,
        *,
        model_id: int | None = None,
        status: str | None = None,
        model: Model | None = None,
    ) -> None:
        super().__init__(message)
        self.model_id = model_id
        self.status = status
        self.model = model


class WaitTimeoutError(BriaError, TimeoutError):
    """The wait's deadline passed. The job may still finish: do not resubmit it."""

    def __init__(self, message: str, *, last_status: object = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.last_status = last_status
        self.request_id = request_id


class UnknownStatusError(BriaError):
    """A status the SDK's table of statuses does not know (one Bria added): the wait stops instead of
    polling until its deadline. ``status`` is the value, ``what`` names the object (``model 12``)."""

    def __init__(self, message: str, *, status: str, what: str) -> None:
        super().__init__(message)
        self.status = status
        self.what = what


class UnsafeURLError(BriaError):
    """A URL taken from a response that the client refuses to open: not ``https://`` (or ``http://`` when
    the API itself is on ``http://``). A response never makes the client read local files or buckets."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = redact(url)


class WebhookVerificationError(BriaError):
    """A webhook delivery whose signature, id or timestamp does not check out."""


class UploadsFailedError(BriaError):
    """Some images of ``client.train`` failed to upload; the others are recorded in the state manifest.

    ``failures`` lists ``(file name, exception)`` pairs. Run the same call again to retry the rest.
    """

    def __init__(self, failures: list[tuple[str, BaseException]], state_path: Path) -> None:
        self.failures = failures
        self.state_path = state_path
        lines = "".join(f"\n  {name}: {exc}" for name, exc in failures)
        super().__init__(
            f"{len(failures)} image(s) failed to upload:{lines}\n"
            f"Uploaded images are recorded in {state_path}; run the same call again to retry the rest."
        )


class StorageError(BriaError):
    """A storage backend failed or was misused."""


class ObjectNotFoundError(StorageError, FileNotFoundError):
    """No object is stored under this key."""


class NotPubliclyAddressableError(StorageError):
    """The storage cannot hand out a URL that Bria's servers could fetch (e.g. local files)."""


class PluginNotFoundError(StorageError):
    """No storage backend handles this URI scheme (the message names the pip extra to install)."""
