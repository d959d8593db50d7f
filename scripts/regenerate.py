#!/usr/bin/env python3
"""Regenerate the low-level client from ``openapi.json``: normalize, generate, format.

``python scripts/regenerate.py``          writes generated/openapi.json and generated/bria_tailored_api/
``python scripts/regenerate.py --check``  regenerates into a temporary folder and exits 1 listing every
                                          file that differs from what is in generated/ (CI runs this).
``python scripts/regenerate.py --strict`` regenerates, then exits 1 if the API change report has a breaking
                                          change or an uncovered item (``--report-json F`` also writes it).

After regenerating, the API change report (``scripts/api_report.py``) compares the previous
``generated/openapi.json`` with the new one (operations, fields, enum values; each marked breaking or not)
and lists what the facade does not cover (operations without a method, request fields without a keyword,
statuses missing from ``bria_tailored.statuses``). The upstream spec may be JSON or YAML.

The generator (openapi-python-client) and ruff are pinned in the ``dev`` extra; both are run from this
interpreter's environment, so the output depends only on openapi.json and the pinned tools.

Custom templates (``scripts/templates/``, passed as ``--custom-template-path``) override the generator's own
templates of the same name. Each override includes the template it overrides, which this script stages next
to the overrides as ``upstream/<name>``, so an override holds only what it changes:

- ``types.py.jinja``: ``repr(UNSET)`` is ``UNSET``; adds ``repr_without_unset``;
- ``model.py.jinja``: a model's ``repr`` leaves out the fields that are unset.
- ``models_init.py.jinja``: ``models/__init__.py`` imports each model's module on first use (PEP 562
  ``__getattr__``; the imports stay under ``TYPE_CHECKING`` for type checkers), so importing one model
  does not import all of them.

Then the facade's own generated modules follow the new spec: ``scripts/gen_operations.py`` writes the
operation table ``adapters/bria_tailored/_operations.py`` and ``scripts/gen_facade.py`` the sync and async
facades (only when regenerating this checkout's own ``generated/``; ``--check`` checks both too).

The package is marked typed (PEP 561): the generator writes ``py.typed`` only with project metadata
(we generate with ``--meta none``), so this script writes it, and ``--check`` compares it like any file.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
CONFIG = SCRIPTS / "openapi-python-client.yaml"
TEMPLATES = SCRIPTS / "templates"
PY_TYPED = "# Marker file for PEP 561: bria_tailored_api ships its types.\n"
PACKAGE = "bria_tailored_api"
RUFF_ARGS = ["--config", "line-length=110", "--config", "target-version='py311'"]

sys.path.insert(0, str(SCRIPTS))
import api_report  # noqa: E402


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"regenerate: command failed ({proc.returncode}): {' '.join(cmd[:4])} ...")
    return proc


def _tool(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def _upstream_templates() -> Path:
    spec = importlib.util.find_spec("openapi_python_client")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("regenerate: openapi-python-client is not installed (pip install -e '.[dev]')")
    return Path(next(iter(spec.submodule_search_locations))) / "templates"


def stage_templates(into: Path) -> Path:
    """``scripts/templates`` plus the generator's own templates as ``upstream/`` (which overrides include)."""
    staged = into / "templates"
    shutil.copytree(TEMPLATES, staged)
    shutil.copytree(_upstream_templates(), staged / "upstream")
    return staged


def check_overrides(package: Path) -> None:
    """Fail loudly if a template override no longer applies (its anchor text changed upstream)."""
    problems = []
    if 'return "UNSET"' not in (package / "types.py").read_text(encoding="utf-8"):
        problems.append("types.py.jinja: Unset has no __repr__ ('class Unset:' not found upstream)")
    for module in sorted((package / "models").glob("*.py")):
        text = module.read_text(encoding="utf-8")
        if "@_attrs_define" in text and "import UNSET, Unset, repr_without_unset" not in text:
            problems.append(f"model.py.jinja: models/{module.name} does not import repr_without_unset")
    models_init = (package / "models" / "__init__.py").read_text(encoding="utf-8")
    if "def __getattr__(name: str)" not in models_init or "if TYPE_CHECKING:" not in models_init:
        problems.append("models_init.py.jinja: models/__init__.py is not the lazy one")
    if problems:
        raise SystemExit("regenerate: a custom template no longer applies:\n  " + "\n  ".join(problems))


