"""Who the sandbox talks to: the ``Host`` names it answers, and the URLs it fetches or POSTs webhooks to.

The sandbox runs on developers' laptops, next to other local services, and fetches whatever URL a request
names. Two rules keep it from being turned against its own machine:

Inbound (``Host``)
    A web page cannot send the ``api_token`` header across origins without a CORS preflight, which the
    sandbox never grants; but with DNS rebinding (``evil.example`` re-resolving to 127.0.0.1) the page
    *is* same-origin. The browser still sends ``Host: evil.example``, so the sandbox answers only
    loopback addresses, ``localhost``, the host of ``public_base_url`` and ``allowed_hosts``. The port is
    not checked: ``ssh -L 9000:localhost:8787`` is a legitimate way in.
Outbound (fetches and webhooks)
    A URL is fetched only when it points at the sandbox's own port (on the address it listens on, or
    ``localhost``), at ``public_base_url``, or matches an entry of ``fetch_allow``: ``host`` (any port),
    ``host:port`` (``[::1]:port``) or a URL prefix (scheme, host, port and path prefix must all match;
    a path with ``.``/``..`` segments never matches a prefix). Host names are compared as written, after
    lower-casing and normalising IP literals, never after resolving: ``127.1`` or ``2130706433`` do not
    match ``127.0.0.1``, so odd spellings are refused rather than let through. Webhook URLs may also point
    at any loopback port (a webhook is the caller's own result, POSTed to a receiver they name).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import SplitResult, unquote, urlsplit

__all__ = [
    "AllowEntry",
    "Origin",
    "OutboundPolicy",
    "host_header_name",
    "is_loopback",
    "normal_host",
    "origin_of",
    "parse_allow_entry",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normal_host(host: str) -> str:
    """A host name as compared: lower case, no brackets or trailing dot, IP literals in canonical form."""
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def is_loopback(host: str) -> bool:
    """Whether a host name is ``localhost`` or a loopback IP literal (127.0.0.0/8, ::1)."""
    name = normal_host(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_header_name(value: str) -> str:
    """The host name of a ``Host`` header value (``Example.com:8787`` → ``example.com``, ``[::1]:1`` → ``::1``)."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        return normal_host(value[1:end] if end > 0 else value)
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return normal_host(value)


@dataclass(frozen=True)
class Origin:
    """Where an http(s) URL points: scheme, normalised host, port (the scheme's default when absent)."""

    scheme: str
    host: str
    port: int
    path: str


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) URL, or ``None`` for anything else (other schemes, no host, a bad port)."""
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    return Origin(scheme, normal_host(parts.hostname), port or _DEFAULT_PORTS[scheme], parts.path or "/")


def _has_dot_segments(path: str) -> bool:
    return any(segment in (".", "..") for segment in unquote(path).split("/"))


@dataclass(frozen=True)
class AllowEntry:
    """One ``fetch_allow`` entry: a host, a host and port, or a URL prefix."""

    host: str
    port: int | None = None
    scheme: str | None = None
    path: str | None = None  # a URL prefix's path

    def matches(self, origin: Origin) -> bool:
        if origin.host != self.host:
            return False
        if self.port is not None and origin.port != self.port:
            return False
        if self.scheme is not None and origin.scheme != self.scheme:
            return False
        if self.path is not None:
            return not _has_dot_segments(origin.path) and origin.path.startswith(self.path)
        return True


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"fetch_allow entry {entry!r}: {text!r} is not a port")
    return int(text)


def parse_allow_entry(entry: str) -> AllowEntry:
    """Parse ``host``, ``host:port``, ``[v6]:port`` or an http(s) URL prefix (``ValueError`` otherwise)."""
    text = entry.strip()
    if "://" in text:
        origin = origin_of(text)
        if origin is None:
            raise ValueError(f"fetch_allow entry {entry!r}: a URL prefix must be an http(s) URL with a host")
        return AllowEntry(origin.host, origin.port, origin.scheme, origin.path)
    port: int | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError(f"fetch_allow entry {entry!r}: expected [address] or [address]:port")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"fetch_allow entry {entry!r}: expected [address]:port")
            port = _port(rest[1:], entry)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(port_text, entry)
    else:
        host = text
    if not host or any(char in host for char in "/@?#* \t"):
        raise ValueError(f"fetch_allow entry {entry!r}: expected host, host:port or an http(s) URL prefix")
    return AllowEntry(normal_host(host), port)


@dataclass
class OutboundPolicy:
    """Decides which URLs the sandbox may fetch (and POST webhooks to); see the module docstring."""

    entries: tuple[AllowEntry, ...]
    public: AllowEntry | None = None
    own: set[tuple[str, int]] = field(default_factory=set[tuple[str, int]])  # (host, port) it listens on

    @classmethod
    def build(cls, fetch_allow: tuple[str, ...], public_base_url: str | None) -> OutboundPolicy:
        public = parse_allow_entry(public_base_url + "/") if public_base_url else None
        return cls(tuple(parse_allow_entry(entry) for entry in fetch_allow), public)

    def saw_server(self, server: object) -> None:
        """Remember an address the sandbox is served on (an ASGI scope's ``server``: ``(host, port)``)."""
        if not isinstance(server, tuple | list):
            return
        pair = tuple(cast("Sequence[object]", server))
        if len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], int):
            self.own.add((normal_host(pair[0]), pair[1]))

    def _is_own(self, origin: Origin) -> bool:
        return any(
            origin.port == port and origin.host in (host, "localhost") for host, port in list(self.own)
        )

    def may_fetch(self, url: str) -> bool:
        origin = origin_of(url)
        if origin is None:
            return False
        if self._is_own(origin) or (self.public is not None and self.public.matches(origin)):
            return True
        return any(entry.matches(origin) for entry in self.entries)

    def may_post(self, url: str) -> bool:
        """Webhook URLs: any loopback port, or what :meth:`may_fetch` allows."""
        origin = origin_of(url)
        return origin is not None and (is_loopback(origin.host) or self.may_fetch(url))
