#!/usr/bin/env python3
"""The API change report: what changed between two repaired specs, and what the facade does not cover.

    python scripts/api_report.py                    # the committed generated/openapi.json: coverage only
    python scripts/api_report.py --old A.json --new B.json
    python scripts/api_report.py --strict           # exit 1 on a breaking change or an uncovered item (CI)
    python scripts/api_report.py --json             # the same report as one JSON object

``scripts/regenerate.py`` prints this report after every regeneration (the previous
``generated/openapi.json`` against the new one). It has four parts:

**Changes**, in the spirit of oasdiff, each marked BREAKING or non-breaking: operations added, removed,
renamed (same method and path, new operationId) or moved (same id, new path); parameters, request and
response fields added, removed, renamed (one removed and one added with the same type), retyped, or whose
required-ness changed; response codes; schemas added or removed; enum values added or removed. Whether a
field change breaks depends on where the schema is used: a new required request field breaks callers, a
new response field does not; a response field that becomes optional breaks readers, a request field that
does does not. Removing anything breaks. Responses parse unknown enum values leniently (normalizer row 7),
so a new enum value is non-breaking; a status a waiter does not know is reported under coverage.

**Facade coverage**: what the hand-written facade (the plan groups in ``adapters/bria_tailored/resources/``)
does not expose or handle, read from the code with ``ast``:

- an operation no plan module uses (``ops.<name>``): still callable with ``client.request("<id>", ...)``;
- a request field (body property, path or query parameter) that no method reaching the operation takes as
  a parameter (``**kwargs: Unpack[SomeTypedDict]`` counts its keys) or sets itself (a string key of a dict
  literal, ``payload["key"] = ...`` or a ``compact(key=...)`` keyword, in the method or in the helpers of
  the resource modules it calls: ``images.upload(source)`` sends ``file`` or ``image_url``, built by
  ``image_input``);
- a value of a spec enum that the status table covering it (``bria_tailored.statuses.TABLES``) does not
  list as running, succeeded or failed: a waiter that meets it ends with ``UnknownStatusError``;
- a facade method whose operation is gone from the spec (calling it raises ``BriaError``).

**Notes** (not counted) and **normalizer** lines that need a maintainer (``WARNING``/``STALE``/``FLAG``
from ``scripts/normalize_spec.py``).

``--strict`` exits 1 when there is a breaking change or an uncovered item.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

Spec = dict[str, Any]


# ------------------------------------------------------------------------------------------ the report
@dataclass(frozen=True)
class Change:
    kind: str  # "operation removed", "request field added", ...
    subject: str  # "stop-training", "ImageGenerationRequest.style_strength", ...
    detail: str
    breaking: bool


@dataclass(frozen=True)
class Gap:
    kind: str  # "operation", "field", "status", "method", "statuses"
    subject: str
    detail: str
    action: str


@dataclass
class Report:
    old: str | None
    new: str
    changes: list[Change] = field(default_factory=list)
    uncovered: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    normalizer: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def fails_strict(self) -> bool:
        return bool(self.breaking or self.uncovered)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "breaking": len(self.breaking),
            "non_breaking": len(self.changes) - len(self.breaking),
            "uncovered_count": len(self.uncovered),
            "changes": [asdict(c) for c in self.changes],
            "uncovered": [asdict(g) for g in self.uncovered],
            "notes": self.notes,
            "normalizer": self.normalizer,
        }


REVIEW = (
    "Review `git status generated/ adapters/` as well as `git diff`: files the generator added (new models, "
    "new API modules) do not show in a diff until they are added."
)


def render(report: Report) -> str:
    lines = [f"API change report: {report.old or '(no previous spec)'} -> {report.new}", ""]
    if report.old is None:
        lines.append("Changes: not computed (no previous generated/openapi.json)")
    elif not report.changes:
        lines.append("Changes: none")
    else:
        lines.append(
            f"Changes: {len(report.breaking)} breaking, {len(report.changes) - len(report.breaking)} non-breaking"
        )
        for c in sorted(report.changes, key=lambda c: (not c.breaking, c.kind, c.subject)):
            mark = "BREAKING" if c.breaking else "non-breaking"
            lines.append(f"  {mark:<13} {c.kind}: {c.subject}" + (f" ({c.detail})" if c.detail else ""))
    lines += ["", f"Facade coverage: {len(report.uncovered)} uncovered" + (":" if report.uncovered else "")]
    for gap in report.uncovered:
        lines.append(f"  {gap.kind:<9} {gap.subject}: {gap.detail}")
        lines.append(f"  {'':<9} -> {gap.action}")
    if report.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in report.notes]
    if report.normalizer:
        lines += ["", "Normalizer (scripts/normalize_spec.py) lines to read:"]
        lines += [f"  {line}" for line in report.normalizer]
    lines += [
        "",
        f"Summary: {len(report.breaking)} breaking, {len(report.changes) - len(report.breaking)} non-breaking, "
        f"{len(report.uncovered)} uncovered" + (" (--strict fails)" if report.fails_strict else ""),
        REVIEW,
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ spec reading
def operations(spec: Spec) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (METHOD, path, operation)."""
    out: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict) and op.get("operationId"):
                out[op["operationId"]] = (method.upper(), path, op)
    return out


