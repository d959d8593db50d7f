#!/usr/bin/env python3
"""Write the sync and async facades from the plan groups: ``_sync_facade.py`` and ``_async_facade.py``.

Every resource group is written once, as a class whose public methods return plans
(``ProjectPlans.create(...) -> Plan[Project]``). Python's type system cannot say "the same methods, but
returning ``T`` / an awaitable of ``T``", so this script reads those classes (with ``ast``) and writes, for
each, a sync class (``def create(...) -> Project``) and an async class (``async def create(...) ->
Project``) with the same signatures, overloads and docstrings; each method body is one line that runs the
plan of the same name on the client's engine. The output is ordinary code: mypy and pyright check it like
the rest of the package, so a signature that does not type-check fails CI.

A maintainer adding a method edits the plan class only, then runs this script (``scripts/regenerate.py``
runs it too); ``--check`` exits 1 when either file is out of date (CI and a test run it).

Rules for plan methods (checked here, with a clear error): the return annotation is ``Plan[X]``; default
values are literals (``None``, numbers, strings, booleans), because the generated modules import the
annotations' names for type checking only.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "adapters" / "bria_tailored"


@dataclass
class Group:
    module: str  # module of bria_tailored holding the plan class, e.g. "resources.projects"
    plans: str  # the plan class, e.g. "ProjectPlans"
    name: str  # the facade class name, e.g. "Projects" (the async one is "Async" + name)
    nested: dict[str, str] = field(default_factory=dict)  # attribute -> facade class name of a sub-group


GROUPS = [
    Group("resources.projects", "ProjectPlans", "Projects"),
    Group("resources.datasets", "ImagePlans", "Images"),
    Group("resources.datasets", "DatasetPlans", "Datasets", {"images": "Images"}),
    Group("resources.models", "CheckpointPlans", "Checkpoints"),
    Group("resources.models", "ModelPlans", "Models", {"checkpoints": "Checkpoints"}),
    Group("resources.generate", "GeneratePlans", "Generate"),
    Group("resources.status", "StatusPlans", "Status"),
    Group("batch.plans", "BatchPlans", "Batch"),
    Group("_client_plans", "ClientPlans", "ClientMethods"),
]


class FacadeError(Exception):
    pass


def _module_source(module: str) -> tuple[Path, ast.Module]:
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    return path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module of a relative import found in ``bria_tailored.<module>``."""
    if node.level == 0:
        return node.module or ""
    package = ["bria_tailored", *module.split(".")[:-1]]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, tree: ast.Module) -> list[str]:
    """Every import of the module (top level and under ``if TYPE_CHECKING:``), made absolute."""
    out: list[str] = []
    nodes: list[ast.stmt] = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            nodes.extend(node.body)
    for node in nodes:
        if isinstance(node, ast.Import):
            out.extend(f"import {ast.unparse(alias)}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            skip = {"TYPE_CHECKING", "overload", "cast"} if node.module == "typing" else set()
            aliases = [a for a in node.names if a.name not in skip]
            if aliases:
                names = ", ".join(ast.unparse(alias) for alias in aliases)
                out.append(f"from {_absolute(module, node)} import {names}")
    return out


def _own_names(module: str, tree: ast.Module) -> list[str]:
    """Imports of the names a source module defines at top level (classes, aliases), for its annotations.

    Unused ones are dropped by ruff when the file is formatted."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign) and not (
            isinstance(node.value, ast.Call) and ast.unparse(node.value.func).endswith("TypeVar")
        ):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return [f"from bria_tailored.{module} import {name}" for name in names if name != "logger"]


def _plan_return(fn: ast.FunctionDef, where: str) -> str:
    """``X`` of ``-> Plan[X]`` (``X | Y`` of ``-> Plan[X] | Plan[Y]``)."""

    def parts(ann: ast.expr | None) -> list[str]:
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return parts(ann.left) + parts(ann.right)
        if isinstance(ann, ast.Subscript) and ast.unparse(ann.value) == "Plan":
            return [ast.unparse(ann.slice)]
        shown = ast.unparse(fn.returns) if fn.returns else None
        raise FacadeError(f"{where}: the return annotation must be Plan[...], not {shown}")

    return " | ".join(parts(fn.returns))


def _check_defaults(fn: ast.FunctionDef, where: str) -> None:
    for default in [*fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)]:
        if any(isinstance(n, (ast.Name, ast.Attribute, ast.Call)) for n in ast.walk(default)):
            raise FacadeError(f"{where}: default {ast.unparse(default)} must be a literal (None, a number, str or bool, or arithmetic on them)")


def _forward(fn: ast.FunctionDef) -> str:
    """The call that passes every parameter of ``fn`` on, by position or by keyword as declared."""
    args = fn.args
    parts = [a.arg for a in [*args.posonlyargs, *args.args][1:]]
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    parts += [f"{a.arg}={a.arg}" for a in args.kwonlyargs]
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return ", ".join(parts)


#: Per-call request options every facade method takes (see ``transport.RequestOptions``), as keyword-only
#: parameters added after the plan method's own.
REQUEST_OPTIONS = (
    ("extra_body", "Mapping[str, object] | None"),
    ("extra_query", "Mapping[str, object] | None"),
    ("extra_headers", "Mapping[str, str] | None"),
    ("request_timeout", "float | None"),
)


def _with_request_options(args: ast.arguments) -> ast.arguments:
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    extra = [(n, t) for n, t in REQUEST_OPTIONS if n not in names]
    return ast.arguments(
        posonlyargs=args.posonlyargs,
        args=args.args,
        vararg=args.vararg,
        kwonlyargs=[*args.kwonlyargs, *(ast.arg(arg=n, annotation=ast.parse(t, mode="eval").body) for n, t in extra)],
        kw_defaults=[*args.kw_defaults, *(ast.Constant(None) for _ in extra)],
        kwarg=args.kwarg,
        defaults=args.defaults,
    )


def _signature(fn: ast.FunctionDef, returns: str) -> str:
    clone = ast.FunctionDef(
        name=fn.name,
        args=_with_request_options(fn.args),
        body=[ast.Expr(ast.Constant(...))],
        decorator_list=[],
        returns=ast.parse(returns, mode="eval").body,
        type_params=[],
    )
    ast.fix_missing_locations(clone)
    header = ast.unparse(clone).split("\n", 1)[0]
    return header[: -len(" ...")] if header.endswith(" ...") else header


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef]:
    return [n for n in cls.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def _render_class(group: Group, cls: ast.ClassDef, *, is_async: bool) -> list[str]:
    prefix = "Async" if is_async else ""
    engine = "AsyncEngine" if is_async else "SyncEngine"
    lines = [f"class {prefix}{group.name}:"]
    doc = ast.get_docstring(cls)
    if doc:
        lines.append(f"    {_quote(doc)}")
        lines.append("")
    lines.append(f"    def __init__(self, engine: {engine}, plans: {group.plans}) -> None:")
    lines.append("        self._engine = engine")
    lines.append("        self._plans = plans")
    for attr, sub in group.nested.items():
        lines.append(f"        self.{attr} = {prefix}{sub}(engine, plans.{attr})")
    lines.append("")
    lines.append("    def __repr__(self) -> str:")
    lines.append(f'        return "<{prefix}{group.name}>"')
    for fn in _methods(cls):
        where = f"{group.module}.{group.plans}.{fn.name}"
        _check_defaults(fn, where)
        returns = _plan_return(fn, where)
        overload = any(ast.unparse(d) in ("overload", "typing.overload") for d in fn.decorator_list)
        signature = _signature(fn, returns)
        if is_async:
            signature = "async " + signature
        lines.append("")
        if overload:
            lines.append("    @overload")
            lines.append(f"    {signature} ...")
            continue
        lines.append(f"    {signature}")
        fn_doc = ast.get_docstring(fn)
        if fn_doc:
            lines.append(f"        {_quote(fn_doc, indent=8)}")
        options = ", ".join(n for n, _ in REQUEST_OPTIONS)
        plans = f"self._plans.with_request_options({options})"
        run = f"self._engine.run({plans}.{fn.name}({_forward(fn)}))"
        lines.append(f"        return {'await ' if is_async else ''}{run}")
    lines.append("")
    lines.append("")
    return lines


def _quote(doc: str, indent: int = 4) -> str:
    pad = " " * indent
    body = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = "\n".join((pad + line) if line else "" for line in body.split("\n"))
    return '"""' + body.lstrip() + '"""'


def render(is_async: bool) -> str:
    kind = "async" if is_async else "sync"
    imports: set[str] = set()
    classes: list[str] = []
    plan_imports: set[str] = set()
    for group in GROUPS:
        _, tree = _module_source(group.module)
        imports.update(_imports(group.module, tree))
        imports.update(_own_names(group.module, tree))
        cls = next(
            (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == group.plans), None
        )
        if cls is None:
            raise FacadeError(f"bria_tailored.{group.module} has no class {group.plans}")
        plan_imports.add(f"from bria_tailored.{group.module} import {group.plans}")
        classes.extend(_render_class(group, cls, is_async=is_async))
    engine = "AsyncEngine" if is_async else "SyncEngine"
    typing_only = sorted(
        i for i in imports | plan_imports | {f"from bria_tailored._engine import {engine}"} if "overload" not in i
    )
    head = [
        f'"""The {kind} facade: ``{"Async" if is_async else ""}Projects``, ``{"Async" if is_async else ""}Datasets``, ...,'
        f" each method running its plan {'by awaiting' if is_async else 'by blocking'}.",
        "",
        "Written by scripts/gen_facade.py from the plan groups in bria_tailored/resources/ — do not edit by",
        "hand: change the plan class, then run the script (scripts/regenerate.py runs it too).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, overload",
        "",
        "if TYPE_CHECKING:",
        "    from collections.abc import Mapping",
        *(f"    {line}" for line in typing_only),
        "",
        "",
    ]
    return "\n".join(head + classes).rstrip() + "\n"


def formatted(text: str, name: str) -> str:
    with tempfile.TemporaryDirectory(prefix="bria-facade-") as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        settings = ["--config", "line-length=110", "--config", "target-version='py311'"]
        ruff = [sys.executable, "-m", "ruff"]
        fix = [*ruff, "check", "--fix", "--quiet", "--select", "I,F401", *settings, str(path)]
        subprocess.run(fix, check=False)
        subprocess.run([*ruff, "format", "--quiet", *settings, str(path)], check=True)
        return path.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write bria_tailored/_sync_facade.py and _async_facade.py.")
    parser.add_argument("--check", action="store_true", help="exit 1 if either file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for is_async, name in ((False, "_sync_facade.py"), (True, "_async_facade.py")):
        try:
            text = formatted(render(is_async), name)
        except FacadeError as exc:
            print(f"gen_facade: {exc}", file=sys.stderr)
            return 2
        out = PACKAGE / name
        if args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            out.write_text(text, encoding="utf-8")
            print(f"wrote {out}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/gen_facade.py", file=sys.stderr)
        return 1
    if args.check:
        print("facades are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
