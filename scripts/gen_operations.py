#!/usr/bin/env python3
"""Write ``adapters/bria_tailored/_operations.py``: the operation table the facade calls through.

Read from ``generated/openapi.json`` (the repaired spec): for every operationId, its method, path, path
and query parameters, request schema and how each documented 2xx response is read (which generated model,
a list of them, or no body), with the exact Python type a call returns; plus a ``Literal`` alias per enum
schema so the facade's signatures offer the spec's values in an editor.

Models are named as ``module:Class`` strings and imported only when a response is read, and the table's
types import the models under ``TYPE_CHECKING`` only: an operation or model removed upstream leaves
``import bria_tailored`` working, and mypy names each facade method that still uses it.

``python scripts/gen_operations.py`` writes the file; ``--check`` exits 1 when it is out of date.
``scripts/regenerate.py`` runs this after every regeneration.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "generated" / "openapi.json"
OUTPUT = ROOT / "adapters" / "bria_tailored" / "_operations.py"

HEADER = '''"""The API's operations, one typed :class:`~bria_tailored._operation.Operation` per operationId.

Written by scripts/gen_operations.py from generated/openapi.json (run by scripts/regenerate.py) — do not
edit by hand. ``OPERATIONS`` maps every operationId to its operation (``client.request`` uses it); the
``*Value`` aliases are the spec's enum values as ``Literal`` types.
"""
# ruff: noqa: E501

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeAlias

from ._operation import Operation

if not TYPE_CHECKING:  # type checkers do not see this: for them a missing operation is an error

    def __getattr__(name: str) -> NoReturn:
        # A facade method whose operation is no longer in the spec (removed upstream): a clear error (a
        # BriaError and an AttributeError) when it is called, while everything else keeps working.
        if name.startswith("__"):
            raise AttributeError(name)
        from .errors import BriaError

        class OperationNotInSpecError(BriaError, AttributeError):
            pass

        raise OperationNotInSpecError(
            f"the operation {name!r} is not in generated/openapi.json (Bria's spec no longer has it?), "
            "so the method that calls it cannot be used with this version of the spec"
        )

'''


def snake(name: str) -> str:
    """openapi-python-client's module name for a schema class (``DatasetImage`` -> ``dataset_image``)."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def reader(response: dict[str, Any]) -> tuple[str, str, str | None]:
    """(kind, target, python type name or None) of one documented response."""
    content = response.get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if not schema:
        return "empty", "", None
    name = ref_name(schema)
    if name:
        return "model", f"{snake(name)}:{name}", name
    if schema.get("type") == "array":
        item = ref_name(schema.get("items") or {})
        if item:
            return "list", f"{snake(item)}:{item}", f"list[{item}]"
    return "json", "", "Any"


def render(spec: dict[str, Any]) -> str:
    ops: list[str] = []
    names: set[str] = set()
    registry: list[str] = []
    for path, item in sorted(spec["paths"].items()):
        for method in ("get", "put", "post", "delete", "patch"):
            op = item.get(method)
            if not op:
                continue
            op_id = op["operationId"]
            py = op_id.replace("-", "_")
            params = op.get("parameters") or []
            path_params = tuple(p["name"] for p in params if p.get("in") == "path")
            query_params = tuple(p["name"] for p in params if p.get("in") == "query")
            # Query defaults the spec declares are sent when the caller gives none (as the generated
            # functions do), so recorded traffic matches either way.
            query_defaults = {
                p["name"]: p["schema"]["default"]
                for p in params
                if p.get("in") == "query" and "default" in (p.get("schema") or {})
            }
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            body_schema = ref_name(body) if body else None
            readers: list[str] = []
            types: list[str] = []
            for code, response in sorted(op.get("responses", {}).items()):
                if not (code.isdigit() and code.startswith("2")):
                    continue
                kind, target, type_name = reader(response)
                readers.append(f"{int(code)}: ({kind!r}, {target!r})")
                for t in (type_name or "None",):
                    if t not in types:
                        types.append(t)
                for model in re.findall(r"[A-Z]\w*", type_name or ""):
                    names.add(model)
            returns = " | ".join(types) or "None"
            ops.append(
                f"{py}: Operation[{returns}] = Operation(\n"
                f"    {op_id!r},\n"
                f"    {method.upper()!r},\n"
                f"    {path!r},\n"
                f"    path_params={path_params!r},\n"
                f"    query_params={query_params!r},\n"
                + (f"    query_defaults={query_defaults!r},\n" if query_defaults else "")
                +
                f"    body_schema={body_schema!r},\n"
                f"    responses={{{', '.join(readers)}}},\n"
                ")\n"
            )
            registry.append(f"    {op_id!r}: {py},")
    literals: list[str] = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        values = schema.get("enum")
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            joined = ", ".join(repr(v) for v in values)
            literals.append(f"{name}Value: TypeAlias = Literal[{joined}]")
    out = [HEADER]
    if names:
        out.append("if TYPE_CHECKING:\n")
        out.append(f"    from bria_tailored_api.models import {', '.join(sorted(names))}\n\n")
    out.append("\n".join(literals) + "\n\n")
    out.append("\n".join(ops))
    out.append("\nOPERATIONS: dict[str, Operation[Any]] = {\n" + "\n".join(registry) + "\n}\n")
    return "".join(out)


def formatted(text: str) -> str:
    """``text`` as ruff sorts and formats it (the repo's settings), so the file passes ``ruff check``."""
    with tempfile.TemporaryDirectory(prefix="bria-ops-") as tmp:
        path = Path(tmp) / "_operations.py"
        path.write_text(text, encoding="utf-8")
        settings = ["--config", "line-length=110", "--config", "target-version='py311'"]
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--fix", "--quiet", "--select", "I", *settings, str(path)], check=True)
        subprocess.run([*ruff, "format", "--quiet", *settings, str(path)], check=True)
        return path.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(SPEC))
    parser.add_argument("--output", default=str(OUTPUT))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = formatted(render(json.loads(Path(args.spec).read_text(encoding="utf-8"))))
    out = Path(args.output)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is out of date: run python scripts/gen_operations.py", file=sys.stderr)
            return 1
        print(f"{out.name} is up to date")
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
