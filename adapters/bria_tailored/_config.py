"""A client's configuration: token, base URL, timeout, retries and rate limit, checked once.

:func:`make_config` reads the arguments and their environment defaults (``BRIA_API_TOKEN``,
``BRIA_BASE_URL``, ``BRIA_LOG``), validates each (``ValidationError`` naming the argument) and registers
the token as a secret, so no message, repr or log line can show it.
"""

from __future__ import annotations

import os
import platform
import urllib.parse
from dataclasses import dataclass

import httpx

from . import errors, validation
from ._logging import configure_logging_from_env
from ._version import __version__
from .ratelimit import RATE_LIMIT_ENV, check_rate_limit_url

DEFAULT_BASE_URL = "https://engine.prod.bria-api.com"
USER_AGENT = f"bria-tailored/{__version__} python/{platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"


# ------------------------------------------------------------------------------------- configuration
@dataclass(frozen=True, repr=False)
class Config:
    api_token: str
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    requests_per_minute: float | None
    #: The shared rate limiter (``redis://...``), or None for the in-process one.
    rate_limit_url: str | None = None

    def __repr__(self) -> str:
        return f"Config(base_url={self.base_url!r}, api_token='***', max_retries={self.max_retries})"


def make_config(
    api_token: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    requests_per_minute: float | None,
    rate_limit_url: str | None = None,
) -> Config:
    if api_token is not None and not isinstance(api_token, str):
        raise errors.ValidationError("api_token", type(api_token).__name__, "must be a string")
    token = api_token if api_token is not None else os.environ.get("BRIA_API_TOKEN")
    if not token:
        raise errors.BriaError(
            "No API token: pass api_token=... or set the BRIA_API_TOKEN environment variable "
            "(for the local sandbox any non-empty value works)."
        )
    errors.register_secret(token)
    _check_token(token, "the api_token argument" if api_token is not None else "BRIA_API_TOKEN")
    if base_url is not None:
        url = validation.check_http_url("base_url", base_url, base=True)
    else:
        url = validation.check_http_url(
            "BRIA_BASE_URL", os.environ.get("BRIA_BASE_URL") or DEFAULT_BASE_URL, base=True
        )
    url = url.rstrip("/")
    timeout = _timeout(timeout)
    validation.check_count("max_retries", max_retries, 0)
    if requests_per_minute is not None:
        validation.check_positive_seconds("requests_per_minute", requests_per_minute)
    limiter_url = _rate_limit_url(rate_limit_url, requests_per_minute)
    configure_logging_from_env()
    return Config(token, url, timeout, max_retries, requests_per_minute, limiter_url)


def _rate_limit_url(given: str | None, requests_per_minute: float | None) -> str | None:
    """The shared limiter's URL: ``rate_limit_url`` (which needs ``requests_per_minute``), else
    ``$BRIA_RATE_LIMIT_URL`` when there is a limit to share (without one the variable is ignored); its
    scheme must be one a limiter plugin handles, and its password is registered as a secret."""
    if given is not None:
        field, url = "rate_limit_url", given
        if requests_per_minute is None:
            raise errors.ValidationError(
                field, given, "needs requests_per_minute=... (the limit every client of the token shares)"
            )
    else:
        field, url = RATE_LIMIT_ENV, os.environ.get(RATE_LIMIT_ENV, "").strip()
        if not url or requests_per_minute is None:
            return None
    if isinstance(url, str):
        try:
            errors.register_secret(urllib.parse.urlsplit(url).password)
        except ValueError:
            pass
    return check_rate_limit_url(field, url)


def _timeout(value: object) -> httpx.Timeout:
    """The transport timeout: positive, finite seconds, or an ``httpx.Timeout`` whose every set part is."""
    if value is None:
        raise errors.ValidationError(
            "timeout", value, "must be seconds or an httpx.Timeout (never no timeout)"
        )
    if isinstance(value, httpx.Timeout):
        parts = {"connect": value.connect, "read": value.read, "write": value.write, "pool": value.pool}
        for name, seconds in parts.items():
            if seconds is not None:
                validation.check_positive_seconds(f"timeout.{name}", seconds)
        return value
    seconds = validation.check_positive_seconds("timeout", value)
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


def _check_token(token: str, source: str) -> None:
    """Refuse a token an HTTP header cannot carry as it is (never strip it silently: the message says where
    it came from, and never shows it)."""
    bad = [c for c in token if c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F or ord(c) > 0x7E]
    if bad:
        at_end = token.rstrip() != token
        where = "at its end (a CRLF .env, or a file's last line?)" if at_end else "inside it"
        kind = "a newline" if "\n" in bad or "\r" in bad else "whitespace or a control character"
        if all(ord(c) > 0x7E for c in bad):
            kind = "a non-ASCII character"
        raise errors.ValidationError(
            "api_token", "***", f"the token from {source} has {kind} {where}: fix the value (it is not stripped)"
        )

