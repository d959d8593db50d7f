"""A griffe extension for mkdocs.yml: read bria-tailored's reST-flavoured docstrings as Markdown.

The package's docstrings are written for ``help()`` and editors, in light reST: ``:class:`X``` roles,
``::`` before an indented literal block, and ``#:`` comments documenting constants. mkdocstrings renders
Markdown, so this extension (loaded by path from mkdocs.yml; it is not part of the package) rewrites, on
each object griffe loads:

- a role (``:class:``, ``:func:``, ``:mod:``, ``:meth:``, ``:attr:``, ``:data:``, ``:exc:``, ``:obj:``)
  into inline code; ``~a.b.C`` shows as ``C``, as in Sphinx;
- a paragraph ending in ``::`` into one ending in ``:`` (a line that is only ``::`` goes), so the indented
  block below it is a Markdown code block;
- ``#:`` comment lines right above an attribute without a docstring into its docstring.

It also drops special methods that say nothing about the API (``__repr__``, ``__reduce__``, ...; the
ones that do, ``__enter__``, ``__call__``, ``__iter__``, ..., stay), and the docstrings of private modules
(``_sync_facade``: notes for maintainers) whose public classes the reference shows.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|mod|meth|attr|data|exc|obj|const|type):`(~?)([^`]+)`")


_NOISE = frozenset(
    "__repr__ __str__ __reduce__ __reduce_ex__ __hash__ __eq__ __ne__ __getstate__ __setstate__ __post_init__"
    " __attrs_post_init__ __init_subclass__ __class_getitem__ __del__ __copy__ __deepcopy__ __rich_repr__".split()
)


def _role(match: re.Match[str]) -> str:
    tilde, target = match.group(1), match.group(2).strip()
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def markdown(text: str) -> str:
    """The docstring ``text`` with its reST roles and ``::`` literal-block markers made Markdown."""
    text = _ROLE.sub(_role, text)
    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.rstrip()
        if stripped.strip() == "::":
            continue
        if stripped.endswith("::") and not stripped.endswith(":::"):
            line = stripped[:-1]
        lines.append(line)
    return "\n".join(lines)


def _comment_above(obj: griffe.Attribute) -> str | None:
    if obj.lineno is None or obj.filepath is None or isinstance(obj.filepath, list):
        return None
    try:
        source = obj.lines_collection[obj.filepath]
    except KeyError:
        return None
    found: list[str] = []
    index = obj.lineno - 2  # the line above, 0-based
    while index >= 0 and source[index].strip().startswith("#:"):
        found.append(source[index].strip()[2:].strip())
        index -= 1
    return "\n".join(reversed(found)) or None


class ReSTDocstrings(griffe.Extension):
    """Markdown from reST docstrings, and ``#:`` comments as attribute docstrings."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        for name in _NOISE & set(cls.members):
            cls.del_member(name)

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if isinstance(obj, griffe.Module) and obj.name.startswith("_") and obj.name != "__init__":
            obj.docstring = None
            return
        if isinstance(obj, griffe.Attribute) and obj.docstring is None:
            comment = _comment_above(obj)
            if comment:
                obj.docstring = griffe.Docstring(comment, parent=obj, lineno=obj.lineno)
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
