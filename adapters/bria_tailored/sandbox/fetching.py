"""What the sandbox fetches for its users: image, zip and model URLs, and images sent as base64.

Only ``http(s)`` URLs are fetched, with a plain GET (so pre-signed URLs work) and a size limit, and only
where the outbound policy allows (``netpolicy.py``): the sandbox's own port, ``public_base_url`` and the
``fetch_allow`` entries. Redirects are followed by hand, at most :data:`MAX_REDIRECTS` of them, and every
hop is checked against the same policy before it is requested.

A failed fetch says nothing about the target: not allowed, connection refused, nothing listening, timed
out, a redirect off the allowlist, an answer other than 200 — all raise :class:`FetchError` with the same
text, which handlers turn into the same status. Otherwise the sandbox would be a port scanner for whoever
can reach it. The real reason goes to the ``bria_tailored.sandbox`` log (the operator's terminal). Only
a file that exceeds a size limit, after an allowed URL answered, is reported as such.
Loopback URLs are fetched without the environment's proxies.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from .errors import ApiError, field_problem, message
from .netpolicy import OutboundPolicy, is_loopback, origin_of, parse_allow_entry
from .options import SandboxOptions

__all__ = [
    "FETCH_FAILED",
    "MAX_REDIRECTS",
    "Download",
    "FetchError",
    "Fetcher",
    "FileTooLarge",
    "fetch_failed",
]

log = logging.getLogger("bria_tailored.sandbox")

MAX_REDIRECTS = 5
FETCH_TIMEOUT = 30.0  # per read
FETCH_DEADLINE = 120.0  # a whole fetch() (not a streamed open())
FETCH_FAILED = (
    "could not be fetched: it is not reachable, did not answer 200, or is not a URL this sandbox may fetch "
    "(its own port, and the fetch_allow hosts: see `python -m bria_tailored.sandbox --help`)"
)


class FetchError(Exception):
    """A URL could not be fetched. The text is always :data:`FETCH_FAILED`; ``reason`` (logged, never sent)
    says why."""

    def __init__(self, reason: str, text: str = FETCH_FAILED) -> None:
        super().__init__(text)
        self.reason = reason


class FileTooLarge(FetchError):
    """An allowed URL answered with more bytes than the sandbox accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__("too large", f"the file exceeds the sandbox limit of {limit} bytes")
        self.limit = limit


@dataclass
class Download:
    """A streamed GET that answered 200: read ``response``, then :meth:`aclose` it."""

    client: httpx.AsyncClient
    response: httpx.Response

    async def aclose(self) -> None:
        await self.response.aclose()
        await self.client.aclose()


def _where(url: str) -> str:
    """A URL for the log, without its query (pre-signed URLs carry credentials there)."""
    origin = origin_of(url)
    return url[:60] if origin is None else f"{origin.scheme}://{origin.host}:{origin.port}{origin.path[:80]}"


class Fetcher:
    """Checks and fetches the URLs (and base64 images) that requests carry."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.policy = OutboundPolicy.build(options.fetch_allow or (), options.public_base_url)

    def check_url(self, url: str, field_name: str) -> None:
        """Raise a 400 unless ``url`` is an http(s) URL with a host (whether it may be fetched is
        :meth:`open`'s business, and answered like any other failure)."""
        if origin_of(url) is None:
            raise field_problem("must be an http(s) URL", field_name, url)

    def allow(self, *entries: str) -> None:
        """Allow more fetch targets at run time (same forms as ``fetch_allow``)."""
        self.policy.entries = (*self.policy.entries, *(parse_allow_entry(entry) for entry in entries))

    def _refuse(self, url: str, reason: str) -> FetchError:
        log.warning("sandbox: did not fetch %s: %s", _where(url), reason)
        return FetchError(reason)

    async def open(self, url: str) -> Download:
        """Start a streamed GET; redirects are followed hop by hop, each checked. Raises :class:`FetchError`."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if not self.policy.may_fetch(current):
                why = "not allowed" if current == url else f"redirected to {_where(current)}, not allowed"
                raise self._refuse(url, why + " (see fetch_allow)")
            host = origin_of(current)
            client = httpx.AsyncClient(
                timeout=FETCH_TIMEOUT,
                follow_redirects=False,
                trust_env=not (host is not None and is_loopback(host.host)),
            )
            try:
                response = await client.send(client.build_request("GET", current), stream=True)
            except Exception as exc:  # whatever went wrong, the caller hears the same thing
                await client.aclose()
                raise self._refuse(url, f"{type(exc).__name__} from {_where(current)}") from None
            download = Download(client, response)
            if response.status_code == 200:
                return download
            location = response.headers.get("location")
            await download.aclose()
            if not response.is_redirect or not location:
                raise self._refuse(url, f"HTTP {response.status_code} from {_where(current)}")
            current = urljoin(current, location)
        raise self._refuse(url, f"more than {MAX_REDIRECTS} redirects")

    async def fetch(self, url: str, limit: int) -> bytes:
        """GET a URL (a plain GET: pre-signed URLs work) with a size limit. Raises :class:`FetchError`."""
        try:
            async with asyncio.timeout(FETCH_DEADLINE):
                download = await self.open(url)
                try:
                    declared = download.response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise FileTooLarge(limit)
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in download.response.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise FileTooLarge(limit)
                        chunks.append(chunk)
                    return b"".join(chunks)
                except httpx.HTTPError as exc:
                    raise self._refuse(url, f"{type(exc).__name__} while reading") from None
                finally:
                    await download.aclose()
        except TimeoutError:
            raise self._refuse(url, f"no complete answer within {FETCH_DEADLINE:.0f} s") from None

    async def read_image_input(
        self, value: str, field_name: str, limit: int, status: int = 422
    ) -> tuple[bytes, str | None]:
        """An image given as an http(s) URL or base64 text (a ``data:`` prefix is allowed); a URL that cannot
        be fetched is answered ``status``."""
        if value.startswith(("http://", "https://")):
            self.check_url(value, field_name)
            try:
                return await self.fetch(value, limit), value
            except FetchError as exc:
                raise fetch_failed(status, field_name, exc) from None
        text = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
        try:
            return base64.b64decode(text, validate=True), None
        except (binascii.Error, ValueError) as exc:
            raise message(
                status, f"{field_name}: neither an http(s) URL nor valid base64 image data"
            ) from exc


def fetch_failed(status: int, field_name: str, exc: FetchError) -> ApiError:
    """The API's answer to a failed fetch: ``{"message": "<field> could not be fetched: ..."}``, the same
    whatever the reason (a file over the size limit excepted)."""
    return message(status, f"{field_name}: {exc}" if isinstance(exc, FileTooLarge) else f"{field_name} {exc}")
