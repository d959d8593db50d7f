"""The regeneration drill: upstream changes applied to a temporary copy of the repo, regenerated, and checked.

Two regenerations (each runs the normalizer, openapi-python-client, ruff, and the facade generators):

1. the committed upstream spec reformatted (keys reordered, re-indented) and as YAML: zero changed files in
   ``generated/``, an empty change report, nothing uncovered;
2. one upstream spec with a new optional request field, a new ``ModelStatus`` value, a new operation and a
   removed operation: the API change report names each (breaking or not), ``--strict`` fails, and the
   regenerated facade copes: the new operation and the new field are usable through ``client.request``, a
   wait that meets the new status ends with ``UnknownStatusError``, the removed operation breaks only its
   method. (``tests/test_operations.py`` drills the removed operation further: CLI and mypy.)

Plus quick checks of the report's rules on in-memory specs, of the CI gate on the committed spec, and of
``scripts/record_cassettes.py --affected`` after a path change.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import api_report  # noqa: E402
import normalize_spec as ns  # noqa: E402
import record_cassettes  # noqa: E402

GENERATED_SPEC = json.loads((ROOT / "generated" / "openapi.json").read_text())
MODEL = {"id": 7, "name": "m", "status": "Cancelled", "project_id": 3, "created_at": "2026-01-02T03:04:05Z"}


def copy_repo(into: Path) -> Path:
    repo = into / "repo"
    skip = shutil.ignore_patterns("__pycache__", ".ruff_cache", ".mypy_cache")
    for name in ("adapters", "generated", "scripts"):
        shutil.copytree(ROOT / name, repo / name, ignore=skip)
    for name in ("pyproject.toml", "openapi.json"):
        shutil.copy(ROOT / name, repo / name)
    return repo


def regenerate(repo: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = repo / "report.json"
    proc = subprocess.run(
        [sys.executable, "scripts/regenerate.py", "--report-json", str(report), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.exists(), proc.stdout + proc.stderr
    return proc, json.loads(report.read_text())


def upstream_copies(spec: dict[str, Any], operation_id: str) -> Iterator[dict[str, Any]]:
    """Every copy of an operation in an upstream spec (``paths`` and the published root-level items), by
    our operationId or the upstream one it is renamed from."""
    ids = {operation_id} | {old for old, new in ns.OPERATION_RENAMES.items() if new == operation_id}
    items = list(spec["paths"].values()) + [v for k, v in spec.items() if k.startswith("/")]
    found = [
        op for item in items for op in item.values() if isinstance(op, dict) and op.get("operationId") in ids
    ]
    assert found, f"{operation_id} is not in openapi.json: update the drill"
    yield from found


def reordered(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: reordered(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [reordered(value) for value in node]
    return node


# ---------------------------------------------------------------------------------- 1. the same spec
def test_a_reformatted_or_yaml_upstream_changes_no_generated_file(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path)
    upstream = ns.load_spec(repo / "openapi.json")
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(reordered(upstream), indent=4, ensure_ascii=True))
    assert ns.main([str(reformatted), "-o", str(tmp_path / "out.json"), "--quiet"]) == 0
    assert (tmp_path / "out.json").read_bytes() == (ROOT / "generated" / "openapi.json").read_bytes()

    (repo / "openapi.json").unlink()
    (repo / "openapi.yaml").write_text(
        yaml.safe_dump(reordered(upstream), sort_keys=False, allow_unicode=True)
    )
    proc, report = regenerate(repo, "--spec", "openapi.yaml", "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(0 files changed)" in proc.stdout
    assert report["changes"] == [] and report["uncovered"] == []
    assert "Changes: none" in proc.stdout and api_report.REVIEW in proc.stdout


# ------------------------------------------------------------------------------- 2. upstream changes
def changed_upstream() -> dict[str, Any]:
    spec = json.loads((ROOT / "openapi.json").read_text())
    # a new optional request field
    for op in upstream_copies(spec, "generate-image"):
        body = op["requestBody"]["content"]["application/json"]["schema"]
        body["properties"]["style_strength"] = {
            "type": "number",
            "description": "How strongly to apply the style.",
        }
    # a new terminal model status
    for op in upstream_copies(spec, "get-model"):
        op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["status"][
            "enum"
        ].append("Cancelled")
    # a new operation (with a new inline response schema)
    spec["paths"]["/tailored-gen/projects/{project_id}/archive"] = {
        "post": {
            "operationId": "archive-project",
            "summary": "Archive Project",
            "tags": ["Projects"],
            "servers": [{"url": "https://engine.prod.bria-api.com/v1"}],
            "parameters": [
                {"in": "path", "name": "project_id", "required": True, "schema": {"type": "string"}},
                {"in": "header", "name": "api_token", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "Archived",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "state": {"type": "string", "enum": ["archived", "archiving"]},
                                },
                            }
                        }
                    },
                }
            },
        }
    }
    # a removed operation
    for container in (spec["paths"], spec):
        for path, item in list(container.items()):
            if not isinstance(item, dict) or not str(path).startswith("/"):
                continue
            for method in [
                m
                for m, op in item.items()
                if isinstance(op, dict) and op.get("operationId") == "stop-training"
            ]:
                del item[method]
            if not any(isinstance(op, dict) and "operationId" in op for op in item.values()):
                del container[path]
    return spec


BEHAVIOUR = """
import inspect, json, sys
import httpx
import bria_tailored
from bria_tailored import TailoredClient, errors
from bria_tailored.polling import PollPolicy

