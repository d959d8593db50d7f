"""One API operation as data: method, path, parameters and how to read each documented response.

:mod:`bria_tailored._operations` (written by ``scripts/regenerate.py`` from ``generated/openapi.json``)
holds one :class:`Operation` per operationId. The facade builds requests from these and parses responses
with the generated package's public models (``bria_tailored_api.models.*.from_dict``), imported on first
use: a model or an operation removed upstream breaks only the facade methods that use it (and mypy names
them), never ``import bria_tailored``.

Reading a response is on every call's path, and a list holds hundreds of models, so each model class gets
a *structurer* the first time one is read (cattrs-style precompiled structuring): a function compiled for
that class from its attrs fields and their annotations, which builds the instance without the generated
``from_dict``'s per-field closures and ``Unset`` branches. It mirrors ``from_dict`` exactly and defers to
it for everything unusual: any field it does not recognise makes the class use ``from_dict`` as is, and
any exception on the fast path (missing key, wrong type, unknown strict enum value...) re-runs the
generated ``from_dict``, which then raises (or returns) exactly what it always did.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import json
import types
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

if TYPE_CHECKING:
    import httpx

R = TypeVar("R")

#: How a response body is read: ``("model", "module:Class")``, ``("list", "module:Class")``, ``("json", "")``
#: (kept as parsed JSON) or ``("empty", "")`` (no body: the call returns None).
Reader = tuple[Literal["model", "list", "json", "empty"], str]


@dataclass(frozen=True)
class Operation(Generic[R]):
    """An operation of the repaired spec. ``R`` is what a successful call returns (typed by the table)."""

    operation_id: str
    method: str
    path: str
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    query_defaults: Mapping[str, object] = field(default_factory=lambda: {})
    body_schema: str | None = None
    responses: Mapping[int, Reader] = field(default_factory=lambda: {})

    @property
    def name(self) -> str:
        """The Python name of the operation (``create-project`` -> ``create_project``)."""
        return self.operation_id.replace("-", "_")

    def url_path(self, path_params: Mapping[str, object]) -> str:
        """The path with its parameters filled in (each percent-encoded)."""
        missing = [p for p in self.path_params if p not in path_params]
        if missing:
            raise TypeError(f"{self.operation_id}: missing path parameter(s) {', '.join(missing)}")
        values = {
            k: str(v) if v.__class__ is int else urllib.parse.quote(str(v), safe="")  # digits need no quoting
            for k, v in path_params.items()
        }
        return self.path.format(**values)

    def read(self, response: httpx.Response) -> R:
        """Parse a successful response into the documented model (``None`` for an empty body).

        Raises ``ValueError``/``KeyError``/``TypeError`` when the body does not match; the caller turns
        that into a ``ResponseFormatError``-style API error.
        """
        kind, target = self.responses.get(response.status_code) or self._fallback()
        content = response.content
        if kind == "empty" or (kind == "json" and not content):
            return cast(R, None)
        data: Any = json.loads(content) if content else None  # what response.json() does
        if kind == "json":
            return cast(R, data)
        if kind == "list":
            if not isinstance(data, list):
                raise TypeError(f"expected a JSON array, got {type(data).__name__}")
            items = cast("list[object]", data)
            structure = _STRUCTURERS.get(target) or _structurer_for(target, len(items))
            return cast(R, [structure(item) for item in items])
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        structure = _STRUCTURERS.get(target) or _structurer_for(target)
        return cast(R, structure(data))

    def _fallback(self) -> Reader:
        # An undocumented 2xx: read it like the only documented success shape, else keep the JSON.
        shapes = set(self.responses.values())
        return shapes.pop() if len(shapes) == 1 else ("json", "")


# ------------------------------------------------------------------------------------------ structuring

Structurer = Callable[[Any], Any]

#: ``"module:Class"`` -> what reads that model (its compiled structurer, once compiled).
_STRUCTURERS: dict[str, Structurer] = {}
#: model class -> its structurer (nested models included).
_BY_CLASS: dict[type, Structurer] = {}
#: Items read through ``from_dict`` per target, until it is worth compiling a structurer.
_SEEN: dict[str, int] = {}
#: Compile a class's structurer once this many of its instances have been read (a list of 200 does it at
#: once; a one-off command that reads one model never pays the ~1 ms of compiling).
COMPILE_AFTER = 16

#: Annotations whose values ``from_dict`` passes through as they are (JSON scalars, lists of strings).
_PASS_THROUGH = frozenset({"str", "int", "bool", "float", "list[str]", "None"})


def _model_class(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"bria_tailored_api.models.{module}"), name)


def _structurer_for(target: str, items: int = 1) -> Structurer:
    """What reads ``target``: ``from_dict`` for the first few items, then the compiled structurer."""
    cls = _model_class(target)
    seen = _SEEN.get(target, 0) + items
    if seen < COMPILE_AFTER and cls not in _BY_CLASS:
        _SEEN[target] = seen
        return cast(Structurer, cls.from_dict)
    structure = structurer(cls)
    _STRUCTURERS[target] = structure
    return structure


def structurer(cls: type) -> Structurer:
    """A function equivalent to ``cls.from_dict`` for a generated model, compiled for speed when possible."""
    found = _BY_CLASS.get(cls)
    if found is None:
        found = _compile(cls, set())
    return found


def _lenient_enum(kind: type[enum.Enum], value: object) -> object:
    """A lenient enum field of ``from_dict``: the member for a known string, else the value as it is."""
    if isinstance(value, str):
        try:
            return kind(value)
        except (TypeError, ValueError, AttributeError, KeyError):
            pass
    return value


def _lenient_model(structure: Structurer, value: object) -> object:
    """A nullable nested model of ``from_dict``: the model for an object that parses, else the value."""
    if not isinstance(value, dict):
        return value
    try:
        return structure(value)
    except (TypeError, ValueError, AttributeError, KeyError):
        return cast(object, value)


def _json_keys(cls: type) -> dict[str, tuple[str, bool]] | None:
    """``{attribute: (JSON key, has a default)}`` as the generated ``from_dict`` reads them, or None when
    its code is not of the usual shape (``x = ...d.pop("key"[, UNSET])...`` then ``cls(x=x, ...)``)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cast(Any, cls).from_dict)))
    except (OSError, TypeError, SyntaxError):
        return None
    popped: dict[str, tuple[str, bool]] = {}
    arguments: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            continue
        variable = node.targets[0].id
        for sub in ast.walk(node.value):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "pop"
                and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id == "d"
                and sub.args
                and isinstance(sub.args[0], ast.Constant)
                and isinstance(sub.args[0].value, str)
            ):
                if variable in popped:
                    return None
                popped[variable] = (sub.args[0].value, len(sub.args) > 1)
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "cls":
            for keyword in value.keywords:
                if keyword.arg is None or not isinstance(keyword.value, ast.Name):
                    return None
                arguments[keyword.arg] = keyword.value.id
    keys: dict[str, tuple[str, bool]] = {}
    constants = _string_constants(cast(Any, cls).from_dict.__code__)
    for attribute, variable in arguments.items():
        found = popped.get(variable) or popped.get(f"_{variable}")
        if found is None or found[0] not in constants:  # the source on disk is not what was imported
            return None
        keys[attribute] = found
    return keys