def _ref(schema: Any) -> str | None:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        return schema["$ref"].rsplit("/", 1)[-1]
    return None


def _components(spec: Spec) -> dict[str, Any]:
    return (spec.get("components") or {}).get("schemas") or {}


def resolve(spec: Spec, schema: Any) -> dict[str, Any]:
    seen: set[str] = set()
    while (name := _ref(schema)) is not None and name not in seen:
        seen.add(name)
        schema = _components(spec).get(name, {})
    return schema if isinstance(schema, dict) else {}


def type_of(schema: Any) -> str:
    """A short, comparable description of a schema's type (``integer``, ``array[Model]``, ``IpType | string``)."""
    if not isinstance(schema, dict):
        return "any"
    name = _ref(schema)
    if name:
        out = name
    elif len(schema.get("allOf") or []) == 1:
        out = type_of(schema["allOf"][0])
    elif schema.get("anyOf") or schema.get("oneOf"):
        out = " | ".join(type_of(s) for s in schema.get("anyOf") or schema.get("oneOf"))
    elif schema.get("type") == "array":
        out = f"array[{type_of(schema.get('items'))}]"
    else:
        out = str(schema.get("type") or ("object" if "properties" in schema else "any"))
        if schema.get("format"):
            out += f"({schema['format']})"
    if schema.get("nullable"):
        out += " | null"
    return out


@dataclass(frozen=True)
class FieldInfo:
    type: str
    required: bool
    enum: tuple[Any, ...] | None


def fields_of(spec: Spec, schema: Any, prefix: str = "", depth: int = 0) -> dict[str, FieldInfo]:
    """Every field of an object schema, inline nested objects flattened (``a.b``, ``a[].b``)."""
    schema = resolve(spec, schema) if prefix == "" else schema
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    for part in schema.get("allOf") or []:  # an object composed of others: their fields are its own
        resolved = resolve(spec, part)
        props.update(resolved.get("properties") or {})
        required |= set(resolved.get("required") or [])
    out: dict[str, FieldInfo] = {}
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        key = prefix + name
        enum = tuple(v for v in prop.get("enum", ()) if v is not None) if "enum" in prop else None
        out[key] = FieldInfo(type_of(prop), name in required, enum)
        if depth < 4 and _ref(prop) is None:
            if "properties" in prop:
                out.update(fields_of(spec, prop, key + ".", depth + 1))
            elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
                items = prop["items"]
                if _ref(items) is None and "properties" in items:
                    out.update(fields_of(spec, items, key + "[].", depth + 1))
    return out


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = _ref(node)
        if name:
            yield name
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs_in(value)


def _reach(spec: Spec, node: Any) -> set[str]:
    """Component schemas reachable from ``node`` (transitively)."""
    todo, seen = list(_refs_in(node)), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += list(_refs_in(_components(spec).get(name)))
    return seen