def generate(spec_in: Path, out_dir: Path, *, quiet: bool) -> None:
    """Write ``out_dir/openapi.json`` and ``out_dir/bria_tailored_api`` from the upstream ``spec_in``."""
    sys.path.insert(0, str(SCRIPTS))
    import normalize_spec

    out_dir.mkdir(parents=True, exist_ok=True)
    args = [str(spec_in), "-o", str(out_dir / "openapi.json")] + (["--quiet"] if quiet else [])
    if normalize_spec.main(args) != 0:
        raise SystemExit("regenerate: normalizing the spec failed")
    package = out_dir / PACKAGE
    if package.exists():
        shutil.rmtree(package)
    env = dict(os.environ, PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="bria-templates-") as tmp:
        _run(
            _tool("openapi_python_client")
            + [
                "generate",
                "--path",
                str(out_dir / "openapi.json"),
                "--config",
                str(CONFIG),
                "--custom-template-path",
                str(stage_templates(Path(tmp))),
                "--meta",
                "none",
                "--output-path",
                str(package),
                "--overwrite",
            ],
            env=env,
        )
    check_overrides(package)
    (package / "py.typed").write_text(PY_TYPED, encoding="utf-8")
    _run(_tool("ruff") + ["check", "--fix", "--quiet", "--select", "I,F401,UP", *RUFF_ARGS, str(package)])
    _run(_tool("ruff") + ["format", "--quiet", *RUFF_ARGS, str(package)])
    for cache in package.rglob("__pycache__"):
        shutil.rmtree(cache)


def _files(base: Path) -> set[str]:
    return {
        str(p.relative_to(base))
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".ruff_cache" not in p.parts
    }


def diff_trees(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two generated/ trees (missing, extra or changed)."""
    exp, act = _files(expected), _files(actual)
    out = [f"only in the fresh generation: {p}" for p in sorted(exp - act)]
    out += [f"only in generated/ (not generated): {p}" for p in sorted(act - exp)]
    out += [
        f"differs: {p}" for p in sorted(exp & act) if not filecmp.cmp(expected / p, actual / p, shallow=False)
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate generated/ from openapi.json.")
    parser.add_argument("--check", action="store_true", help="fail if generated/ is not up to date")
    parser.add_argument(
        "--spec", default=str(ROOT / "openapi.json"), help="upstream spec (default openapi.json)"
    )
    parser.add_argument("--generated", default=str(ROOT / "generated"), help="the generated/ folder")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on a breaking change or an uncovered item in the report"
    )
    parser.add_argument("--report-json", help="also write the API change report as JSON to this file")
    args = parser.parse_args(argv)
    generated = Path(args.generated)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="bria-regen-") as tmp:
            fresh = Path(tmp) / "generated"
            generate(Path(args.spec), fresh, quiet=True)
            problems = diff_trees(fresh, generated)
        if problems:
            print("generated/ is not what scripts/regenerate.py makes from openapi.json:", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            print("run: python scripts/regenerate.py  (never edit generated/ by hand)", file=sys.stderr)
            return 1
        print("generated/ is up to date")
        return _facade(generated, check=True)
    previous = generated / "openapi.json"
    old_spec = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() else None
    with tempfile.TemporaryDirectory(prefix="bria-regen-") as tmp:
        fresh = Path(tmp) / "generated"
        generate(Path(args.spec), fresh, quiet=False)
        changes = diff_trees(fresh, generated) if generated.exists() else []
        if generated.exists():
            shutil.rmtree(generated)
        shutil.copytree(fresh, generated)
    print(f"regenerated {generated} ({len(changes)} files changed)")
    for line in changes:
        print(f"  {line}")
    code = _facade(generated, check=False)
    report = _report(old_spec, generated / "openapi.json", Path(args.spec))
    print()
    print(api_report.render(report), end="")
    if args.report_json:
        Path(args.report_json).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    if args.strict and report.fails_strict:
        print("regenerate --strict: the report has breaking changes or uncovered items", file=sys.stderr)
        return 1
    return code


def _report(old_spec: dict | None, new_path: Path, upstream: Path) -> api_report.Report:
    """The API change report: the previous generated/openapi.json against the new one, and coverage."""
    new_spec = json.loads(new_path.read_text(encoding="utf-8"))
    return api_report.build(
        old_spec,
        new_spec,
        old_name="previous generated/openapi.json" if old_spec is not None else None,
        new_name="new generated/openapi.json",
        upstream=upstream,
    )


def _facade(generated: Path, *, check: bool) -> int:
    """Run gen_operations.py and gen_facade.py (write, or ``--check``) for this checkout's generated/."""
    if generated.resolve() != (ROOT / "generated").resolve():
        return 0
    flag = ["--check"] if check else []
    for script in ("gen_operations.py", "gen_facade.py"):
        proc = subprocess.run([sys.executable, str(SCRIPTS / script), *flag], text=True)
        if proc.returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