assert bria_tailored.__file__.startswith(sys.argv[1]), bria_tailored.__file__
MODEL = json.loads(sys.argv[2])
seen = []

def handler(request):
    seen.append(request)
    if request.url.path.endswith("/archive"):
        return httpx.Response(200, json={"id": 1, "state": "frozen"})
    if request.method == "GET" and request.url.path.endswith("/models/7"):
        return httpx.Response(200, json=MODEL)
    if request.method == "POST":  # generate-image (paths come from the spec, not from this script)
        return httpx.Response(202, json={"request_id": "r1", "status_url": "https://x.test/v2/status/r1"})
    return httpx.Response(404, json={"message": "not here"})

client = TailoredClient("t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))

archived = client.request("archive-project", path_params={"project_id": 1})
sent = seen[-1]
assert (sent.method, sent.url.path, sent.headers["api_token"]) == ("POST", "/v1/tailored-gen/projects/1/archive", "t")
print("new operation:", type(archived).__name__, archived.state)

try:
    client.generate.image(1, "a fox", style_strength=0.5)
except TypeError:
    print("new field: no keyword yet")
job = client.request("generate-image", json={"tailored_model_id": "1", "prompt": "a fox", "style_strength": 0.5})
assert json.loads(seen[-1].content)["style_strength"] == 0.5 and job.request_id == "r1"
print("new field: sent through client.request")
if "extra_body" in inspect.signature(client.generate.image).parameters:
    client.generate.image(1, "a fox", wait=False, extra_body={"style_strength": 0.5})
    assert json.loads(seen[-1].content)["style_strength"] == 0.5
    print("new field: sent through extra_body")

try:
    client.models.wait_for_training(7, timeout=30, policy=PollPolicy(0.01, 0.02))
except errors.UnknownStatusError as exc:
    print("new status:", exc.status, "|", exc)

try:
    client.models.stop_training(7)
except errors.BriaError as exc:
    print("removed operation:", exc)
assert client.models.get(7).id == 7  # the rest of the group still works
"""


def test_upstream_changes_are_reported_and_the_facade_copes(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path)
    (repo / "openapi.json").write_text(json.dumps(changed_upstream(), indent=2))
    proc, report = regenerate(repo, "--strict")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # --strict: breaking changes, uncovered items
    assert "regenerate --strict: the report has breaking changes or uncovered items" in proc.stderr

    changes = {(c["kind"], c["subject"]): c["breaking"] for c in report["changes"]}
    assert changes[("operation added", "archive-project")] is False
    assert changes[("operation removed", "stop-training")] is True
    assert changes[("request field added", "ImageGenerationRequest.style_strength")] is False
    assert changes[("enum value added", "ModelStatus 'Cancelled'")] is False
    assert changes[("schema added", "ArchiveProjectResponse")] is False
    assert report["breaking"] == 1 and len(changes) == len(report["changes"]), report["changes"]

    uncovered = {(g["kind"], g["subject"]) for g in report["uncovered"]}
    assert uncovered == {
        ("operation", "archive-project"),
        ("field", "generate-image body field style_strength"),
        ("status", "ModelStatus 'Cancelled'"),
        ("method", "stop-training"),
    }
    text = proc.stdout
    assert "BREAKING      operation removed: stop-training (POST " in text
    assert 'client.request("archive-project", path_params={"project_id": ...})' in text
    assert "no keyword on client.generate.image" in text
    assert "in no list of statuses.TRAINING (training)" in text
    assert "client.models.stop_training calls an operation the spec no longer has" in text
    assert "only in the fresh generation: bria_tailored_api/models/archive_project_response.py" in text
    assert text.rstrip().endswith(api_report.REVIEW)
    assert "FLAG: named 1 new inline response schemas (lenient): ArchiveProjectResponse" in text

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo / "adapters"), str(repo / "generated")]))
    run = subprocess.run(
        [sys.executable, "-c", BEHAVIOUR, str(repo), json.dumps(MODEL)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "new operation: ArchiveProjectResponse frozen" in out  # lenient: an unlisted state parses
    assert "new field: no keyword yet" in out and "new field: sent through client.request" in out
    assert "new status: Cancelled | model 7 reports the training status 'Cancelled'" in out
    assert "removed operation: the operation 'stop_training' is not in generated/openapi.json" in out


# ------------------------------------------------------------------------------ the report's rules
def moved(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    """A copy of ``spec`` where the operation's path item has a new path (what an upstream path fix does)."""
    new = copy.deepcopy(spec)
    _, path, _ = api_report.operations(new)[operation_id]
    new["paths"][path + "-moved"] = new["paths"].pop(path)
    return new


def _op(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return api_report.operations(spec)[operation_id][2]


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(c.kind, c.subject): c.breaking for c in api_report.diff(old, new)}


def test_the_committed_spec_diffs_to_nothing_and_is_fully_covered() -> None:
    assert api_report.diff(GENERATED_SPEC, GENERATED_SPEC) == []
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "api_report.py"), "--strict"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # what CI runs
    assert "Facade coverage: 0 uncovered" in proc.stdout