def body_schema(op: dict[str, Any]) -> Any:
    return (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")


def response_schemas(op: dict[str, Any]) -> dict[str, Any]:
    """status code -> JSON schema (None when the response has no JSON body), for every response."""
    out: dict[str, Any] = {}
    for code, resp in (op.get("responses") or {}).items():
        media = ((resp or {}).get("content") or {}).get("application/json") or {}
        out[str(code)] = media.get("schema")
    return out


@dataclass
class Usage:
    contexts: set[str] = field(default_factory=set)  # "request", "response"
    operations: set[str] = field(default_factory=set)


def schema_usage(spec: Spec) -> dict[str, Usage]:
    """For every component schema (and inline unit): where it is used, and by which operations."""
    usage: dict[str, Usage] = {}
    for op_id, (_, _, op) in operations(spec).items():
        request = [body_schema(op)] + [
            p.get("schema") for p in op.get("parameters") or [] if isinstance(p, dict)
        ]
        for context, nodes in (("request", request), ("response", list(response_schemas(op).values()))):
            for name in _reach(spec, nodes):
                entry = usage.setdefault(name, Usage())
                entry.contexts.add(context)
                entry.operations.add(op_id)
    return usage


def units(spec: Spec) -> dict[str, tuple[Any, Usage]]:
    """Schemas whose fields are compared: every component, and each operation's inline body/responses."""
    usage = schema_usage(spec)
    out: dict[str, tuple[Any, Usage]] = {
        name: (schema, usage.get(name, Usage())) for name, schema in _components(spec).items()
    }
    for op_id, (_, _, op) in operations(spec).items():
        body = body_schema(op)
        if isinstance(body, dict) and _ref(body) is None:
            out[f"{op_id} request body"] = (body, Usage({"request"}, {op_id}))
        for code, schema in response_schemas(op).items():
            if isinstance(schema, dict) and _ref(schema) is None:
                target = schema.get("items") if schema.get("type") == "array" else schema
                if isinstance(target, dict) and _ref(target) is None and "properties" in target:
                    out[f"{op_id} {code} response"] = (target, Usage({"response"}, {op_id}))
    return out


# ------------------------------------------------------------------------------------------ the changes
def _ops_note(ops: Iterable[str]) -> str:
    ops = sorted(ops)
    if not ops:
        return "unused"
    return ", ".join(ops) if len(ops) <= 3 else f"{', '.join(ops[:3])} and {len(ops) - 3} more operations"


def _param_table(op: dict[str, Any]) -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (p.get("in", "?"), p.get("name", "?")): (type_of(p.get("schema")), bool(p.get("required")))
        for p in op.get("parameters") or []
        if isinstance(p, dict)
    }


def diff_operations(old: Spec, new: Spec) -> list[Change]:
    changes: list[Change] = []
    old_ops, new_ops = operations(old), operations(new)
    new_by_place = {(m, p): op_id for op_id, (m, p, _) in new_ops.items()}
    renamed_to: set[str] = set()
    for op_id in sorted(old_ops.keys() - new_ops.keys()):
        method, path, _ = old_ops[op_id]
        successor = new_by_place.get((method, path))
        if successor and successor not in old_ops:
            renamed_to.add(successor)
            changes.append(
                Change(
                    "operation renamed",
                    f"{op_id} -> {successor}",
                    f"{method} {path}; generated names change",
                    True,
                )
            )
        else:
            changes.append(Change("operation removed", op_id, f"{method} {path}", True))
    for op_id in sorted(new_ops.keys() - old_ops.keys() - renamed_to):
        method, path, _ = new_ops[op_id]
        changes.append(Change("operation added", op_id, f"{method} {path}", False))
    for op_id in sorted(old_ops.keys() & new_ops.keys()):
        (om, opath, oop), (nm, npath, nop) = old_ops[op_id], new_ops[op_id]
        if (om, opath) != (nm, npath):
            changes.append(
                Change(
                    "operation moved",
                    op_id,
                    f"{om} {opath} -> {nm} {npath}; the facade follows the spec; re-record its cassettes: "
                    "scripts/record_cassettes.py --affected",
                    False,
                )
            )
        changes += _diff_parameters(op_id, _param_table(oop), _param_table(nop))
        changes += _diff_bodies(op_id, old, oop, new, nop)
        changes += _diff_responses(op_id, oop, nop)
    return changes


def _diff_parameters(
    op_id: str, old: dict[tuple[str, str], tuple[str, bool]], new: dict[tuple[str, str], tuple[str, bool]]
) -> list[Change]:
    out: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        where, name = key
        subject = f"{op_id} {where} parameter {name}"
        if key not in new:
            out.append(Change("parameter removed", subject, old[key][0], True))
        elif key not in old:
            required = new[key][1]
            out.append(
                Change(
                    "parameter added",
                    subject,
                    f"{new[key][0]}, {'required' if required else 'optional'}",
                    required,
                )
            )
        else:
            (otype, oreq), (ntype, nreq) = old[key], new[key]
            if otype != ntype:
                out.append(Change("parameter retyped", subject, f"{otype} -> {ntype}", True))
            if oreq != nreq:
                out.append(
                    Change(
                        "parameter required-ness changed",
                        subject,
                        "now required" if nreq else "now optional",
                        nreq,
                    )
                )
    return out


