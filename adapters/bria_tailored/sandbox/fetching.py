"""What the sandbox fetches for its users: image, zip and model URLs, and images sent as base64.

Only ``http(s)`` URLs are fetched, with a plain GET (so pre-signed URLs work) and a size limit; with
``allowed_fetch_hosts`` set, only from those hosts (tests keep the sandbox on 127.0.0.1 this way).
Loopback URLs are fetched without the environment's proxies.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .errors import field_problem, message
from .options import LOOPBACK_HOSTS, SandboxOptions

__all__ = ["Download", "FetchError", "Fetcher"]


class FetchError(Exception):
    """A URL could not be fetched (``status``: the HTTP status it answered, if it answered)."""

    def __init__(self, text: str, status: int | None = None) -> None:
        super().__init__(text)
        self.status = status


@dataclass
class Download:
    """A streamed GET that answered: read ``response``, then :meth:`aclose` it."""

    client: httpx.AsyncClient
    response: httpx.Response

    async def aclose(self) -> None:
        await self.response.aclose()
        await self.client.aclose()


class Fetcher:
    """Checks and fetches the URLs (and base64 images) that requests carry."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options

    def check_url(self, url: str, field_name: str) -> None:
        """Raise the API's error unless ``url`` is an http(s) URL the sandbox may fetch."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise field_problem("must be an http(s) URL", field_name, url)
        allowed = self.options.allowed_fetch_hosts
        if allowed is not None and parts.hostname not in allowed:
            raise message(422, f"{field_name}: the sandbox may only fetch from {', '.join(allowed)}")

    def client_for(self, url: str) -> httpx.AsyncClient:
        local = (urlsplit(url).hostname or "") in LOOPBACK_HOSTS
        return httpx.AsyncClient(timeout=30.0, follow_redirects=True, trust_env=not local)

    async def fetch(self, url: str, limit: int) -> bytes:
        """GET a URL (a plain GET: pre-signed URLs work) with a size limit."""
        try:
            async with self.client_for(url) as client, client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise FetchError(f"GET returned HTTP {response.status_code}", response.status_code)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"the file exceeds the sandbox limit of {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch the URL: {type(exc).__name__}") from exc

    async def open(self, url: str) -> Download:
        """Start a streamed GET (raises ``httpx.HTTPError`` when nothing answers)."""
        client = self.client_for(url)
        try:
            response = await client.send(client.build_request("GET", url), stream=True)
        except httpx.HTTPError:
            await client.aclose()
            raise
        return Download(client, response)

    async def read_image_input(self, value: str, field_name: str, limit: int) -> tuple[bytes, str | None]:
        """An image given as an http(s) URL or base64 text (a ``data:`` prefix is allowed)."""
        if value.startswith(("http://", "https://")):
            self.check_url(value, field_name)
            try:
                return await self.fetch(value, limit), value
            except FetchError as exc:
                raise message(422, f"{field_name}: {exc}") from exc
        text = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
        try:
            return base64.b64decode(text, validate=True), None
        except (binascii.Error, ValueError) as exc:
            raise message(422, f"{field_name}: neither an http(s) URL nor valid base64 image data") from exc
