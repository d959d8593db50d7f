"""What the sandbox checks before it looks at a request: its ``Host``, its body's size and its JSON's depth.

- ``Host``: only loopback addresses, ``localhost``, the host of ``public_base_url`` and ``allowed_hosts``
  are answered (see ``netpolicy.py`` for why); any other name gets **421 Misdirected Request**, on every
  route, files and health included. A request without ``Host`` (HTTP/1.0) is answered: no browser sends
  one, so DNS rebinding cannot either.
- Body size: a body over ``max_body_bytes`` (by default room for a base64 ``max_image_bytes`` image) is
  answered **413** as soon as its ``Content-Length`` says so, or as soon as that many bytes arrived.
- JSON depth: a body nested deeper than ``max_json_depth`` is answered **400** (``{"errors": [...]}`` on
  ``body``) before it is parsed; deep nesting used to crash the parser into a 500.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from .errors import ApiError, field_problem, message
from .netpolicy import host_header_name, is_loopback, normal_host, origin_of
from .options import SandboxOptions

__all__ = ["HostGuard", "check_json_depth", "json_depth", "read_body"]

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


class HostGuard:
    """Which ``Host`` names the sandbox answers."""

    def __init__(self, options: SandboxOptions) -> None:
        names = {normal_host(host) for host in options.allowed_hosts or ()}
        public = origin_of(options.public_base_url) if options.public_base_url else None
        if public is not None:
            names.add(public.host)
        self.names = frozenset(names)

    def allows(self, header: bytes | None) -> bool:
        if header is None:
            return True
        name = host_header_name(header.decode("latin-1"))
        return is_loopback(name) or name in self.names


def host_header(raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The ``Host`` header of an ASGI scope's headers (``None`` when absent)."""
    for key, value in raw_headers:
        if key == b"host":
            return value
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or a 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return message(413, f"Request body too large: the sandbox accepts at most {limit} bytes")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped; the text need not be valid).

    Only the structural characters are visited, so a large base64 string costs one regex scan."""
    depth = deepest = 0
    in_string = False
    skip = -1  # the character after a backslash in a string is escaped
    for match in _STRUCTURE.finditer(raw):
        index = match.start()
        if index < skip:
            continue
        char = raw[index]
        if in_string:
            if char == 0x5C:  # backslash
                skip = index + 2
            elif char == 0x22:  # quote
                in_string = False
            continue
        if char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif char in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def check_json_depth(raw: bytes, limit: int) -> None:
    """A 400 on ``body`` when JSON text nests deeper than ``limit``."""
    if json_depth(raw) > limit:
        raise field_problem(f"JSON nested deeper than {limit} levels", "body")