def _diff_bodies(op_id: str, old: Spec, oop: dict[str, Any], new: Spec, nop: dict[str, Any]) -> list[Change]:
    ob, nb = body_schema(oop), body_schema(nop)
    if ob is None and nb is None:
        return []
    if ob is None:
        required = bool((nop.get("requestBody") or {}).get("required"))
        return [Change("request body added", op_id, type_of(nb), required)]
    if nb is None:
        return [Change("request body removed", op_id, type_of(ob), True)]
    if _ref(ob) and _ref(nb) and _ref(ob) != _ref(nb):
        return [Change("request body retyped", op_id, f"{_ref(ob)} -> {_ref(nb)}", True)]
    return []


def _diff_responses(op_id: str, oop: dict[str, Any], nop: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    old, new = response_schemas(oop), response_schemas(nop)
    for code in sorted(old.keys() | new.keys()):
        if not code.startswith("2"):
            continue
        if code not in new:
            out.append(Change("success response removed", f"{op_id} {code}", type_of(old[code]), True))
        elif code not in old:
            out.append(Change("success response added", f"{op_id} {code}", type_of(new[code]), False))
        else:
            otype, ntype = type_of(old[code]), type_of(new[code])
            inline = _ref(old[code]) is None and _ref(new[code]) is None and "object" in (otype, ntype)
            if otype != ntype and not inline:
                out.append(Change("response retyped", f"{op_id} {code}", f"{otype} -> {ntype}", True))
    return out


def _field_change(kind: str, contexts: set[str], before: FieldInfo | None, after: FieldInfo | None) -> bool:
    """Whether a field change breaks, given where its schema is used (requests, responses or both)."""
    request, response = "request" in contexts, "response" in contexts
    if kind == "added":
        assert after is not None
        return request and after.required
    if kind in ("removed", "renamed", "retyped"):
        return True
    if kind == "required":
        assert after is not None
        return (request and after.required) or (response and not after.required)
    return False


def diff_units(old: Spec, new: Spec) -> list[Change]:
    changes: list[Change] = []
    old_units, new_units = units(old), units(new)
    for name in sorted(old_units.keys() - new_units.keys()):
        if " " not in name:  # inline units come and go with their operation (reported there)
            changes.append(Change("schema removed", name, "its generated model is gone", True))
    for name in sorted(new_units.keys() - old_units.keys()):
        if " " not in name:
            changes.append(Change("schema added", name, _ops_note(new_units[name][1].operations), False))
    for name in sorted(old_units.keys() & new_units.keys()):
        (oschema, ousage), (nschema, nusage) = old_units[name], new_units[name]
        contexts = ousage.contexts | nusage.contexts or {"request", "response"}
        where = " and ".join(sorted(contexts))
        note = f"{where}: {_ops_note(nusage.operations | ousage.operations)}"
        changes += _diff_enum(name, oschema, nschema, note)
        ofields, nfields = fields_of(old, oschema), fields_of(new, nschema)
        removed = sorted(ofields.keys() - nfields.keys())
        added = sorted(nfields.keys() - ofields.keys())
        if len(removed) == 1 and len(added) == 1 and ofields[removed[0]].type == nfields[added[0]].type:
            a, b = removed[0], added[0]
            changes.append(
                Change(f"{where} field renamed?", f"{name}.{a} -> {name}.{b}", f"same type; {note}", True)
            )
            removed, added = [], []
        for f in removed:
            changes.append(Change(f"{where} field removed", f"{name}.{f}", note, True))
        for f in added:
            info = nfields[f]
            detail = f"{info.type}, {'required' if info.required else 'optional'}; {note}"
            changes.append(
                Change(
                    f"{where} field added",
                    f"{name}.{f}",
                    detail,
                    _field_change("added", contexts, None, info),
                )
            )
        for f in sorted(ofields.keys() & nfields.keys()):
            a, b = ofields[f], nfields[f]
            if a.type != b.type:
                changes.append(
                    Change(f"{where} field retyped", f"{name}.{f}", f"{a.type} -> {b.type}; {note}", True)
                )
            if a.required != b.required:
                state = "now required" if b.required else "now optional"
                changes.append(
                    Change(
                        f"{where} field required-ness changed",
                        f"{name}.{f}",
                        f"{state}; {note}",
                        _field_change("required", contexts, a, b),
                    )
                )
            if a.enum is not None or b.enum is not None:
                changes += _diff_values(f"{name}.{f}", list(a.enum or ()), list(b.enum or ()), note)
    return changes


def _diff_enum(name: str, old: Any, new: Any, note: str) -> list[Change]:
    if not (isinstance(old, dict) and isinstance(new, dict)) or ("enum" not in old and "enum" not in new):
        return []
    return _diff_values(name, list(old.get("enum") or ()), list(new.get("enum") or ()), note)


def _diff_values(subject: str, old: list[Any], new: list[Any], note: str) -> list[Change]:
    out = [Change("enum value removed", f"{subject} {v!r}", note, True) for v in old if v not in new]
    out += [
        Change("enum value added", f"{subject} {v!r}", f"{note}; responses accept unknown values", False)
        for v in new
        if v not in old
    ]
    return out


def diff(old: Spec, new: Spec) -> list[Change]:
    return diff_operations(old, new) + diff_units(old, new)


# ------------------------------------------------------------------------------------------ the facade
@dataclass
class Function:
    """A function or method of a resource module, as far as coverage cares."""

    key: str  # "module:Class.method" or "module:function"
    node: ast.FunctionDef
    module: str
    cls: str | None
    ops: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)  # names called: bare names and self.<name>
    literal_keys: set[str] = field(default_factory=set)


