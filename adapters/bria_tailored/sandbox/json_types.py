"""The shape of JSON values, for what the sandbox reads from the spec and from request bodies.

``json.loads`` returns ``Any``; the sandbox gives what it parses one of these types at once, and narrows
with ``isinstance`` from there.
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JSON", "JSONObject"]

JSON: TypeAlias = "None | bool | int | float | str | list[JSON] | dict[str, JSON]"
JSONObject: TypeAlias = "dict[str, JSON]"
