"""Checks over the committed cassettes: no secrets, production host names only, every operation covered,
and a missing cassette fails its test (it is neither skipped nor re-recorded).

The secret scanner is written independently of the recording hooks in ``conftest.py``, so a bug in those
hooks is caught here rather than repeated.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).parent
CASSETTES = HERE / "cassettes"
SPEC = HERE.parent / "generated" / "openapi.json"
PLACEHOLDER = "<BRIA_API_TOKEN>"
TOKEN_HEADERS = {"api_token", "api-token", "x-api-key"}
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
SIGNATURE = re.compile(
    r"(X-Amz-Signature|X-Goog-Signature|X-Amz-Security-Token|Signature)=(?!<REDACTED>)[^&\"'\s]+",
    re.IGNORECASE,
)
LOOPBACK = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:\d+)?")


def cassette_files(root: Path = CASSETTES) -> list[Path]:
    return sorted(root.rglob("*.yaml"))


def interactions(path: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for interaction in data.get("interactions", []):
        yield interaction["request"], interaction["response"]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return _text(value.get("string"))
    return "" if value is None else str(value)


def secrets_in(path: Path, tokens: tuple[str, ...] = ()) -> list[str]:
    """Every secret-looking thing in one cassette, as readable findings."""
    findings: list[str] = []
    raw = path.read_text(encoding="utf-8")
    for token in tokens:
        if token and token in raw:
            findings.append(f"{path.name}: the API token value appears")
    for index, (request, response) in enumerate(interactions(path)):
        for where, headers in (
            ("request", request.get("headers", {})),
            ("response", response.get("headers", {})),
        ):
            for name, values in (headers or {}).items():
                values = values if isinstance(values, list) else [values]
                if name.lower() in TOKEN_HEADERS and any(v != PLACEHOLDER for v in values):
                    findings.append(f"{path.name}#{index}: {where} header {name} holds a token value")
                if name.lower() in SECRET_HEADERS:
                    findings.append(f"{path.name}#{index}: {where} carries an {name} header")
        texts = [request.get("uri", ""), _text(request.get("body")), _text(response.get("body"))]
        texts += [str(v) for values in (response.get("headers") or {}).values() for v in values]
        for text in texts:
            for match in SIGNATURE.finditer(text):
                findings.append(f"{path.name}#{index}: presigned signature {match.group(1)}=...")
    return findings


def _known_tokens() -> tuple[str, ...]:
    token = os.environ.get("BRIA_API_TOKEN", "")
    return (token,) if len(token) >= 8 else ()


# ----------------------------------------------------------------------------------------------- secrets
def test_committed_cassettes_hold_no_secret() -> None:
    files = cassette_files()
    assert len(files) >= 47, "the cassettes are missing: re-record with scripts/record_cassettes.py"
    findings = [f for path in files for f in secrets_in(path, _known_tokens())]
    assert findings == []


def test_the_scan_catches_a_planted_token(tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    shutil.copy(CASSETTES / "test_cassettes_flows" / "test_429_then_success.yaml", clean)
    assert secrets_in(clean) == []
    planted = tmp_path / "planted.yaml"
    text = clean.read_text().replace(PLACEHOLDER, "bria-live-4f9a0c2e7d", 1)
    planted.write_text(text)
    assert any("holds a token value" in f for f in secrets_in(planted))
    assert any("token value appears" in f for f in secrets_in(planted, ("bria-live-4f9a0c2e7d",)))
    data = yaml.safe_load(clean.read_text())
    request = data["interactions"][0]["request"]
    request["headers"]["Authorization"] = ["Bearer abc"]
    request["uri"] += "?X-Amz-Signature=0123abcd&X-Amz-Expires=60"
    data["interactions"][0]["response"]["body"]["string"] = '{"url": "https://x/y?X-Goog-Signature=ff00"}'
    (tmp_path / "more.yaml").write_text(yaml.safe_dump(data))
    findings = secrets_in(tmp_path / "more.yaml")
    assert any("Authorization header" in f for f in findings)
    assert any("X-Amz-Signature" in f for f in findings) and any("X-Goog-Signature" in f for f in findings)
    assert len(cassette_files(tmp_path)) == 3


def test_cassettes_read_as_production_traffic() -> None:
    hosts = set()
    for path in cassette_files():
        raw = path.read_text(encoding="utf-8")
        assert not LOOPBACK.search(raw), f"{path.name} mentions a loopback address"
        for request, _ in interactions(path):
            hosts.add(re.sub(r"^https?://([^/]+).*$", r"\1", request["uri"]))
    assert hosts <= {"engine.prod.bria-api.com", "files.example.com"}, hosts


# ------------------------------------------------------------------------------------------------ coverage
def templated_operations() -> set[tuple[str, str]]:
    spec = json.loads(SPEC.read_text())
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


def test_the_cassettes_hold_a_request_for_every_operation() -> None:
    templates = templated_operations()
    assert templates, "generated/openapi.json has no operation"
    patterns = {
        (m, t): re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$") for m, t in templates
    }
    seen: set[tuple[str, str]] = set()
    for path in cassette_files():
        for request, _ in interactions(path):
            url_path = re.sub(r"^https?://[^/]+", "", request["uri"]).split("?", 1)[0]
            seen |= {
                key for key, rx in patterns.items() if key[0] == request["method"] and rx.match(url_path)
            }
    assert templates - seen == set()


# ------------------------------------------------------------------------------------- missing cassette
def _run_copy(tmp_path: Path, remove: str | None) -> subprocess.CompletedProcess[str]:
    tests = tmp_path / "tests"
    source = CASSETTES / "test_cassettes_operations"
    shutil.copytree(source, tests / "cassettes" / "test_cassettes_operations")
    for name in ("conftest.py", "test_cassettes_operations.py"):
        shutil.copy(HERE / name, tests / name)
    if remove:
        (tests / "cassettes" / "test_cassettes_operations" / remove).unlink()
    env = {k: v for k, v in os.environ.items() if k not in ("BRIA_RECORD_TARGET", "BRIA_API_TOKEN")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_cassettes_operations.py::test_operation[get-projects]",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--block-network",
            "-q",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_cassette_fails_its_test(tmp_path: Path) -> None:
    cassette = "test_operation[get-projects].yaml"
    control = _run_copy(tmp_path / "control", remove=None)
    assert control.returncode == 0, control.stdout + control.stderr
    assert "1 passed" in control.stdout
    missing = _run_copy(tmp_path / "missing", remove=cassette)
    output = missing.stdout + missing.stderr
    assert missing.returncode == 1, output
    assert "1 failed" in output and "skipped" not in output
    assert "CannotOverwriteExistingCassetteException" in output
    assert not (
        tmp_path / "missing" / "tests" / "cassettes" / "test_cassettes_operations" / cassette
    ).exists()


@pytest.mark.parametrize("name", ["test_cassettes_operations", "test_cassettes_flows"])
def test_every_cassette_belongs_to_a_test(name: str) -> None:
    """Renamed or removed tests must not leave stale cassettes behind (scripts/record_cassettes.py --prune)."""
    module = (HERE / f"{name}.py").read_text()
    for path in cassette_files(CASSETTES / name):
        test = path.stem.split("[", 1)[0]
        assert f"def {test}(" in module, f"{path.name} has no test"
