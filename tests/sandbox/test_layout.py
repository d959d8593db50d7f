"""The sandbox's shape: one handler per operation of the spec, grouped by resource; handlers that use
only the public service API; a docstring atop every module; keyword options that match the options."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
from pathlib import Path

import bria_tailored.sandbox as sandbox_package
from bria_tailored.sandbox import SandboxOptions, handlers
from bria_tailored.sandbox.handlers import HANDLERS
from bria_tailored.sandbox.options import SandboxOptionsKwargs
from bria_tailored.sandbox.service import Sandbox
from bria_tailored.sandbox.spec import load_spec
from bria_tailored.sandbox.state import Store

SANDBOX_DIR = Path(sandbox_package.__file__).parent


def _modules() -> list[Path]:
    return sorted(SANDBOX_DIR.rglob("*.py"))


def test_every_operation_has_a_handler() -> None:
    assert set(HANDLERS) == set(load_spec().operations)


def test_handlers_live_in_their_resource_module() -> None:
    modules = {info.name for info in pkgutil.iter_modules(handlers.__path__)}
    for operation_id, handler in HANDLERS.items():
        module = handler.__module__.rsplit(".", 1)[-1]
        assert module in modules and module not in ("base", "bodies", "rules"), (operation_id, module)


def test_handlers_use_only_the_public_service_api() -> None:
    """No handler reads an ``_``-attribute of anything (records' ``_`` keys are dict keys, not attributes)."""
    for path in sorted((SANDBOX_DIR / "handlers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        private = [
            f"{path.name}:{node.lineno}: .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ]
        assert not private, private


def test_service_api_is_public() -> None:
    service = Sandbox(SandboxOptions(), Store())
    assert {"store", "lifecycle", "fetcher", "options"} <= set(vars(service))
    assert not [name for name in vars(service) if name.startswith("_")]


def test_every_module_says_what_it_is_for() -> None:
    for path in _modules():
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert docstring, f"{path.relative_to(SANDBOX_DIR)} has no module docstring"


def test_sandbox_imports_nothing_from_the_sdk() -> None:
    """The sandbox must not hide the SDK's bugs: only relative imports inside the sandbox package."""
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                depth = len(path.relative_to(SANDBOX_DIR).parts)  # 1 for sandbox/x.py, 2 for handlers/x.py
                assert node.level <= depth, f"{path.name} climbs out of the sandbox: {module}"
                assert node.level or not module.startswith(("bria_tailored", "bria_tailored_api")), path.name
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("bria_tailored") for alias in node.names), path.name


def test_keyword_options_match_the_options() -> None:
    fields = {field.name for field in dataclasses.fields(SandboxOptions)}
    assert set(SandboxOptionsKwargs.__annotations__) == fields


def test_handler_modules_import() -> None:
    for info in pkgutil.iter_modules(handlers.__path__):
        importlib.import_module(f"{handlers.__name__}.{info.name}")