def test_field_changes_break_by_where_the_schema_is_used() -> None:
    new = copy.deepcopy(GENERATED_SPEC)
    schemas = new["components"]["schemas"]
    schemas["ProjectCreate"]["properties"]["brand_kit"] = {"type": "string"}
    schemas["ProjectCreate"]["required"].append("brand_kit")  # a new required request field: breaks callers
    schemas["Model"]["required"].remove("project_id")  # a response field that may be absent: breaks readers
    schemas["Model"]["properties"]["base_model"] = {"type": "string"}  # new response field: fine
    del schemas["Project"]["properties"]["ip_name"]
    schemas["Dataset"]["properties"]["name"] = {"type": "integer"}
    schemas["IpType"]["enum"].remove("icons")
    props = schemas["ModelUpdate"]["properties"]
    props["title"] = props.pop("name")  # one removed, one added, same type: a rename
    changes = _changes(GENERATED_SPEC, new)
    assert changes[("request field added", "ProjectCreate.brand_kit")] is True
    assert changes[("response field required-ness changed", "Model.project_id")] is True
    assert changes[("response field added", "Model.base_model")] is False
    assert changes[("response field removed", "Project.ip_name")] is True
    assert changes[("response field retyped", "Dataset.name")] is True
    assert changes[("enum value removed", "IpType 'icons'")] is True
    assert changes[("request field renamed?", "ModelUpdate.name -> ModelUpdate.title")] is True


def test_operation_changes_renames_moves_and_parameters() -> None:
    new = copy.deepcopy(GENERATED_SPEC)
    _op(new, "get-project")["operationId"] = "read-project"  # same method and path: a rename
    new = moved(new, "download-dataset")
    _op(new, "get-models")["parameters"].append(
        {"in": "query", "name": "page", "required": False, "schema": {"type": "integer"}}
    )
    for parameter in _op(new, "get-dataset")["parameters"]:
        if parameter["name"] == "max_images":
            parameter["required"] = True
    changes = _changes(GENERATED_SPEC, new)
    assert changes[("operation renamed", "get-project -> read-project")] is True
    assert changes[("operation moved", "download-dataset")] is False
    assert changes[("parameter added", "get-models query parameter page")] is False
    assert changes[("parameter required-ness changed", "get-dataset query parameter max_images")] is True
    assert ("operation added", "read-project") not in changes


def test_a_path_change_selects_exactly_the_cassettes_to_re_record() -> None:
    assert record_cassettes.affected_cassettes(GENERATED_SPEC) == []
    method, old_path, _ = api_report.operations(GENERATED_SPEC)["download-dataset"]
    affected = record_cassettes.affected_cassettes(moved(GENERATED_SPEC, "download-dataset"))
    assert "tests/test_cassettes_operations.py::test_operation[download-dataset]" in affected
    template = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(old_path)) + "$")

    def calls_old_path(cassette: Path) -> bool:
        data = yaml.safe_load(cassette.read_text()) or {}
        return any(
            i["request"]["method"] == method
            and template.match(urllib.parse.urlsplit(i["request"]["uri"]).path)
            for i in data.get("interactions", [])
        )

    calling = sorted(
        f"tests/{path.parent.name}.py::{path.stem}"
        for path in (ROOT / "tests" / "cassettes").rglob("*.yaml")
        if path.parent.name in ("test_cassettes_operations", "test_cassettes_flows") and calls_old_path(path)
    )
    assert sorted(affected) == calling  # exactly the cassettes that call the old path