def _typed_dicts(tree: ast.Module) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any("TypedDict" in ast.unparse(b) for b in node.bases):
            out[node.name] = {
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            }
    return out


def _scan(fn: Function) -> None:
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ops":
            fn.ops.add(node.attr)
        elif isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Name):
                fn.calls.add(target.id)
                if target.id == "compact":
                    fn.literal_keys |= {k.arg for k in node.keywords if k.arg}
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                fn.calls.add(target.attr)
        elif isinstance(node, ast.Dict):
            fn.literal_keys |= {
                k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if (
                    isinstance(t, ast.Subscript)
                    and isinstance(t.slice, ast.Constant)
                    and isinstance(t.slice.value, str)
                ):
                    fn.literal_keys.add(t.slice.value)


def _parameters(fn: ast.FunctionDef, typed_dicts: dict[str, set[str]]) -> set[str]:
    args = fn.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self"}
    if args.kwarg is not None and args.kwarg.annotation is not None:
        text = ast.unparse(args.kwarg.annotation)
        for td, keys in typed_dicts.items():
            if f"Unpack[{td}]" in text:
                names |= keys
    return names


@dataclass
class Facade:
    ops_used: dict[str, set[str]]  # op name -> modules using it
    methods: dict[str, tuple[set[str], set[str]]]  # "client.x.y" -> (op names reached, names it handles)


def read_facade(root: Path = ROOT) -> Facade:
    """Which operations the plan modules use, and each public facade method's reach and parameters."""
    sys.path.insert(0, str(root / "scripts"))
    try:
        import gen_facade
    finally:
        sys.path.pop(0)
    package = root / "adapters" / "bria_tailored"
    functions: dict[str, Function] = {}
    by_name: dict[str, list[Function]] = {}
    trees: dict[str, ast.Module] = {}
    typed: dict[str, set[str]] = {}
    ops_used: dict[str, set[str]] = {}
    for path in sorted((package / "resources").glob("*.py")):
        module = f"resources.{path.stem}"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        trees[module] = tree
        typed.update(_typed_dicts(tree))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "ops"
            ):
                ops_used.setdefault(node.attr, set()).add(module)
        for node in tree.body:
            defs: list[tuple[str | None, ast.FunctionDef]] = []
            if isinstance(node, ast.FunctionDef):
                defs.append((None, node))
            elif isinstance(node, ast.ClassDef):
                defs += [(node.name, n) for n in node.body if isinstance(n, ast.FunctionDef)]
            for cls, fn_node in defs:
                key = f"{module}:{cls + '.' if cls else ''}{fn_node.name}"
                if key in functions and _is_overload(fn_node):
                    continue
                fn = Function(key, fn_node, module, cls)
                _scan(fn)
                functions[key] = fn
                by_name.setdefault(fn_node.name, []).append(fn)

    def closure(start: Function) -> list[Function]:
        seen: dict[str, Function] = {}
        todo = [start]
        while todo:
            fn = todo.pop()
            if fn.key in seen:
                continue
            seen[fn.key] = fn
            for name in fn.calls:
                same_class = functions.get(f"{fn.module}:{fn.cls}.{name}") if fn.cls else None
                if same_class is not None:
                    todo.append(same_class)
                else:
                    todo += [f for f in by_name.get(name, []) if f.cls is None]
        return list(seen.values())

    nested = {
        child: (group.name, attr) for group in gen_facade.GROUPS for attr, child in group.nested.items()
    }

    def facade_path(name: str) -> str:
        if name in nested:
            parent, attr = nested[name]
            return f"{facade_path(parent)}.{attr}"
        return "client" if name == "ClientMethods" else f"client.{name.lower()}"

    methods: dict[str, tuple[set[str], set[str]]] = {}
    for group in gen_facade.GROUPS:
        for fn in functions.values():
            if fn.module != group.module or fn.cls != group.plans or fn.node.name.startswith("_"):
                continue
            reached = closure(fn)
            ops = set().union(*(f.ops for f in reached))
            handled = _parameters(fn.node, typed).union(*(f.literal_keys for f in reached))
            methods[f"{facade_path(group.name)}.{fn.node.name}"] = (ops, handled)
    return Facade(ops_used, methods)


