"""Re-record every VCR cassette against the sandbox, then replay them offline to prove they work.

    python scripts/record_cassettes.py                 # everything (and drop cassettes no test uses)
    python scripts/record_cassettes.py -k checkpoint   # chosen tests only (extra args go to pytest)
    python scripts/record_cassettes.py --no-verify     # skip the offline replay afterwards
    python scripts/record_cassettes.py --affected      # only the tests whose cassettes call a path that
                                                       # generated/openapi.json no longer has (after a path
                                                       # changed upstream and scripts/regenerate.py ran)

Recording runs pytest on ``tests/test_cassettes_*.py`` (tests marked ``live`` excluded) with
``--record-mode=rewrite`` and ``BRIA_RECORD_TARGET=sandbox``: each cassette test then starts its own fresh
sandbox (``bria_tailored.sandbox`` in a child process on 127.0.0.1, with the options of the test's
``sandbox_options`` mark), so ids are the same on every recording and the sandbox's own downloads stay out of
the cassette. The recording hooks in ``tests/conftest.py`` rewrite the host to
``https://engine.prod.bria-api.com``, replace the token, redact signatures and map random request ids
to stable ones. The replay pass then runs the cassette tests with ``--record-mode=none --block-network``.

Nothing in a cassette test names a path: tests take paths from ``generated/openapi.json`` and the sandbox
serves the operations of that spec, so after a path change ``--affected`` re-records exactly the cassettes
that still hold the old path, with no hand edits (the replay pass then checks every cassette).

Tests marked ``live`` are recorded against Bria itself instead:
``BRIA_API_TOKEN=... pytest -m live --record-mode=rewrite``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
CASSETTES = TESTS / "cassettes"
RECORDED_MODULES = ["test_cassettes_operations.py", "test_cassettes_flows.py"]
SPEC = ROOT / "generated" / "openapi.json"
API_HOST = "engine.prod.bria-api.com"  # the host cassettes record the API under (tests/conftest.py)
SANDBOX_FILES = "/_sandbox/"  # the sandbox's own downloads (result files), not API operations


def _node_id(module: str, cassette: Path) -> str:
    """``tests/<module>::<test>`` for a cassette named after its test (``Class.test[param]`` too)."""
    head, bracket, params = cassette.stem.partition("[")
    return f"tests/{module}::{head.replace('.', '::')}{bracket}{params}"


def affected_cassettes(spec: dict[str, object], cassettes: Path = CASSETTES) -> list[str]:
    """Node ids of the recorded tests whose cassette calls an API method and path the spec does not have."""
    import yaml

    operations = [
        (method.upper(), re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"))
        for path, item in dict(spec["paths"]).items()  # type: ignore[call-overload]
        for method, op in item.items()
        if isinstance(op, dict)
    ]
    affected: list[str] = []
    for module in RECORDED_MODULES:
        for cassette in sorted((cassettes / Path(module).stem).glob("*.yaml")):
            data = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
            for interaction in data.get("interactions", []):
                request = interaction["request"]
                url = urllib.parse.urlsplit(request["uri"])
                if url.hostname != API_HOST or url.path.startswith(SANDBOX_FILES):
                    continue
                if not any(m == request["method"] and rx.match(url.path) for m, rx in operations):
                    affected.append(_node_id(module, cassette))
                    break
    return affected


def _env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT / "adapters"), str(ROOT / "generated")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("BRIA_BASE_URL", None)
    return env


def _pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-q", *args]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-verify", action="store_true", help="do not replay the cassettes afterwards")
    parser.add_argument("--keep-stale", action="store_true", help="keep cassettes no recorded test wrote")
    parser.add_argument(
        "--affected",
        action="store_true",
        help="re-record only the tests whose cassettes call a path generated/openapi.json no longer has",
    )
    options, pytest_args = parser.parse_known_args(argv)

    env = _env()
    try:
        subprocess.run([sys.executable, "-c", "import bria_tailored.sandbox"], env=env, check=True, cwd=ROOT)
    except subprocess.CalledProcessError:
        print("the sandbox needs the 'sandbox' extra: pip install -e '.[sandbox,dev]'", file=sys.stderr)
        return 2

    modules = [str(TESTS / name) for name in RECORDED_MODULES]
    targets = modules
    if options.affected:
        targets = affected_cassettes(json.loads(SPEC.read_text(encoding="utf-8")))
        if not targets:
            print("no cassette calls a path that generated/openapi.json does not have: nothing to re-record")
            return 0
        print(f"re-recording {len(targets)} affected tests:", *targets, sep="\n  ")
    started = time.time()
    record_env = {**env, "BRIA_RECORD_TARGET": "sandbox"}
    code = _pytest([*targets, "-m", "not live", "--record-mode=rewrite", *pytest_args], record_env)
    if code != 0:
        print(f"recording failed (pytest exit {code})", file=sys.stderr)
        return code

    if not pytest_args and not options.keep_stale and not options.affected:
        for name in RECORDED_MODULES:
            for path in sorted((CASSETTES / Path(name).stem).glob("*.yaml")):
                if path.stat().st_mtime < started:
                    print(f"removing stale cassette {path.relative_to(ROOT)}")
                    path.unlink()

    total = sum(p.stat().st_size for p in CASSETTES.rglob("*.yaml"))
    print(f"cassettes: {len(list(CASSETTES.rglob('*.yaml')))} files, {total / 1024:.0f} KiB")
    if options.no_verify:
        return 0
    replay = [*modules, str(TESTS / "test_cassettes_hygiene.py"), "--block-network", *pytest_args]
    code = _pytest(replay, {k: v for k, v in env.items() if k != "BRIA_RECORD_TARGET"})
    if code != 0:
        print(f"replaying the new cassettes failed (pytest exit {code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
