"""The operation table (bria_tailored._operations) and what happens when the spec loses an operation.

The facade reaches the API only through the table that scripts/gen_operations.py writes from
generated/openapi.json. An operation removed upstream must break only the methods that use it: import,
the other methods and the CLI keep working, the missing one raises a clear BriaError, and mypy names it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bria_tailored import TailoredClient, _operations, errors

ROOT = Path(__file__).resolve().parent.parent
STAMPS = {"created_at": "2026-01-02T03:04:05Z"}
PROJECT = {**STAMPS, "id": 1, "project_name": "p", "status": "active"}


def client_answering(seen: list[httpx.Request]) -> TailoredClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/tailored-gen/projects":
            return httpx.Response(200, json=[PROJECT])
        return httpx.Response(200, json=PROJECT)

    return TailoredClient(
        "t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )


def test_every_operation_of_the_spec_is_in_the_table() -> None:
    spec = json.loads((ROOT / "generated" / "openapi.json").read_text())
    ids = {
        op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op
    }
    assert set(_operations.OPERATIONS) == ids
    for op_id, op in _operations.OPERATIONS.items():
        assert getattr(_operations, op.name) is op, op_id


def test_an_operation_missing_from_the_table_breaks_only_its_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_operations, "get_project")
    seen: list[httpx.Request] = []
    client = client_answering(seen)
    assert [p.id for p in client.projects.list()] == [1]
    with pytest.raises(errors.BriaError, match="'get_project' is not in generated/openapi.json"):
        client.projects.get(1)
    assert [r.url.path for r in seen] == ["/v1/tailored-gen/projects"]


def test_request_calls_any_operation_by_id_and_refuses_unknown_ones() -> None:
    seen: list[httpx.Request] = []
    client = client_answering(seen)
    project = client.request("get-project", path_params={"project_id": 1})
    assert getattr(project, "id", None) == 1
    assert seen[-1].url.path == "/v1/tailored-gen/projects/1" and seen[-1].headers["api_token"] == "t"
    with pytest.raises(errors.ValidationError, match="operation_id"):
        client.request("launch-rockets")


def test_a_regenerated_spec_without_an_operation_keeps_import_and_cli_and_mypy_names_the_method(
    tmp_path: Path,
) -> None:
    """The real thing: remove stop-training from a copy of openapi.json, regenerate, use it."""
    copy = tmp_path / "repo"
    for name in ("adapters", "generated", "scripts"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    spec = json.loads((ROOT / "openapi.json").read_text())
    for container in (spec["paths"], spec):
        for path, item in list(container.items()):
            if isinstance(item, dict) and str(path).endswith("stop_training"):
                del container[path]
    (copy / "openapi.json").write_text(json.dumps(spec, indent=2))
    regen = subprocess.run(
        [sys.executable, "scripts/regenerate.py"], cwd=copy, capture_output=True, text=True
    )
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert "stop_training" not in (copy / "adapters/bria_tailored/_operations.py").read_text()

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(copy / "adapters"), str(copy / "generated")]))
    use = (
        "import bria_tailored, httpx\n"
        "from bria_tailored import TailoredClient, errors\n"
        f"assert bria_tailored.__file__.startswith({str(copy)!r})\n"
        "c = TailoredClient('t', base_url='https://x.test', http_client=httpx.Client("
        "transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[]))))\n"
        "assert c.projects.list() == []\n"
        "try:\n    c.models.stop_training(1)\nexcept errors.BriaError as e:\n    print('refused:', e)\n"
    )
    run = subprocess.run([sys.executable, "-c", use], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0 and "refused: the operation 'stop_training'" in run.stdout, run.stderr
    cli = subprocess.run(
        [sys.executable, "-m", "bria_tailored", "models", "--help"], env=env, capture_output=True, text=True
    )
    assert cli.returncode == 0 and "Usage" in cli.stdout, cli.stderr

    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "adapters/bria_tailored/resources/models.py"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    source = (copy / "adapters/bria_tailored/resources/models.py").read_text().splitlines()
    flagged = [line for line in mypy.stdout.splitlines() if "stop_training" in line and ": error:" in line]
    assert flagged, mypy.stdout
    line_no = int(flagged[0].split(":")[1])
    enclosing = next(line.strip() for line in reversed(source[:line_no]) if line.lstrip().startswith("def "))
    assert enclosing.startswith("def stop_training("), enclosing
