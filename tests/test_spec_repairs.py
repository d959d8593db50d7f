"""The spec repair (scripts/normalize_spec.py) and the regeneration pipeline (scripts/regenerate.py).

The repair tests run on a frozen copy of the spec as Bria published it (``tests/fixtures/openapi.published.json``),
so they keep testing each repair after upstream fixes its defects; ``openapi.json`` (whatever upstream ships
now) is only checked to be what ``generated/openapi.json`` was made from.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import normalize_spec as ns  # noqa: E402

PUBLISHED = ROOT / "tests" / "fixtures" / "openapi.published.json"
UPSTREAM = json.loads(PUBLISHED.read_text())  # frozen: the defects every repair test needs
GENERATED_SPEC = ROOT / "generated" / "openapi.json"


@pytest.fixture(scope="module")
def repaired() -> dict[str, Any]:
    spec, _ = ns.normalize(UPSTREAM)
    return spec


def ops(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return list(ns.operations(spec))


def op(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    found = ns.op_by_id(spec, operation_id)
    assert found is not None, operation_id
    return found


# ------------------------------------------------------------------------------------------ the output
def test_the_fixture_is_the_published_file_and_is_invalid() -> None:
    shared = ROOT.parent / "shared" / "upstream" / "openapi.json"
    if shared.exists():
        assert PUBLISHED.read_bytes() == shared.read_bytes()
    with pytest.raises(Exception):  # noqa: B017 - the validator raises its own types
        ns.validate(UPSTREAM)


def test_committed_spec_is_the_repair_of_upstream() -> None:
    current, _ = ns.normalize(ns.load_spec(ROOT / "openapi.json"))
    assert GENERATED_SPEC.read_text() == ns.dumps(current)


def test_repaired_spec_validates_and_has_the_promised_shape(repaired: dict[str, Any]) -> None:
    ns.validate(repaired)
    assert len(ops(repaired)) == 40  # the published spec's 39 operations and the Status Service
    assert not [k for k in repaired if k.startswith("/")]
    assert all(re.match(r"^/v[12]/", p) for p in repaired["paths"])
    assert repaired["servers"][0]["url"] == "https://engine.prod.bria-api.com"
    for path, method, operation in ops(repaired):
        assert operation["security"] == [{"api_token": []}], (method, path)
        assert "servers" not in operation
        assert not [p for p in operation.get("parameters", []) if p["name"] == "api_token"]
    schemas = repaired["components"]["schemas"]
    for name in [
        "Project",
        "Dataset",
        "DatasetImage",
        "Model",
        "TrainingParameters",
        "Checkpoint",
        "StatusResponse",
        "AcceptedJob",
        "BulkUploadStatus",
        "DownloadLinks",
        "IpType",
        "IpMedium",
        "ModelStatus",
        "DatasetStatus",
    ]:
        assert name in schemas, name


def test_output_is_deterministic_and_idempotent(repaired: dict[str, Any]) -> None:
    again, _ = ns.normalize(UPSTREAM)
    assert ns.dumps(again) == ns.dumps(repaired)
    twice, report = ns.normalize(repaired)
    assert ns.dumps(twice) == ns.dumps(repaired)
    assert all("not needed" in line or "FLAG" in line for line in report), report
    text = ns.dumps(repaired)
    assert text.endswith("}\n") and '\n  "components"' in text


def test_cli_writes_file_and_reports_each_step(tmp_path: Path) -> None:
    out = tmp_path / "spec.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "normalize_spec.py"), str(PUBLISHED), "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "merged 9 root-level path items into paths (8 duplicates, 1 new: POST" in proc.stdout
    assert len([line for line in proc.stdout.splitlines() if line.startswith("[")]) == len(ns.STEPS)
    assert out.read_text() == ns.dumps(ns.normalize(UPSTREAM)[0])


def test_cli_refuses_to_write_an_invalid_result(tmp_path: Path) -> None:
    broken = copy.deepcopy(UPSTREAM)
    broken["paths"]["/tailored-gen/projects"]["get"]["responses"]["200"] = {"oops": True}
    src = tmp_path / "in.json"
    src.write_text(json.dumps(broken))
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "normalize_spec.py"), str(src), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "still invalid" in proc.stderr
    assert not out.exists()


# ------------------------------------------------------------------- one test per repair (row by row)
def _all_text(spec: dict[str, Any]) -> str:
    return json.dumps(spec)


def _example_values(node: Any) -> list[str]:
    """Every example value below ``node`` (``example``, and each ``examples`` entry's ``value``), as JSON."""
    found: list[str] = []
    for holder in ns.walk_schemas(node):
        if "example" in holder:
            found.append(json.dumps(holder["example"], sort_keys=True))
        examples = holder.get("examples")
        if isinstance(examples, dict):
            found += [
                json.dumps(e["value"], sort_keys=True)
                for e in examples.values()
                if isinstance(e, dict) and "value" in e
            ]
    return found


UPSTREAM_EXAMPLES = _example_values(UPSTREAM)


def _lost_examples(spec: dict[str, Any]) -> list[str]:
    """Upstream examples that are in none of the spec's operations or components."""
    kept = set(_example_values({"paths": spec.get("paths"), "components": spec.get("components")}))
    return [value for value in UPSTREAM_EXAMPLES if value not in kept]


def _copies_disagree_on_examples(spec: dict[str, Any]) -> bool:
    """A root-level copy of an operation and its ``paths`` copy carry different examples of one body."""
    for key in [k for k in spec if k.startswith("/")]:
        for method, root_op in spec[key].items():
            paths_op = spec.get("paths", {}).get(key, {}).get(method)
            if not isinstance(root_op, dict) or not isinstance(paths_op, dict):
                continue
            theirs = dict(ns._media_objects(paths_op))
            for where, media in ns._media_objects(root_op):
                other = theirs.get(where, {})
                if "example" in media and "example" in other and media["example"] != other["example"]:
                    return True
    return False


def _body(spec: dict[str, Any], *operation_ids: str) -> dict[str, Any]:
    """The JSON request body schema of the first of ``operation_ids`` in the spec (``$ref`` resolved)."""
    for operation_id in operation_ids:
        found = ns.op_by_id(spec, operation_id)
        if found is None:
            continue
        schema = ns.json_body_schema(found) or {}
        name = ns.ref_name(schema)
        return spec["components"]["schemas"][name] if name else schema
    raise AssertionError(operation_ids)


# (published operationId, repaired operationId) of the asynchronous v2 requests
ASYNC_V2 = [
    ("image-generate-tailored", "generate-image"),
    ("structured-prompt-generate-tailored", "generate-structured-prompt"),
    ("generate-video-from-tailored-image", "generate-video"),
]


def _responses(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    found = ns.op_by_id(spec, operation_id)
    return (found or {}).get("responses") or {}


DEFECTS: dict[str, Callable[[dict[str, Any]], bool]] = {
    # each returns True while the defect is present
    "merge_root_path_items": lambda s: (
        any(k.startswith("/") for k in s) or ns.op_by_id(s, "upload-model") is None
    ),
    "prefix_paths_with_versions": lambda s: (
        not all(re.match(r"^/v\d/", p) for p in s["paths"])
        or any("servers" in o for _, _, o in ns.operations(s))
    ),
    "fix_bulk_upload_prose": lambda s: (
        "images/bulk`" in _all_text(s)
        or "`{dataset_id}/bulk-upload/status`" in _all_text(s)
        or "Use images/bulk " in _all_text(s)
    ),
    "add_security_scheme": lambda s: (
        any(p.get("name") == "api_token" for _, _, o in ns.operations(s) for p in o.get("parameters", []))
        or "securitySchemes" not in s.get("components", {})
    ),
    "image_upload_base64": lambda s: '"format": "binary"' in _all_text(s),
    "integer_ids": lambda s: any(
        p["in"] == "path" and p["name"] in ns.PATH_ID_FIELDS and p["schema"]["type"] != "integer"
        for _, _, o in ns.operations(s)
        for p in o.get("parameters", [])
    ),
    "required_from_prose": lambda s: (
        "project_name" not in (ns.json_body_schema(op(s, "create-project")) or {}).get("required", [])
        and "project_name"
        not in s["components"].get("schemas", {}).get("ProjectCreate", {}).get("required", [])
    ),
    "rename_operation_ids": lambda s: ns.op_by_id(s, "refine-json") is not None,
    "add_status_service": lambda s: ns.op_by_id(s, "get-status") is None,
    "hoist_schemas": lambda s: (
        "Project" not in s["components"].get("schemas", {}) or "Model" not in s["components"]["schemas"]
    ),
    "enum_components": lambda s: "IpType" not in s["components"].get("schemas", {}),
    "error_model": lambda s: "Error" not in s["components"].get("schemas", {}),
    "required_response_fields": lambda s: (
        "id" not in s["components"].get("schemas", {}).get("Project", {}).get("required", [])
    ),
    "tidy_info": lambda s: not s["info"].get("version"),
    "keep_upstream_examples": lambda s: bool(_lost_examples(s)) or _copies_disagree_on_examples(s),
    "optional_training_body": lambda s: bool(
        (op(s, "start-training").get("requestBody") or {}).get("required")
    ),
    "status_service_errors": lambda s: "5XX" not in _responses(s, "get-status"),
    "document_unauthorized": lambda s: any(
        "401" not in (o.get("responses") or {}) for _, _, o in ns.operations(s)
    ),
    "document_parameter_errors": lambda s: any(
        "400" not in (o.get("responses") or {})
        and any(p["in"] in ("path", "query") and ns._can_be_malformed(p) for p in o.get("parameters", []))
        for _, _, o in ns.operations(s)
    ),
    "training_version": lambda s: (
        "training_version" not in _body(s, "create-model").get("properties", {})
        or "generation_prefix"
        not in s["components"].get("schemas", {}).get("Model", {}).get("properties", {})
    ),
    "webhook_url": lambda s: any(
        "webhook_url" not in _body(s, *ids).get("properties", {}) for ids in ASYNC_V2
    ),
    "required_request_fields": lambda s: "zip_url" not in _body(s, "bulk-upload-images").get("required", []),
}


# steps that check rather than repair (or repair only what a future upstream may bring)
NO_PUBLISHED_DEFECT = {"dataset_download_path", "name_inline_responses", "flag_prose_paths"}


def test_every_step_has_a_defect_check() -> None:
    names = {step.name for step in ns.STEPS}
    assert set(DEFECTS) | NO_PUBLISHED_DEFECT == names


@pytest.mark.parametrize("step", sorted(DEFECTS))
def test_each_repair_removes_its_defect(step: str, repaired: dict[str, Any]) -> None:
    assert DEFECTS[step](UPSTREAM) or step == "add_status_service", "upstream should show the defect"
    assert not DEFECTS[step](repaired)
    without, report = ns.normalize(UPSTREAM, skip={step})
    assert DEFECTS[step](without), f"{step} skipped, yet the defect is gone"
    assert any(line.endswith(f"{step}: skipped") for line in report)


def test_dataset_download_path_is_kept_and_flagged(repaired: dict[str, Any]) -> None:
    assert "/v1/datasets/{dataset_id}/download" in repaired["paths"]
    _, report = ns.normalize(UPSTREAM)
    assert any("FLAG" in line and "dataset_download_path" in line for line in report)


def test_merge_keeps_the_richer_root_copy_and_what_only_paths_had(repaired: dict[str, Any]) -> None:
    start = op(repaired, "start-training")
    body = repaired["components"]["schemas"]["TrainingRequest"]
    assert body["properties"]["lr_scheduler"].get("default") == "constant_with_warmup"  # root only
    assert "400" in start["responses"]
    assert "custom_metadata" in repaired["components"]["schemas"]["Model"]["properties"]  # root only


def test_response_enums_are_lenient_request_enums_strict(repaired: dict[str, Any]) -> None:
    schemas = repaired["components"]["schemas"]
    status = schemas["Model"]["properties"]["status"]
    assert {"type": "string"} in status["anyOf"]
    assert schemas["ModelStatus"]["enum"] == [
        "Created",
        "InProgress",
        "Completed",
        "Failed",
        "Stopping",
        "Stopped",
    ]
    ip_type = schemas["ProjectCreate"]["properties"]["ip_type"]
    assert "anyOf" not in ip_type and ns.ref_name(ip_type.get("allOf", [ip_type])[0]) == "IpType"


def _upstream_examples(schema: str) -> list[dict[str, Any]]:
    """Every object the published spec gives as an example of ``schema`` (root-level copies included)."""
    if schema == "DatasetImage":
        return [image for dataset in _upstream_examples("Dataset") for image in dataset.get("images", [])]
    if schema == "Checkpoint":
        lists = _upstream_examples("CheckpointList")
        nested = [checkpoint for listing in lists for checkpoint in listing.get("checkpoints", [])]
    else:
        nested = []
    old_ids = {new: old for old, new in ns.OPERATION_RENAMES.items()}
    items = list(UPSTREAM["paths"].items()) + [(k, v) for k, v in UPSTREAM.items() if k.startswith("/")]
    found: list[dict[str, Any]] = []
    for operation_id, where in ns.HOISTS.get(schema, []):
        if not where:
            continue
        for _, item in items:
            for operation in item.values():
                if not isinstance(operation, dict) or operation.get("operationId") not in (
                    operation_id,
                    old_ids.get(operation_id),
                ):
                    continue
                response = operation.get("responses", {}).get(where.rstrip("[]"), {})
                example = response.get("content", {}).get("application/json", {}).get("example")
                if example is not None:
                    found += example if isinstance(example, list) else [example]
    return found + nested


def test_required_response_fields_follow_the_evidence(repaired: dict[str, Any]) -> None:
    schemas = repaired["components"]["schemas"]
    without, _ = ns.normalize(UPSTREAM, skip={"required_response_fields"})
    before = without["components"]["schemas"]
    for name, fields in ns.ALWAYS_RETURNED.items():
        assert name not in ns.REQUEST_SCHEMAS, name
        examples = _upstream_examples(name)
        for field, evidence in fields.items():
            assert evidence and field in schemas[name]["required"], (name, field)
            assert field in schemas[name]["properties"], (name, field)
            # an example that lacks the field would contradict the decision
            assert all(field in example for example in examples), (name, field)
            if not examples:  # no example: the evidence must be prose or Bria's documentation
                assert "example" not in evidence, (name, field)
    for name, fields in ns.KEPT_OPTIONAL.items():
        for field in fields:
            assert field not in schemas[name].get("required", []), (name, field)
    assert len(_upstream_examples("Model")) == 12 and len(_upstream_examples("Project")) == 4
    assert any("dataset_id" in m for m in _upstream_examples("Model"))  # yet kept optional (upload-model)
    # only response schemas' `required` lists change: request schemas, types, nullability, enums stay
    assert schemas.keys() == before.keys()
    for name, schema in schemas.items():
        added = set(schema.get("required", [])) - set(before[name].get("required", []))
        assert added == set(ns.ALWAYS_RETURNED.get(name, {})), name
        assert {k: v for k, v in schema.items() if k != "required"} == {
            k: v for k, v in before[name].items() if k != "required"
        }, name


def test_image_upload_file_is_base64(repaired: dict[str, Any]) -> None:
    props = repaired["components"]["schemas"]["ImageUpload"]["properties"]
    assert props["file"] == {**props["file"], "type": "string", "format": "byte"}


def test_status_service_is_documented(repaired: dict[str, Any]) -> None:
    status = op(repaired, "get-status")
    assert status["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "StatusNotFound"
    )
    job_status = repaired["components"]["schemas"]["JobStatus"]["enum"]
    assert job_status == ["IN_PROGRESS", "COMPLETED", "ERROR", "UNKNOWN"]
    # docs.bria.ai get_status documents 200, 404 and 5XX: no 429, no word on rate limits (401 is row 21's)
    assert sorted(status["responses"]) == ["200", "401", "404", "5XX"]
    assert "rate limit" not in status["description"].lower()


def test_status_service_5xx_body_is_the_documented_one(repaired: dict[str, Any]) -> None:
    media = op(repaired, "get-status")["responses"]["5XX"]["content"]["application/json"]
    assert ns.ref_name(media["schema"]) == "StatusServiceError"
    schemas = repaired["components"]["schemas"]
    body, detail = schemas["StatusServiceError"], schemas["StatusServiceErrorDetail"]
    assert body["required"] == ["error", "request_id"] and ns.ref_name(body["properties"]["error"]) == (
        "StatusServiceErrorDetail"
    )
    assert detail["required"] == ["code", "details", "message"]
    assert detail["properties"]["code"]["type"] == "integer"  # not the lenient integer-or-string
    without, _ = ns.normalize(UPSTREAM, skip={"status_service_errors"})
    assert "5XX" not in op(without, "get-status")["responses"]
    assert "StatusServiceError" not in without["components"]["schemas"]


def test_every_published_example_is_kept(repaired: dict[str, Any]) -> None:
    assert len(UPSTREAM_EXAMPLES) > 40 and not _lost_examples(repaired)
    create = op(repaired, "create-model")["responses"]["201"]["content"]["application/json"]
    assert sorted(create["examples"]) == ["paths_copy", "root_copy"] and "example" not in create
    errors = op(repaired, "start-training")["responses"]["400"]["content"]["application/json"]
    assert ns.ref_name(errors["schema"]) == "Error" and sorted(errors["examples"]) == ["errors", "message"]
    without, _ = ns.normalize(UPSTREAM, skip={"keep_upstream_examples"})
    assert len(_lost_examples(without)) == 5  # 3 lost by the merge, 2 by the error model


def test_nullable_only_where_upstream_says_and_always_beside_a_type(repaired: dict[str, Any]) -> None:
    schemas = repaired["components"]["schemas"]
    assert "nullable" not in schemas["Model"]["properties"]["training_parameters"]
    assert "nullable" not in schemas["ModelUpload"]["properties"]["project_parameters"]
    caption_source = schemas["DatasetImage"]["properties"]["caption_source"]
    assert (
        "nullable" not in caption_source and {"type": "string", "nullable": True} in caption_source["anyOf"]
    )
    # OpenAPI 3.0.3 (redocly's nullable-type-sibling): `nullable` needs a `type` in the same schema
    for node in ns.walk_schemas(repaired["components"]):
        if node.get("nullable"):
            assert "type" in node, node
    documented = {"generation_prefix"}  # row 24: docs.bria.ai create-model, "string,null"
    nullable = _nullable_properties(repaired["components"])
    assert nullable <= _nullable_properties(UPSTREAM) | documented, nullable


def _nullable_properties(node: Any) -> set[str]:
    """Names of the properties below ``node`` that accept null (``nullable`` on them or an ``anyOf`` branch)."""
    names: set[str] = set()
    for holder in ns.walk_schemas(node):
        for key, value in (holder.get("properties") or {}).items():
            branches = [value, *value.get("anyOf", [])] if isinstance(value, dict) else []
            if any(isinstance(b, dict) and b.get("nullable") for b in branches):
                names.add(key)
    return names


def test_401_and_400_are_documented_where_they_can_happen(repaired: dict[str, Any]) -> None:
    for path, method, operation in ops(repaired):
        assert "401" in operation["responses"], (method, path)
    for operation_id in ("get-model", "delete-project", "get-models", "download-dataset"):
        assert "400" in op(repaired, operation_id)["responses"], operation_id
    assert "400" not in op(repaired, "get-status")["responses"]  # a free-form string cannot be malformed
    unauthorized = op(repaired, "get-checkpoint")["responses"]["401"]
    assert ns.ref_name(unauthorized["content"]["application/json"]["schema"]) == "Error"


def test_training_version_and_generation_prefix_follow_the_docs(repaired: dict[str, Any]) -> None:
    schemas = repaired["components"]["schemas"]
    assert schemas["TrainingVersion"]["enum"] == ["light", "max", "bria-2.3", "bria-3.2", "fibo"]
    request = schemas["ModelCreate"]["properties"]["training_version"]
    assert ns.ref_name(request["allOf"][0]) == "TrainingVersion"  # strict in the request (row 7)
    assert "training_version" not in schemas["ModelCreate"]["required"]
    response = schemas["Model"]["properties"]
    assert {"type": "string"} in response["training_version"]["anyOf"]  # lenient in responses (row 7)
    assert response["generation_prefix"]["type"] == "string" and response["generation_prefix"]["nullable"]


def test_webhook_url_is_on_every_async_v2_request_only(repaired: dict[str, Any]) -> None:
    for path, method, operation in ops(repaired):
        body = ns.json_body_schema(operation)
        if body is None:
            continue
        props = repaired["components"]["schemas"][ns.ref_name(body) or ""].get("properties", {})
        is_async_v2 = path.startswith("/v2/") and "202" in operation["responses"]
        assert ("webhook_url" in props) == is_async_v2, (method, path)
    assert len([ids for ids in ASYNC_V2 if "webhook_url" in _body(repaired, *ids)["properties"]]) == 3


def test_start_training_body_is_optional_and_zip_url_required(repaired: dict[str, Any]) -> None:
    start = op(repaired, "start-training")
    assert not start["requestBody"].get("required") and ns.json_body_schema(start) is not None
    assert "zip_url" in repaired["components"]["schemas"]["BulkUploadRequest"]["required"]


def _repairs_document_rows() -> dict[str, tuple[int, str]]:
    """``{step: (row, source)}`` from the table of docs/spec-repairs.md."""
    rows: dict[str, tuple[int, str]] = {}
    for line in (ROOT / "docs" / "spec-repairs.md").read_text().splitlines():
        match = re.match(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|(.*)\|(.*)\|\s*$", line)
        if match:
            rows[match.group(2)] = (int(match.group(1)), match.group(4).strip())
    return rows


def test_every_step_cites_its_source_in_the_repairs_document() -> None:
    rows = _repairs_document_rows()
    assert set(rows) == {step.name for step in ns.STEPS}
    for step in ns.STEPS:
        row, source = rows[step.name]
        assert row == step.row and source, step.name
    assert "docs/spec-repairs.md" in (ns.__doc__ or "")
    assert "docs/spec-repairs.md" in (ROOT / "README.md").read_text()


# ------------------------------------------------------------------------------- a new spec arrives
def test_a_new_upstream_spec_with_the_duplication_fixed_and_a_new_operation() -> None:
    new = copy.deepcopy(UPSTREAM)
    for key in [k for k in new if k.startswith("/")]:
        item = new.pop(key)
        new["paths"].setdefault(key, {}).update(item)  # Bria moved them in, keeping the rich copies
    new["paths"]["/tailored-gen/projects/{project_id}/archive"] = {
        "post": {
            "operationId": "archive-project",
            "summary": "Archive Project",
            "servers": [{"url": "https://engine.prod.bria-api.com/v1"}],
            "parameters": [
                {"in": "path", "name": "project_id", "required": True, "schema": {"type": "string"}},
                {"in": "header", "name": "api_token", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {"204": {"description": "Archived"}, "404": {"description": "Not found"}},
        }
    }
    spec, report = ns.normalize(new)
    ns.validate(spec)
    assert _line(report, "merge_root_path_items").endswith("not needed: no path items at the document root")
    archive = spec["paths"]["/v1/tailored-gen/projects/{project_id}/archive"]["post"]
    assert archive["security"] == [{"api_token": []}]
    assert archive["parameters"] == [
        {"in": "path", "name": "project_id", "required": True, "schema": {"type": "integer"}}
    ]
    assert len(list(ns.operations(spec))) == len(list(ns.operations(ns.normalize(UPSTREAM)[0]))) + 1


def _line(report: list[str], step: str) -> str:
    return next(line for line in report if f"] {step}:" in line)


def test_root_and_paths_copies_that_disagree_are_named_with_the_copy_kept() -> None:
    new = copy.deepcopy(UPSTREAM)
    root = new["/tailored-gen/models/{model_id}"]["get"]
    root["operationId"] = "get-model-details"
    root["parameters"] = [
        {**p, "schema": {"type": "string"}} if p["name"] == "model_id" else p for p in root["parameters"]
    ]
    spec, report = ns.normalize(new)
    ns.validate(spec)
    merge = _line(report, "merge_root_path_items")
    assert "WARNING:" in merge and merge in ns.attention(report)
    assert "document root '/tailored-gen/models/{model_id}'" in merge
    assert "paths['/tailored-gen/models/{model_id}']" in merge
    assert "operationId 'get-model-details' (root) vs 'get-model' (paths)" in merge
    assert "path parameter 'model_id' is (type string, required True) in the root copy" in merge
    assert "Kept the root copy (the richer one" in merge
    # the kept id is not in the hoist table: the table entry is stale, and the response is still named and
    # lenient (no strict inline enum)
    assert "STALE:" in _line(report, "hoist_schemas") and "Model <- get-model 200" in _line(
        report, "hoist_schemas"
    )
    named = spec["components"]["schemas"]["GetModelDetailsResponse"]
    assert "enum" not in named["properties"]["status"] and named["properties"]["status"]["type"] == "string"
    assert "GetModelDetailsResponse" in _line(report, "name_inline_responses")


def test_table_entries_whose_target_is_gone_are_reported_stale() -> None:
    new = copy.deepcopy(UPSTREAM)
    for item in [new["paths"][p] for p in new["paths"]]:
        for method in list(item):
            operation_id = item[method].get("operationId") if isinstance(item[method], dict) else None
            if operation_id in ("clone-dataset", "refine-json"):
                del item[method]
    body = new["paths"]["/tailored-gen/datasets"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    del body["properties"]["upload_type"]
    spec, report = ns.normalize(new)
    ns.validate(spec)
    assert "STALE: OPERATION_RENAMES" in _line(report, "rename_operation_ids")
    assert "refine-json -> refine-structured-prompt" in _line(report, "rename_operation_ids")
    hoist = _line(report, "hoist_schemas")
    assert "Dataset <- clone-dataset 201" in hoist and "DatasetClone <- clone-dataset request body" in hoist
    assert "UploadType <- DatasetCreate.upload_type" in _line(report, "enum_components")
    assert len(ns.attention(report)) == 4  # the three above and the dataset download flag
    _, again = ns.normalize(spec)
    assert "STALE" in _line(again, "hoist_schemas")  # still stale on the output: the table must change


def test_a_new_inline_response_schema_is_named_and_lenient() -> None:
    new = copy.deepcopy(UPSTREAM)
    state = {"type": "string", "enum": ["archived", "pending"]}
    new["paths"]["/tailored-gen/projects/{project_id}/archive"] = {
        "post": {
            "operationId": "archive-project",
            "servers": [{"url": "https://engine.prod.bria-api.com/v1"}],
            "parameters": [
                {"in": "path", "name": "project_id", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": {"state": state}}}
                }
            },
            "responses": {
                "200": {
                    "description": "Archived",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "state": state,
                                    "log": {
                                        "type": "array",
                                        "items": {"type": "object", "properties": {"s": state}},
                                    },
                                },
                            }
                        }
                    },
                }
            },
        }
    }
    spec, report = ns.normalize(new)
    ns.validate(spec)
    line = _line(report, "name_inline_responses")
    assert (
        "FLAG: named 1 new inline response schemas (lenient): ArchiveProjectResponse (archive-project 200)"
        in line
    )
    assert "inline request bodies" in line and "archive-project (generated as ArchiveProjectBody)" in line
    response = op(spec, "archive-project")["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": "#/components/schemas/ArchiveProjectResponse"}
    named = spec["components"]["schemas"]["ArchiveProjectResponse"]["properties"]
    assert "enum" not in named["state"] and "enum" not in named["log"]["items"]["properties"]["s"]
    body = ns.json_body_schema(op(spec, "archive-project"))
    assert body is not None and body["properties"]["state"]["enum"] == [
        "archived",
        "pending",
    ]  # requests: strict
    _, again = ns.normalize(spec)
    again_line = _line(again, "name_inline_responses")
    assert (
        "not needed: every success response schema is named" in again_line
        and "ArchiveProjectBody" in again_line
    )


def test_prose_naming_a_path_that_is_not_in_the_spec_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, report = ns.normalize(UPSTREAM)
    assert _line(report, "flag_prose_paths").endswith("not needed: every path named in prose is in the spec")
    new = copy.deepcopy(UPSTREAM)
    new["info"]["description"] += "\nArchive with `/tailored-gen/projects/{id}/archive-all`."
    new["paths"]["/datasets/{dataset_id}/download"]["get"]["description"] = (
        "Also `/datasets/{dataset_id}/download`."
    )
    _, report = ns.normalize(new)
    line = _line(report, "flag_prose_paths")
    assert "FLAG:" in line and "`/tailored-gen/projects/{id}/archive-all` in info.description" in line
    assert "/datasets/{dataset_id}/download`" not in line  # still a path of the spec
    monkeypatch.setattr(ns, "MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN", True)
    moved, report = ns.normalize(new)
    assert "/v1/tailored-gen/datasets/{dataset_id}/download" in moved["paths"]
    line = _line(report, "flag_prose_paths")
    assert (
        "`/datasets/{dataset_id}/download` in GET /v1/tailored-gen/datasets/{dataset_id}/download description"
        in line
    )


def _reordered(node: Any) -> Any:
    """The same document with every object's keys in reverse order (what a re-serializer may do)."""
    if isinstance(node, dict):
        return {key: _reordered(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [_reordered(value) for value in node]
    return node


def test_a_reformatted_or_yaml_upstream_gives_the_same_bytes(tmp_path: Path) -> None:
    import yaml

    expected = ns.dumps(ns.normalize(UPSTREAM)[0])
    reformatted = tmp_path / "openapi.json"
    reformatted.write_text(json.dumps(_reordered(UPSTREAM), indent=4, ensure_ascii=True))
    as_yaml = tmp_path / "openapi.yaml"
    as_yaml.write_text(yaml.safe_dump(_reordered(UPSTREAM), sort_keys=False, allow_unicode=True))
    yaml_without_extension = tmp_path / "spec.txt"
    yaml_without_extension.write_text(as_yaml.read_text())
    for source in (reformatted, as_yaml, yaml_without_extension):
        out = tmp_path / f"{source.name}.out.json"
        assert ns.main([str(source), "-o", str(out), "--quiet"]) == 0, source
        assert out.read_text() == expected, source


def test_yaml_is_read_with_json_scalars(tmp_path: Path) -> None:
    source = tmp_path / "spec.yaml"
    source.write_text(
        "enum: [16:9, 1:1, yes, no, on, 2024-05-26T12:00:00Z, 012]\n"
        "responses:\n  200: {description: ok}\n"
        "flags: [true, false, null, 3, 1.5, 0x1F]\n"
    )
    data = ns.load_spec(source)
    assert data["enum"] == ["16:9", "1:1", "yes", "no", "on", "2024-05-26T12:00:00Z", "012"]
    assert data["responses"] == {"200": {"description": "ok"}}
    assert data["flags"] == [True, False, None, 3, 1.5, 31]


def test_unreadable_input_names_both_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "spec.json"
    bad.write_text("openapi: [3.0\n  oops: {")
    assert ns.main([str(bad), "-o", str(tmp_path / "out.json")]) == 2
    assert "neither JSON nor valid YAML" in capsys.readouterr().err
    truncated = tmp_path / "cut.json"
    truncated.write_text('{"openapi": "3.0.0", ')
    assert ns.main([str(truncated), "-o", str(tmp_path / "out.json")]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_required_lists_are_sorted() -> None:
    spec = json.loads(GENERATED_SPEC.read_text())
    lists = [
        node["required"]
        for node in ns.walk_schemas(spec["components"])
        if isinstance(node.get("required"), list)
    ]
    assert lists and all(value == sorted(value) for value in lists)


# ------------------------------------------------------------------------------ the generated package
def _generate(spec_path: Path, out: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec_path),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_generated_models_are_fewer_and_named_for_the_domain(tmp_path: Path) -> None:
    ours = sorted(p.stem for p in (ROOT / "generated" / "bria_tailored_api" / "models").glob("*.py"))
    ours.remove("__init__")
    _generate(PUBLISHED, tmp_path / "raw")
    raw = [p.stem for p in (tmp_path / "raw" / "models").glob("*.py") if p.stem != "__init__"]
    assert len(raw) > 60, "the unrepaired generation should be large"
    assert len(ours) * 2 <= len(raw), (len(ours), len(raw))
    assert not [m for m in ours if re.search(r"response_\d{3}|_body$|_response_", m)]
    for name in ["project", "dataset", "dataset_image", "model", "training_parameters", "checkpoint"]:
        assert name in ours


def test_unrepaired_generation_loses_upload_model(tmp_path: Path) -> None:
    _generate(PUBLISHED, tmp_path / "raw")
    assert not list((tmp_path / "raw").rglob("upload_model.py"))
    assert (ROOT / "generated" / "bria_tailored_api" / "api" / "model" / "upload_model.py").exists()


MODEL = {"id": 1, "name": "m", "status": "Completed", "project_id": 3, "created_at": "2025-08-20T06:06:05"}
STAMPS = {"created_at": "2024-05-26T12:00:00Z", "updated_at": "2024-05-26T12:30:00Z"}
IMAGE = {"id": 2, "dataset_id": 1, "image_name": "a.png", **STAMPS}
DATASET = {"id": 1, "project_id": 3, "name": "d", "captions_update_status": "empty", **STAMPS}


def test_generated_models_parse_unknown_enum_extra_field_and_null() -> None:
    from bria_tailored_api.models import Dataset, DatasetImage, Model, ModelStatus

    model = Model.from_dict(
        {
            **MODEL,
            "id": 7,
            "status": "Archived",
            "training_mode": "turbo",
            "future_field": "xyz",
            "generation_prefix": None,
            "training_version": "bria-4.0",
            "training_parameters": {"lr_warmup_steps": None, "lr_scheduler": "new_one"},
        }
    )
    assert model.status == "Archived" and model.additional_properties["future_field"] == "xyz"
    assert model.generation_prefix is None and model.training_version == "bria-4.0"
    assert Model.from_dict(MODEL).status is ModelStatus.COMPLETED
    nulls = {"caption_source": None, "caption": None, "upload_source_url": None}
    image = DatasetImage.from_dict({**IMAGE, **nulls})
    assert image.caption_source is None and image.caption is None
    dataset = Dataset.from_dict({**DATASET, "status": "Completed", "visual_schema": None, "images": [IMAGE]})
    assert dataset.status == "Completed" and dataset.images[0].id == 2


def test_generated_ids_and_statuses_are_never_unset() -> None:
    import typing

    import bria_tailored_api.models as models
    from bria_tailored_api.models import Model
    from bria_tailored_api.types import Unset

    def hints(cls: type) -> dict[str, Any]:
        # every model by name (models/__init__.py imports them on first use)
        return typing.get_type_hints(cls, localns={n: getattr(models, n) for n in models.__all__})

    for name, fields in ns.ALWAYS_RETURNED.items():
        for field in fields:
            hint = hints(getattr(models, name))[field]
            assert Unset not in typing.get_args(hint) and hint is not Unset, (name, field)
    assert Unset in typing.get_args(hints(Model)["dataset_id"])  # kept optional
    uploaded = Model.from_dict(MODEL)  # an uploaded model: no dataset_id, no updated_at
    assert isinstance(uploaded.dataset_id, Unset) and uploaded.id == 1
    with pytest.raises(KeyError):
        Model.from_dict({k: v for k, v in MODEL.items() if k != "id"})


def test_generated_reprs_leave_out_unset_fields() -> None:
    from bria_tailored_api.models import DatasetImage, Model
    from bria_tailored_api.types import UNSET

    assert repr(UNSET) == "UNSET"
    text = repr(Model.from_dict({**MODEL, "future_field": "xyz"}))
    assert text.startswith("Model(") and "Unset" not in text and "UNSET" not in text
    assert "id=1" in text and "dataset_id" not in text
    assert "additional_properties={'future_field': 'xyz'}" in text
    image = repr(DatasetImage.from_dict({**IMAGE, "caption": None}))
    assert "caption=None" in image and "caption_source" not in image and "additional_properties" not in image
    for module in (ROOT / "generated" / "bria_tailored_api" / "models").glob("*.py"):
        text = module.read_text()
        assert ("@_attrs_define" in text) == ("return repr_without_unset(self)" in text), module.name


# ---------------------------------------------------------------------------------- regenerate --check
def test_regenerate_check_passes_on_the_committed_tree_and_fails_on_a_hand_edit(tmp_path: Path) -> None:
    copy_dir = tmp_path / "generated"
    shutil.copytree(ROOT / "generated", copy_dir, ignore=shutil.ignore_patterns("__pycache__"))
    script = str(ROOT / "scripts" / "regenerate.py")
    ok = subprocess.run(
        [sys.executable, script, "--check", "--generated", str(copy_dir)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    target = copy_dir / "bria_tailored_api" / "models" / "project.py"
    target.write_text(target.read_text() + "\n# a hand edit\n")
    (copy_dir / "bria_tailored_api" / "py.typed").unlink()
    bad = subprocess.run(
        [sys.executable, script, "--check", "--generated", str(copy_dir)], capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "differs: bria_tailored_api/models/project.py" in bad.stderr
    assert "only in the fresh generation: bria_tailored_api/py.typed" in bad.stderr


def test_generated_package_is_typed_and_the_wheel_ships_the_marker() -> None:
    package = ROOT / "generated" / "bria_tailored_api"
    assert (package / "py.typed").read_text().startswith("# Marker file for PEP 561")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"generated/bria_tailored_api"' in pyproject  # hatch ships the whole folder, py.typed included
    # users get the types: nothing tells mypy to ignore the package or pretend it is missing
    overrides = re.findall(r"\[\[tool\.mypy\.overrides\]\]\n(.*?)(?=\n\[|\Z)", pyproject, re.S)
    assert not [o for o in overrides if "bria_tailored_api" in o and "ignore_missing_imports" in o]