def _string_constants(code: types.CodeType) -> set[str]:
    """Every string constant of ``code`` and of the functions defined in it."""
    found: set[str] = set()
    for constant in code.co_consts:
        if isinstance(constant, str):
            found.add(constant)
        elif isinstance(constant, types.CodeType):
            found |= _string_constants(constant)
    return found


def _compile(cls: type, building: set[type]) -> Structurer:
    """Compile (and remember) the structurer of ``cls``; ``from_dict`` itself when a field is unusual."""
    from_dict = cast(Structurer, cast(Any, cls).from_dict)
    try:
        source, names = _structurer_source(cls, building | {cls})
    except _Unsupported:
        _BY_CLASS[cls] = from_dict
        return from_dict
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_from_dict": from_dict, **names}
    exec(compile(source, f"<structurer of {cls.__module__}.{cls.__qualname__}>", "exec"), namespace)
    structure = cast(Structurer, namespace["structure"])
    _BY_CLASS[cls] = structure
    return structure


class _Unsupported(Exception):
    """A model this module does not compile: it is read by its own ``from_dict``."""


def _nested(name: str, building: set[type]) -> Structurer:
    """The structurer of the generated model ``name`` (late-bound when it is being compiled right now)."""
    import bria_tailored_api.models as models

    cls = getattr(models, name, None)
    if not isinstance(cls, type) or not hasattr(cls, "from_dict"):
        raise _Unsupported(name)
    if cls in building:
        return lambda data: _BY_CLASS[cls](data)
    return _BY_CLASS.get(cls) or _compile(cls, building)