def _is_overload(node: ast.FunctionDef) -> bool:
    return any("overload" in ast.unparse(d) for d in node.decorator_list)


def status_tables(root: Path = ROOT) -> list[dict[str, Any]]:
    """``bria_tailored.statuses.TABLES`` of the checkout at ``root`` (read in a child interpreter)."""
    code = (
        "import json, bria_tailored.statuses as s\n"
        "names = {id(v): k for k, v in vars(s).items() if isinstance(v, s.StatusTable)}\n"
        "print(json.dumps([{'name': names.get(id(t), t.kind), 'kind': t.kind, 'enum': t.enum,\n"
        "  'running': sorted(t.running), 'succeeded': sorted(t.succeeded), 'failed': sorted(t.failed)}\n"
        "  for t in s.TABLES]))\n"
    )
    paths = [str(root / "adapters"), str(root / "generated")]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output")
    tables: list[dict[str, Any]] = json.loads(proc.stdout)
    return tables


def _request_fields(spec: Spec, op: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of every request field: body properties, path and query parameters."""
    out = [
        (f"{p.get('in')} parameter", p.get("name", "?"))
        for p in op.get("parameters") or []
        if isinstance(p, dict) and p.get("in") in ("path", "query")
    ]
    body = body_schema(op)
    if body is not None:
        out += [
            ("body field", name) for name in fields_of(spec, body) if "." not in name and "[]" not in name
        ]
    return out


def _field_action(kind: str, field_name: str, op_id: str, method: str) -> str:
    expose = "expose it: add a keyword to the plan method (then scripts/gen_facade.py)"
    if kind == "body field":
        return (
            f'send it now with {method}(..., extra_body={{"{field_name}": ...}}) or '
            f'client.request("{op_id}", json={{...}}); {expose}'
        )
    if kind == "query parameter":
        return (
            f'send it now with {method}(..., extra_query={{"{field_name}": ...}}) or '
            f'client.request("{op_id}", query={{...}}); {expose}'
        )
    return (
        f"the method cannot fill this path parameter, so its calls fail: add it to the plan method; "
        f'meanwhile client.request("{op_id}", path_params={{...}})'
    )


def coverage(spec: Spec, root: Path = ROOT) -> tuple[list[Gap], list[str]]:
    """What the facade at ``root`` does not expose or handle in ``spec``; and notes (not counted)."""
    gaps: list[Gap] = []
    notes: list[str] = []
    facade = read_facade(root)
    ops = operations(spec)
    names = {op_id.replace("-", "_"): op_id for op_id in ops}
    for name, op_id in sorted(names.items()):
        method, path, op = ops[op_id]
        if name not in facade.ops_used:
            params = [
                p.get("name")
                for p in op.get("parameters") or []
                if isinstance(p, dict) and p.get("in") == "path"
            ]
            call = f'client.request("{op_id}"' + (
                ", path_params={" + ", ".join(f'"{p}": ...' for p in params) + "}" if params else ""
            )
            call += ", json={...})" if body_schema(op) is not None else ")"
            gaps.append(
                Gap(
                    "operation",
                    op_id,
                    f"{method} {path} has no facade method",
                    f"call it now with {call}; wrap it: add a method to a plan group in "
                    "adapters/bria_tailored/resources/ (then scripts/gen_facade.py)",
                )
            )
            continue
        users = sorted(m for m, (reached, _) in facade.methods.items() if name in reached)
        if not users:
            continue
        handled = set().union(*(facade.methods[m][1] for m in users))
        for kind, field_name in _request_fields(spec, op):
            if field_name in handled:
                continue
            gaps.append(
                Gap(
                    "field",
                    f"{op_id} {kind} {field_name}",
                    f"no keyword on {', '.join(users)}",
                    _field_action(kind, field_name, op_id, users[0]),
                )
            )
    for name in sorted(facade.ops_used.keys() - names.keys()):
        users = sorted(m for m, (reached, _) in facade.methods.items() if name in reached)
        gaps.append(
            Gap(
                "method",
                name.replace("_", "-"),
                f"{', '.join(users) or 'a plan module'} calls an operation the spec no longer has "
                "(calling it raises BriaError)",
                "remove or rework the method (mypy names it), and say so in the changelog",
            )
        )
    try:
        tables = status_tables(root)
    except (RuntimeError, ValueError) as exc:
        gaps.append(
            Gap(
                "statuses",
                "bria_tailored.statuses",
                f"cannot read TABLES: {exc}",
                "fix the import of statuses.py",
            )
        )
        tables = []
    schemas = _components(spec)
    for table in tables:
        where = f"statuses.{table['name']} ({table['kind']})"
        known = {v.casefold() for v in table["running"] + table["succeeded"] + table["failed"]}
        enum = schemas.get(table["enum"])
        if not isinstance(enum, dict) or "enum" not in enum:
            gaps.append(
                Gap(
                    "statuses",
                    table["enum"],
                    f"{where} covers {table['enum']}, which is no longer an enum of the spec",
                    "find where that status now lives in the spec and point the table's enum at it",
                )
            )
            continue
        values = [v for v in enum["enum"] if isinstance(v, str)]
        for value in values:
            if value.casefold() not in known:
                gaps.append(
                    Gap(
                        "status",
                        f"{table['enum']} {value!r}",
                        f"in no list of {where}: a wait that meets it ends with UnknownStatusError",
                        "add it to running, succeeded or failed in adapters/bria_tailored/statuses.py",
                    )
                )
        listed = {v.casefold() for v in values}
        extra = sorted(
            v for v in table["running"] + table["succeeded"] + table["failed"] if v.casefold() not in listed
        )
        if extra:
            notes.append(
                f"{where} lists {', '.join(map(repr, extra))}, which {table['enum']} does not (harmless)"
            )
    return gaps, notes


# ------------------------------------------------------------------------------------------ entry points
def normalizer_attention(upstream: Path | None) -> list[str]:
    """The normalizer's report lines that need a maintainer, for the upstream spec (empty without one)."""
    if upstream is None or not upstream.exists():
        return []
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import normalize_spec
    finally:
        sys.path.pop(0)
    _, lines = normalize_spec.normalize(normalize_spec.load_spec(upstream))
    return normalize_spec.attention(lines)


def build(
    old: Spec | None,
    new: Spec,
    *,
    old_name: str | None,
    new_name: str,
    root: Path = ROOT,
    upstream: Path | None = None,
) -> Report:
    report = Report(old_name, new_name)
    if old is not None:
        report.changes = diff(old, new)
    report.uncovered, report.notes = coverage(new, root)
    report.normalizer = normalizer_attention(upstream)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT / "generated" / "openapi.json"
    parser.add_argument(
        "--old", default=str(default), help="the previous repaired spec (default: generated/)"
    )
    parser.add_argument("--new", default=str(default), help="the new repaired spec (default: generated/)")
    parser.add_argument(
        "--upstream", default=str(ROOT / "openapi.json"), help="upstream spec for normalizer notes"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 on breaking changes or uncovered items")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    old = json.loads(Path(args.old).read_text(encoding="utf-8"))
    new = json.loads(Path(args.new).read_text(encoding="utf-8"))
    report = build(old, new, old_name=args.old, new_name=args.new, upstream=Path(args.upstream))
    print(
        json.dumps(report.as_dict(), indent=2) if args.json else render(report),
        end="" if not args.json else "\n",
    )
    return 1 if args.strict and report.fails_strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