def _structurer_source(cls: type, building: set[type]) -> tuple[str, dict[str, Any]]:
    import attrs

    from bria_tailored_api.types import UNSET

    if not attrs.has(cls) or cls.__setattr__ is not object.__setattr__:  # frozen: needs its __init__
        raise _Unsupported(cls)
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        raise _Unsupported(cls)
    keys = _json_keys(cls)
    if keys is None:
        raise _Unsupported(cls)
    import bria_tailored_api.models as models

    names: dict[str, Any] = {
        "UNSET": UNSET,
        "_fromiso": datetime.datetime.fromisoformat,
        "_lenient_enum": _lenient_enum,
        "_lenient_model": _lenient_model,
    }
    full: list[str] = []  # every known key present and nothing else: d[key] for each
    general: list[str] = []  # optional keys may be missing, unknown keys are kept
    extras = False
    fields = attrs.fields(cls)
    if len(keys) != len([f for f in fields if f.init]):
        raise _Unsupported(cls)
    for i, f in enumerate(fields):
        if f.validator is not None or f.converter is not None:
            raise _Unsupported(cls)
        if not f.init:
            if f.name == "additional_properties" and not extras:
                extras = True
                continue
            raise _Unsupported(cls)
        if not isinstance(f.type, str) or f.name not in keys:
            raise _Unsupported(cls)
        key, optional = keys[f.name]
        tokens = f.type.split(" | ")
        if ("Unset" in tokens) != optional:
            raise _Unsupported(cls)
        nullable = "None" in tokens
        rest = [t for t in tokens if t not in ("Unset", "None")]
        attr, k = f.name, repr(key)
        got = f"d[{k}]" if not optional else f"get({k}, UNSET)"
        unset = "v if v is UNSET else " if optional else ""
        if set(rest) <= _PASS_THROUGH:
            full.append(f"o.{attr} = d[{k}]")
            general.append(f"o.{attr} = {got}")
            continue
        if rest == ["datetime.datetime"] and not nullable:
            full.append(f"o.{attr} = _fromiso(d[{k}])")
            general.append(f"v = {got}")
            general.append(f"o.{attr} = {unset}_fromiso(v)")
            continue
        if rest[0].startswith("list[") and rest[0].endswith("]") and len(rest) == 1 and not nullable:
            names[f"_s{i}"] = _nested(rest[0][5:-1], building)
            full.append(f"o.{attr} = [_s{i}(x) for x in d[{k}]]")
            general.append(f"v = {got}")
            general.append(f"o.{attr} = {unset}[_s{i}(x) for x in v]")
            continue
        named = [t for t in rest if t != "str"]
        if len(named) != 1:
            raise _Unsupported(cls)
        target = getattr(models, named[0], None)
        if isinstance(target, type) and issubclass(target, enum.Enum):
            if getattr(target._missing_, "__func__", None) is not getattr(
                enum.Enum._missing_, "__func__", None
            ):
                raise _Unsupported(cls)
            names[f"_e{i}"] = target
            names[f"_m{i}"] = target._value2member_map_
            if "str" in rest:  # lenient (responses): the member for a known string, else the value
                expression = (
                    f"_m{i}.get(v, v) if v.__class__ is str "
                    f"else v if v is UNSET or v is None else _lenient_enum(_e{i}, v)"
                )
                full.append(f"v = d[{k}]")
                full.append(f"o.{attr} = {expression}")
                general.append(f"v = {got}")
                general.append(f"o.{attr} = {expression}")
            elif not nullable:  # strict: the member, or the enum's own error
                expression = f"_m{i}[v] if v.__class__ is str and v in _m{i} else _e{i}(v)"
                full.append(f"v = d[{k}]")
                full.append(f"o.{attr} = {expression}")
                general.append(f"v = {got}")
                general.append(f"o.{attr} = {unset}({expression})")
            else:
                raise _Unsupported(cls)
            continue
        if "str" in rest:
            raise _Unsupported(cls)
        names[f"_s{i}"] = _nested(named[0], building)
        if nullable:  # None, the model, or (when it does not parse) the value as it is
            full.append(f"v = d[{k}]")
            full.append(f"o.{attr} = v if v is None else _lenient_model(_s{i}, v)")
            general.append(f"v = {got}")
            general.append(f"o.{attr} = v if v is None or v is UNSET else _lenient_model(_s{i}, v)")
        else:
            full.append(f"o.{attr} = _s{i}(d[{k}])")
            general.append(f"v = {got}")
            general.append(f"o.{attr} = {unset}_s{i}(v)")
    names["_known"] = frozenset(key for key, _ in keys.values())
    if extras:
        full.append("o.additional_properties = {}")
        general.append(
            "o.additional_properties = {} if d.keys() <= _known else "
            "{key: value for key, value in d.items() if key not in _known}"
        )
    body = ["def structure(d):", "    if d.__class__ is dict:"]
    body += [f"        if len(d) == {len(keys)}:", "            try:", "                o = _new(_cls)"]
    body += [f"                {line}" for line in full]
    body += ["                return o", "            except Exception:", "                pass"]
    body += ["        try:", "            get = d.get", "            o = _new(_cls)"]
    body += [f"            {line}" for line in general]
    body += ["            return o", "        except Exception:", "            pass"]
    body += ["    return _from_dict(d)"]
    return "\n".join(body) + "\n", names
