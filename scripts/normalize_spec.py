#!/usr/bin/env python3
"""Repair Bria's published Tailored Generation OpenAPI document into a valid, generator-friendly one.

Usage: ``python scripts/normalize_spec.py [INPUT] [-o OUTPUT]`` (defaults: ``openapi.json`` ->
``generated/openapi.json``). INPUT may be JSON or YAML.

Every defect listed in ``shared/design/SPEC_REPAIRS.md`` is one small named step in :data:`STEPS`; defects
found while building have rows of their own (15 ``tidy_info``, 16 ``required_response_fields``, 17
``name_inline_responses``, 18 ``flag_prose_paths``), and so do the repairs from Bria's documentation,
cookbook and client (19-26: examples kept, start-training's optional body, 401, 400, the Status Service's
5XX, ``training_version``, ``webhook_url``, ``zip_url``). Each step's docstring names its source, and
``docs/spec-repairs.md`` keeps the citation of every step in one table (one row per step: a new step needs
its row, a test in ``tests/test_spec_repairs.py`` checks that). A step changes the document in place and
returns the line it reports ("not needed" when upstream has fixed the defect). Lines that need a maintainer
carry a word of :data:`LOUD` (see :func:`attention`):

- ``WARNING:`` the root and ``paths`` copies of an operation disagree (both places named, and which copy
  was kept and why);
- ``STALE:`` a rename, hoist or enum-table entry whose target is no longer in the spec;
- ``FLAG:`` something kept as published on purpose, an inline request body with no domain name, prose
  naming a path the spec does not have.

The output is canonical (keys sorted, ``required`` lists sorted, 2-space JSON, trailing newline: a
reordered or re-indented upstream, or the same document in YAML, gives the same bytes), idempotent
(normalizing the output changes nothing) and validated with openapi-spec-validator before it is written.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
HOST_ROOT = "https://engine.prod.bria-api.com"
SECURITY_SCHEME = "api_token"

# Row 13: the one dataset path without /tailored-gen. Kept as published (the only evidence); flip this
# switch to move it under /tailored-gen should Bria confirm it is a spec error.
MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN = False

Spec = dict[str, Any]
Schema = dict[str, Any]


# --------------------------------------------------------------------------------------------- helpers
def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation in ``paths``, in document order."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield path, method, op


def op_by_id(spec: Spec, operation_id: str) -> dict[str, Any] | None:
    for _, _, op in operations(spec):
        if op.get("operationId") == operation_id:
            return op
    return None


def json_body_schema(op: dict[str, Any]) -> Schema | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    return media.get("schema") if media else None


def response_schema(op: dict[str, Any], code: str) -> Schema | None:
    resp = (op.get("responses") or {}).get(code) or {}
    media = (resp.get("content") or {}).get("application/json")
    return media.get("schema") if media else None


def set_response_schema(op: dict[str, Any], code: str, schema: Schema) -> None:
    op["responses"][code]["content"]["application/json"]["schema"] = schema


def walk_schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict below ``node`` (schemas, operations, anything): used for whole-document rewrites."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_schemas(value)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def ref_name(schema: Schema | None) -> str | None:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        return schema["$ref"].rsplit("/", 1)[-1]
    return None


def deep_fill(base: Any, other: Any) -> Any:
    """``base`` with everything only ``other`` has added, recursively; ``base`` wins on conflicts."""
    if isinstance(base, dict) and isinstance(other, dict):
        merged = dict(base)
        for key, value in other.items():
            merged[key] = deep_fill(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return base


def without_examples(node: Any) -> Any:
    """``node`` without its ``example``/``examples`` (row 19 carries those over on its own)."""
    if isinstance(node, dict):
        return {k: without_examples(v) for k, v in node.items() if k not in ("example", "examples")}
    if isinstance(node, list):
        return [without_examples(v) for v in node]
    return node


def richness(node: Any) -> int:
    """How much an operation documents, examples left out (row 19 keeps the examples of both copies)."""
    return len(json.dumps(without_examples(node), sort_keys=True))


def merge_schemas(a: Schema, b: Schema) -> Schema:
    """Union of two inline object schemas describing the same resource in different responses.

    Properties are united; enums are united in first-seen order; the longer description wins; a field
    nullable anywhere stays nullable.
    """
    if a.get("type") == "array" and b.get("type") == "array":
        out = dict(a)
        out["items"] = merge_schemas(a.get("items", {}), b.get("items", {}))
        return out
    out = deep_fill(a, {k: v for k, v in b.items() if k not in ("properties", "enum", "description")})
    if "enum" in a or "enum" in b:
        values = list(a.get("enum", []))
        values += [v for v in b.get("enum", []) if v not in values]
        out["enum"] = values
    if len(b.get("description", "")) > len(a.get("description", "")):
        out["description"] = b["description"]
    if b.get("nullable"):
        out["nullable"] = True
    props_a, props_b = a.get("properties"), b.get("properties")
    if props_a is not None or props_b is not None:
        props = dict(props_a or {})
        for name, prop in (props_b or {}).items():
            props[name] = merge_schemas(props[name], prop) if name in props else copy.deepcopy(prop)
        out["properties"] = props
    if (a.get("type") == "object" and not a.get("properties")) and b.get("properties"):
        out["properties"] = copy.deepcopy(b["properties"])
    return out


# ----------------------------------------------------------------------------------------------- steps
@dataclass(frozen=True)
class Step:
    row: int
    name: str
    run: Callable[[Spec], str]


def merge_root_path_items(spec: Spec) -> str:
    """Row 1: path items that sit at the document root move into ``paths``.

    When the root copy and the ``paths`` copy of an operation disagree (operationId, servers, parameters,
    schema types), the report says so (WARNING), naming both places and the copy that was kept and why.
    """
    root_keys = sorted(k for k in spec if k.startswith("/"))
    if not root_keys:
        return "not needed: no path items at the document root"
    paths = spec.setdefault("paths", {})
    duplicates = 0
    new: list[str] = []
    warnings: list[str] = []
    for key in root_keys:
        root_item = spec.pop(key)
        if key in paths:
            duplicates += 1
        target = paths.setdefault(key, {})
        for method, op in root_item.items():
            if method not in HTTP_METHODS:
                target.setdefault(method, op)
                continue
            if method in target:
                existing = target[method]
                root_rich = richness(op) >= richness(existing)
                rich, poor = (op, existing) if root_rich else (existing, op)
                differences = disagreements(op, existing)
                if differences:
                    kept = "root" if root_rich else "paths"
                    warnings.append(
                        f"WARNING: the root copy (document root {key!r}) and the paths copy "
                        f"(paths[{key!r}]) of {method.upper()} {key} disagree: {'; '.join(differences)}. "
                        f"Kept the {kept} copy (the richer one: {richness(rich)} vs {richness(poor)} "
                        "characters of JSON) and filled in what only the other copy has"
                    )
                target[method] = deep_fill(rich, poor)
            else:
                target[method] = op
                new.append(f"{method.upper()} {key}")
    return (
        f"merged {len(root_keys)} root-level path items into paths "
        f"({duplicates} duplicates, {len(new)} new: {', '.join(new) or '-'})"
        + "".join(f"; {w}" for w in warnings)
    )


def _schema_types(node: Any, where: str, out: dict[str, str]) -> dict[str, str]:
    """``{position: type}`` for every ``type`` below ``node`` (examples and prose left out)."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            out[where] = node["type"]
        for key, value in node.items():
            if key not in ("example", "examples", "description", "summary"):
                _schema_types(value, f"{where}.{key}", out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _schema_types(value, f"{where}[{index}]", out)
    return out


def _parameter_table(op: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
    return {
        (p.get("in", "?"), p.get("name", "?")): ((p.get("schema") or {}).get("type"), bool(p.get("required")))
        for p in op.get("parameters") or []
        if isinstance(p, dict)
    }


def disagreements(root_op: dict[str, Any], paths_op: dict[str, Any]) -> list[str]:
    """How two copies of one operation disagree: operationId, servers, parameters, schema types."""
    out: list[str] = []
    if root_op.get("operationId") != paths_op.get("operationId"):
        out.append(
            f"operationId {root_op.get('operationId')!r} (root) vs {paths_op.get('operationId')!r} (paths)"
        )
    root_servers = [s.get("url") for s in root_op.get("servers") or []]
    paths_servers = [s.get("url") for s in paths_op.get("servers") or []]
    if root_servers and paths_servers and root_servers != paths_servers:
        out.append(f"servers {root_servers} (root) vs {paths_servers} (paths)")
    root_params, paths_params = _parameter_table(root_op), _parameter_table(paths_op)
    for key in sorted(root_params.keys() | paths_params.keys()):
        a, b = root_params.get(key), paths_params.get(key)
        if a is None or b is None:
            out.append(f"{key[0]} parameter {key[1]!r} only in the {'root' if b is None else 'paths'} copy")
        elif a != b:
            out.append(
                f"{key[0]} parameter {key[1]!r} is (type {a[0]}, required {a[1]}) in the root copy, "
                f"(type {b[0]}, required {b[1]}) in the paths copy"
            )
    root_types: dict[str, str] = {}
    paths_types: dict[str, str] = {}
    for part in ("requestBody", "responses"):
        _schema_types(root_op.get(part), part, root_types)
        _schema_types(paths_op.get(part), part, paths_types)
    for where in sorted(root_types.keys() & paths_types.keys()):
        if root_types[where] != paths_types[where]:
            out.append(f"{where} is {root_types[where]!r} (root) vs {paths_types[where]!r} (paths)")
    return out


def _server_prefix(op: dict[str, Any], default: str) -> str:
    for server in op.get("servers") or []:
        url = server.get("url", "").rstrip("/")
        match = re.search(r"(/v\d+)$", url)
        if match:
            return match.group(1)
    return default


def prefix_paths_with_versions(spec: Spec) -> str:
    """Row 3: one root server (the host root); each path carries its own /v1 or /v2."""
    root_default = "/v2"
    for server in spec.get("servers") or []:
        match = re.search(r"(/v\d+)/?$", server.get("url", ""))
        if match:
            root_default = match.group(1)
    moved = 0
    new_paths: dict[str, Any] = {}
    for path, item in spec.get("paths", {}).items():
        if re.match(r"^/v\d+/", path):
            new_paths[path] = item
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    item[method].pop("servers", None)
            continue
        prefixes = {
            _server_prefix(item[m], _server_prefix(item, root_default))
            for m in HTTP_METHODS
            if isinstance(item.get(m), dict)
        }
        if len(prefixes) > 1:
            raise SystemExit(f"normalize: operations of {path} declare different API versions: {prefixes}")
        prefix = prefixes.pop() if prefixes else _server_prefix(item, root_default)  # no operation left
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                item[method].pop("servers", None)
        item.pop("servers", None)
        new_paths[prefix + path] = item
        moved += 1
    spec["paths"] = new_paths
    servers_before = spec.get("servers")
    spec["servers"] = [{"url": HOST_ROOT, "description": "Bria API host root; every path carries /v1 or /v2"}]
    if not moved and servers_before == spec["servers"]:
        return "not needed: paths already carry their version"
    return f"prefixed {moved} paths with their operation's /v1 or /v2; one root server {HOST_ROOT}"


def fix_bulk_upload_prose(spec: Spec) -> str:
    """Row 2: documentation mentions bulk-upload paths that do not exist; point it at the real ones."""
    bulk = next((p for p in spec["paths"] if p.endswith("/images/bulk-upload")), None)
    if bulk is None:
        return "not needed: no bulk-upload path"
    status = bulk + "/status"
    replacements = [
        (re.compile(r"`?/datasets/\{dataset_id\}/images/bulk`?(?!-)"), f"`{bulk}`"),
        (re.compile(r"`\{dataset_id\}/bulk-upload/status`"), f"`{status}`"),
        (re.compile(r"(?<![\w/-])images/bulk(?![\w-])"), f"`{bulk}`"),
    ]
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        for pattern, repl in replacements:
            text, n = pattern.subn(repl, text)
            count += n
        return text

    for node in walk_schemas(spec):
        for key in ("description", "summary"):
            if isinstance(node.get(key), str):
                node[key] = fix(node[key])
    return (
        f"rewrote {count} prose references to {bulk}[/status]" if count else "not needed: prose already right"
    )


def add_security_scheme(spec: Spec) -> str:
    """Row 4: an apiKey security scheme instead of an api_token header parameter on every operation."""
    removed = 0
    secured = 0
    for _, _, op in operations(spec):
        params = op.get("parameters") or []
        kept = [p for p in params if not (p.get("in") == "header" and p.get("name") == SECURITY_SCHEME)]
        removed += len(params) - len(kept)
        if kept:
            op["parameters"] = kept
        else:
            op.pop("parameters", None)
        if op.get("security") != [{SECURITY_SCHEME: []}]:
            op["security"] = [{SECURITY_SCHEME: []}]
            secured += 1
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    had_scheme = SECURITY_SCHEME in schemes
    schemes[SECURITY_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": SECURITY_SCHEME,
        "description": "Your Bria API token (Bria console -> API keys).",
    }
    if not removed and not secured and had_scheme:
        return "not needed: security scheme already declared"
    return f"declared securitySchemes.api_token; removed {removed} header parameters; secured {secured} operations"


def image_upload_base64(spec: Spec) -> str:
    """Row 5: image upload is JSON; ``file`` is base64 text (format: byte), exactly one of file/image_url."""
    op = next((op for path, m, op in operations(spec) if m == "post" and path.endswith("/images")), None)
    schema = json_body_schema(op) if op else None
    file_prop = (schema or {}).get("properties", {}).get("file")
    if not file_prop or file_prop.get("format") == "byte":
        return "not needed: file is already base64 text"
    file_prop["format"] = "byte"
    file_prop["description"] = (
        "The image as base64 text (jpg, jpeg, png or webp). Exactly one of `file` and `image_url`."
    )
    schema["properties"]["image_url"]["description"] = (
        "A public URL of the image (jpg, jpeg, png or webp). Exactly one of `file` and `image_url`."
    )
    return "made upload-image `file` a base64 string (format: byte); exactly one of file / image_url"


PATH_ID_FIELDS = ("project_id", "dataset_id", "image_id", "model_id", "checkpoint_step")


def integer_ids(spec: Spec) -> str:
    """Row 9: ids are integers everywhere (path parameters disagree in upstream)."""
    changed = []
    for path, method, op in operations(spec):
        for param in op.get("parameters") or []:
            if param.get("in") == "path" and param.get("name") in PATH_ID_FIELDS:
                if param.get("schema", {}).get("type") != "integer":
                    param["schema"] = {"type": "integer"}
                    changed.append(f"{method.upper()} {path} {param['name']}")
    if not changed:
        return "not needed: ids are integers"
    return f"made {len(changed)} path ids integers ({', '.join(sorted(set(c.rsplit(' ', 1)[1] for c in changed)))})"


REQUIRED_IN_PROSE = re.compile(r"\(required\)|\brequired\):", re.IGNORECASE)


def required_from_prose(spec: Spec) -> str:
    """Row 10: request fields documented '(required)' in prose become ``required``."""
    added = []
    for _, _, op in operations(spec):
        schema = json_body_schema(op)
        if not schema or "properties" not in schema:
            continue
        for name, prop in schema["properties"].items():
            if REQUIRED_IN_PROSE.search(prop.get("description", "")):
                required = schema.setdefault("required", [])
                if name not in required:
                    required.append(name)
                    added.append(f"{op.get('operationId')}.{name}")
                prop["description"] = re.sub(r"\s*\(required\)", "", prop["description"]).strip()
    if not added:
        return "not needed: required fields already declared"
    return f"declared {len(added)} required fields stated in prose ({', '.join(sorted(added))})"


# Row 14: operationIds that read badly as Python names, renamed to what their summary says.
OPERATION_RENAMES = {
    "refine-json": "refine-structured-prompt",
    "image-generate-tailored": "generate-image",
    "structured-prompt-generate-tailored": "generate-structured-prompt",
    "generate-video-from-tailored-image": "generate-video",
    "download-tailored-model": "download-model",
    "get-project-by-id": "get-project",
    "get-dataset-by-id": "get-dataset",
}


def rename_operation_ids(spec: Spec) -> str:
    """Row 14: readable, unique operationIds."""
    renamed = []
    for _, _, op in operations(spec):
        new = OPERATION_RENAMES.get(op.get("operationId", ""))
        if new:
            renamed.append(f"{op['operationId']} -> {new}")
            op["operationId"] = new
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SystemExit(f"normalize: duplicate operationIds would overwrite each other: {dupes}")
    missing = [f"{m.upper()} {p}" for p, m, op in operations(spec) if not op.get("operationId")]
    if missing:
        raise SystemExit(f"normalize: operations without operationId: {missing}")
    present = set(ids)
    stale = [
        f"{old} -> {new}"
        for old, new in OPERATION_RENAMES.items()
        if old not in present and new not in present
    ]
    return (
        f"renamed {len(renamed)} operationIds ({'; '.join(renamed)})"
        if renamed
        else "not needed: ids read well"
    ) + stale_note("OPERATION_RENAMES", stale)


def stale_note(table: str, entries: list[str]) -> str:
    """The report's note on table entries whose target is no longer in the spec (empty when none)."""
    if not entries:
        return ""
    return f"; STALE: {table} entries whose target is not in the spec (remove them): {', '.join(entries)}"


STATUS_PATH = "/v2/status/{request_id}"


def add_status_service(spec: Spec) -> str:
    """Row 12: the Status Service every 202 points to (``GET /v2/status/{request_id}``).

    Source: docs.bria.ai ``status/endpoints/get_status`` (200 for every job state, 404 ``NOT_FOUND``; its 5XX
    body is row 23). That page documents no 429 and says nothing of rate limits, so neither is added here.
    """
    if any(p.rstrip("/") == STATUS_PATH for p in spec["paths"]):
        return "not needed: the Status Service is in the spec"
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "StatusResult",
        {
            "type": "object",
            "description": "What a finished job produced (fields depend on the job's kind).",
            "properties": {
                "image_url": {"type": "string", "description": "URL of the generated image."},
                "video_url": {"type": "string", "description": "URL of the generated video."},
                "structured_prompt": {
                    "type": "string",
                    "description": "The structured prompt, a JSON object serialized as a string.",
                },
                "seed": {
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                    "description": "The seed used (sometimes sent as a string).",
                },
                "prompt": {"type": "string"},
                "refined_prompt": {"type": "string"},
            },
        },
    )
    schemas.setdefault(
        "StatusError",
        {
            "type": "object",
            "properties": {
                "code": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "message": {"type": "string"},
                "details": {"type": "string"},
            },
        },
    )
    schemas.setdefault(
        "JobStatus", {"type": "string", "enum": ["IN_PROGRESS", "COMPLETED", "ERROR", "UNKNOWN"]}
    )
    schemas.setdefault(
        "StatusResponse",
        {
            "type": "object",
            "required": ["request_id", "status"],
            "properties": {
                "request_id": {"type": "string"},
                "status": {
                    "anyOf": [ref("JobStatus"), {"type": "string"}],
                    "description": "IN_PROGRESS until the job ends as COMPLETED, ERROR or UNKNOWN.",
                },
                "result": ref("StatusResult"),
                "error": ref("StatusError"),
            },
        },
    )
    schemas.setdefault(
        "StatusNotFound",
        {
            "type": "object",
            "properties": {"status": {"type": "string", "enum": ["NOT_FOUND"]}},
        },
    )
    spec["paths"][STATUS_PATH] = {
        "get": {
            "operationId": "get-status",
            "summary": "Get Status",
            "tags": ["Status"],
            "description": (
                "Status Service: poll the job a 202 response pointed to (`status_url`). Answers 200 even for "
                "failed jobs: `status` is `IN_PROGRESS`, then `COMPLETED` (with `result`), `ERROR` (with "
                '`error`) or `UNKNOWN`. Unknown or expired ids answer 404 `{"status": "NOT_FOUND"}`.'
            ),
            "parameters": [
                {"in": "path", "name": "request_id", "required": True, "schema": {"type": "string"}}
            ],
            "security": [{SECURITY_SCHEME: []}],
            "responses": {
                "200": {
                    "description": "The job's status (also for failed jobs).",
                    "content": {"application/json": {"schema": ref("StatusResponse")}},
                },
                "404": {
                    "description": "Unknown or expired request id.",
                    "content": {"application/json": {"schema": ref("StatusNotFound")}},
                },
            },
        }
    }
    tags = spec.setdefault("tags", [])
    if not any(t.get("name") == "Status" for t in tags):
        tags.append({"name": "Status", "description": "Status Service for asynchronous jobs"})
    for group in spec.get("x-tagGroups", []):
        if group.get("name") == "Generation Endpoints" and "Status" not in group.get("tags", []):
            group["tags"].append("Status")
    return f"added the Status Service: GET {STATUS_PATH} with StatusResponse"


def dataset_download_path(spec: Spec) -> str:
    """Row 13: ``/datasets/{dataset_id}/download`` lacks ``/tailored-gen``; kept, and flagged."""
    odd = [p for p in spec["paths"] if re.match(r"^/v\d+/datasets/", p)]
    if not odd:
        return "not needed: every dataset path is under /tailored-gen"
    if MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN:
        for path in odd:
            spec["paths"][path.replace("/datasets/", "/tailored-gen/datasets/", 1)] = spec["paths"].pop(path)
        return f"moved {', '.join(odd)} under /tailored-gen (switch MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN)"
    return f"FLAG: kept {', '.join(odd)} as published (no /tailored-gen); switch: MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN"


# Row 6: which inline schemas are the same resource, by operationId and response code ("" = request
# body; a trailing "[]" = the array's items). The content comes from the spec; only the names are ours.
HOISTS: dict[str, list[tuple[str, str]]] = {
    "Project": [
        ("create-project", "201"),
        ("get-projects", "200[]"),
        ("get-project", "200"),
        ("update-project", "200"),
    ],
    "Dataset": [
        ("create-dataset", "201"),
        ("get-datasets", "200[]"),
        ("get-datasets-by-project", "200[]"),
        ("get-dataset", "200"),
        ("update-dataset", "200"),
        ("clone-dataset", "201"),
        ("regenerate-all-captions", "202"),
    ],
    "DatasetImage": [
        ("upload-image", "201"),
        ("get-images", "200[]"),
        ("get-image", "200"),
        ("update-image-caption", "200"),
    ],
    "Model": [
        ("create-model", "201"),
        ("get-models", "200[]"),
        ("get-models-by-project", "200[]"),
        ("get-model", "200"),
        ("update-model", "200"),
        ("start-training", "200"),
        ("upload-model", "200"),
    ],
    "CheckpointList": [("list-checkpoints", "200")],
    "Checkpoint": [("get-checkpoint", "200")],
    "AcceptedJob": [
        ("generate-image", "202"),
        ("generate-structured-prompt", "202"),
        ("generate-video", "202"),
    ],
    "BulkUploadStatus": [("get-bulk-upload-status", "200")],
    "DownloadLinks": [("download-dataset", "200"), ("download-model", "200")],
    "VisualSchemaResult": [("generate-visual-schema", "200")],
    "StructuredPromptResult": [("refine-structured-prompt", "200"), ("generate-structured-prompt", "200")],
    "ImageGenerationResult": [("generate-image", "200")],
    # request bodies
    "ProjectCreate": [("create-project", "")],
    "ProjectUpdate": [("update-project", "")],
    "DatasetCreate": [("create-dataset", "")],
    "DatasetUpdate": [("update-dataset", "")],
    "DatasetClone": [("clone-dataset", "")],
    "ImageUpload": [("upload-image", "")],
    "ImageCaptionUpdate": [("update-image-caption", "")],
    "BulkUploadRequest": [("bulk-upload-images", "")],
    "VisualSchemaRequest": [("generate-visual-schema", "")],
    "RefineStructuredPromptRequest": [("refine-structured-prompt", "")],
    "ModelCreate": [("create-model", "")],
    "ModelUpdate": [("update-model", "")],
    "ModelUpload": [("upload-model", "")],
    "TrainingRequest": [("start-training", "")],
    "ImageGenerationRequest": [("generate-image", "")],
    "StructuredPromptRequest": [("generate-structured-prompt", "")],
    "VideoGenerationRequest": [("generate-video", "")],
}
# Objects nested in a hoisted schema: (parent, property, is_array_items) -> name.
NESTED_HOISTS: list[tuple[str, str, bool, str]] = [
    ("Dataset", "images", True, "DatasetImage"),
    ("Model", "training_parameters", False, "TrainingParameters"),
    ("CheckpointList", "checkpoints", True, "Checkpoint"),
    ("BulkUploadStatus", "failed_images", True, "FailedImage"),
    ("ModelUpload", "project_parameters", False, "ProjectParameters"),
]


def _take(spec: Spec, operation_id: str, where: str) -> tuple[Schema | None, Callable[[Schema], None]]:
    op = op_by_id(spec, operation_id)
    if op is None:
        return None, lambda s: None
    is_items = where.endswith("[]")
    code = where.rstrip("[]")
    if code == "":
        media = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
        if not media:
            return None, lambda s: None

        def put_body(s: Schema) -> None:
            media["schema"] = s

        return media.get("schema"), put_body
    schema = response_schema(op, code)
    if schema is None:
        return None, lambda s: None
    if is_items:
        if schema.get("type") != "array":
            return None, lambda s: None

        def put_items(s: Schema) -> None:
            schema["items"] = s

        return schema.get("items"), put_items
    return schema, lambda s: set_response_schema(op, code, s)


def hoist_schemas(spec: Spec) -> str:
    """Row 6: shared inline shapes become named components (Project, Dataset, Model, ...)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    hoisted = []
    stale: list[str] = []
    for name, places in HOISTS.items():
        found: list[tuple[Schema, Callable[[Schema], None]]] = []
        for operation_id, where in places:
            schema, put = _take(spec, operation_id, where)
            if schema is None:
                stale.append(f"{name} <- {operation_id} {where or 'request body'}")
            elif ref_name(schema) is None:
                found.append((schema, put))
        if not found:
            continue
        merged = copy.deepcopy(schemas.get(name)) if name in schemas else None
        for schema, _ in found:
            merged = merge_schemas(merged, schema) if merged is not None else copy.deepcopy(schema)
        assert merged is not None
        merged.pop("example", None)
        merged.setdefault("type", "object")
        schemas[name] = merged
        for _, put in found:
            put(ref(name))
        hoisted.append(name)
    for parent, prop, is_items, name in NESTED_HOISTS:
        parent_schema = schemas.get(parent)
        holder = (parent_schema or {}).get("properties", {}).get(prop)
        if holder is None:
            stale.append(f"{name} <- {parent}.{prop}{'[]' if is_items else ''}")
            continue
        target = holder.get("items") if is_items else holder
        if not isinstance(target, dict) or ref_name(target) or not target.get("properties"):
            if is_items and isinstance(target, dict) and not target.get("properties") and name in schemas:
                holder["items"] = ref(name)
            elif not is_items and not ref_name(target) and name in schemas:
                parent_schema["properties"][prop] = _nested_ref(name, target)
            continue
        merged = merge_schemas(schemas[name], target) if name in schemas else copy.deepcopy(target)
        merged.setdefault("type", "object")
        schemas[name] = merged
        if is_items:
            holder["items"] = ref(name)
        else:
            parent_schema["properties"][prop] = _nested_ref(name, target)
        hoisted.append(name)
    note = stale_note("HOISTS/NESTED_HOISTS", stale)
    if not hoisted:
        return "not needed: shared shapes are already components" + note
    return f"hoisted {len(hoisted)} shared shapes into components ({', '.join(sorted(set(hoisted)))})" + note


def _pascal(operation_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", operation_id) if part)


def _inline_object(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and ref_name(schema) is None
        and (schema.get("type") == "object" or "properties" in schema)
        and not any(k in schema for k in ("allOf", "anyOf", "oneOf"))
    )


def name_inline_responses(spec: Spec) -> str:
    """Row 17: a success response schema no table names (a new operation's) becomes a named component.

    ``{OperationId}Response`` (an array's items: ``{OperationId}Item``; with a status-code suffix when one
    operation has several), so the generated class has a stable name and, being a response component, its
    enums are made lenient by row 7/8. Inline request bodies are flagged: the generator names them
    ``{OperationId}Body``; give them a domain name in :data:`HOISTS`.
    """
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    named: list[str] = []
    bodies: list[str] = []
    for _, _, op in operations(spec):
        operation_id = op.get("operationId", "")
        found: list[tuple[str, dict[str, Any], str]] = []  # (code, holder, key of the inline object)
        for code, resp in sorted((op.get("responses") or {}).items()):
            if not str(code).startswith("2") or not isinstance(resp, dict):
                continue
            media = (resp.get("content") or {}).get("application/json")
            schema = media.get("schema") if isinstance(media, dict) else None
            if _inline_object(schema):
                found.append((str(code), media, "schema"))
            elif (
                isinstance(schema, dict)
                and schema.get("type") == "array"
                and _inline_object(schema.get("items"))
            ):
                found.append((str(code), schema, "items"))
        for code, holder, key in found:
            base = _pascal(operation_id) + ("Item" if key == "items" else "Response")
            name = base + (code if len(found) > 1 else "")
            inline = holder[key]
            inline.pop("example", None)
            inline.setdefault("type", "object")
            while name in schemas and schemas[name] != inline:
                name = name + code if not name.endswith(code) else name + "_"
            schemas[name] = inline
            holder[key] = ref(name)
            named.append(f"{name} ({operation_id} {code})")
        body = json_body_schema(op)
        if _inline_object(body):
            bodies.append(f"{operation_id} (generated as {_pascal(operation_id)}Body)")
    flag = (
        f"; FLAG: inline request bodies, add them to HOISTS for a domain name: {', '.join(bodies)}"
        if bodies
        else ""
    )
    if not named:
        return "not needed: every success response schema is named" + flag
    return (
        f"FLAG: named {len(named)} new inline response schemas (lenient): {', '.join(named)}; "
        "give them domain names in HOISTS if they stay" + flag
    )


def _nested_ref(name: str, original: Schema) -> Schema:
    """A reference to a hoisted nested object, keeping the property's description (``allOf``, since a
    ``$ref``'s siblings are ignored in OpenAPI 3.0). Nullable only when upstream says so, and then with a
    ``type`` beside ``nullable`` (OpenAPI 3.0.3; redocly's ``nullable-type-sibling``)."""
    if not original.get("description") and not original.get("nullable"):
        return ref(name)
    out: Schema = {"allOf": [ref(name)]}
    if original.get("description"):
        out["description"] = original["description"]
    if original.get("nullable"):
        out.update(type="object", nullable=True)
    return out


# Row 7/8: enum components. (schema, property) -> enum name; the value set is every documented value.
ENUMS: dict[str, list[tuple[str, str]]] = {
    "IpType": [("ProjectCreate", "ip_type"), ("Project", "ip_type"), ("ProjectParameters", "ip_type")],
    "IpMedium": [
        ("ProjectCreate", "ip_medium"),
        ("Project", "ip_medium"),
        ("ProjectParameters", "ip_medium"),
    ],
    "ProjectStatus": [("Project", "status")],
    "DatasetStatus": [("DatasetUpdate", "status"), ("Dataset", "status")],
    "CaptionsUpdateStatus": [("Dataset", "captions_update_status")],
    "UploadType": [("DatasetCreate", "upload_type"), ("Dataset", "upload_type")],
    "CaptionSource": [("DatasetImage", "caption_source")],
    "ModelStatus": [("Model", "status")],
    "TrainingMode": [("ModelCreate", "training_mode"), ("Model", "training_mode")],
    "LrScheduler": [("TrainingRequest", "lr_scheduler"), ("TrainingParameters", "lr_scheduler")],
    "AspectRatio": [("ImageGenerationRequest", "aspect_ratio")],
    "BulkUploadState": [("BulkUploadStatus", "status")],
    "TrainingVersion": [("ModelCreate", "training_version"), ("Model", "training_version")],  # row 24
}
# Values the documentation states for a field whose schema enum omits them (row 7).
ENUM_EXTRA_VALUES: dict[str, list[str]] = {
    "ModelStatus": ["Created", "InProgress", "Completed", "Failed", "Stopping", "Stopped"],
}
REQUEST_SCHEMAS = {name for name, places in HOISTS.items() if places and places[0][1] == ""} | {
    "ProjectParameters"
}


def _enum_values_of(prop: Schema, enum_name: str, schemas: dict[str, Schema]) -> list[Any]:
    values = [v for v in prop.get("enum", []) if v is not None]
    for sub in prop.get("anyOf", []) + prop.get("allOf", []) + [prop]:
        if ref_name(sub) == enum_name:
            values += schemas.get(enum_name, {}).get("enum", [])
    return values


def enum_components(spec: Spec) -> str:
    """Rows 7 and 8: enums become components; strict in requests, lenient (enum or any string) in responses.

    Response fields become ``anyOf: [Enum, string]`` so that a value the spec does not list parses as a
    plain string instead of raising; a nullable field accepts null.
    """
    schemas = spec["components"]["schemas"]
    before = dumps(schemas)
    made = []
    stale: list[str] = []
    for enum_name, places in ENUMS.items():
        present = [
            (schema_name, prop, schemas[schema_name]["properties"][prop])
            for schema_name, prop in places
            if prop in schemas.get(schema_name, {}).get("properties", {})
        ]
        stale += [
            f"{enum_name} <- {schema_name}.{prop}"
            for schema_name, prop in places
            if prop not in schemas.get(schema_name, {}).get("properties", {})
        ]
        if not present:
            continue
        values: list[Any] = list(schemas.get(enum_name, {}).get("enum", []))
        for _, _, prop_schema in present:
            values += [v for v in _enum_values_of(prop_schema, enum_name, schemas) if v not in values]
        values += [v for v in ENUM_EXTRA_VALUES.get(enum_name, []) if v not in values]
        schemas[enum_name] = {"type": "string", "enum": values}
        for schema_name, prop, prop_schema in present:
            doc = {k: prop_schema[k] for k in ("description", "default") if k in prop_schema}
            new: Schema
            if schema_name in REQUEST_SCHEMAS and not prop_schema.get("nullable"):
                new = {"allOf": [ref(enum_name)], **doc} if doc else ref(enum_name)
            else:
                doc.pop("default", None)
                # A nullable field's null goes in the plain-string branch: `nullable` needs a `type` beside
                # it (OpenAPI 3.0.3), which an `anyOf` has not (redocly: nullable-type-sibling).
                nullable = bool(prop_schema.get("nullable")) or _has_nullable_branch(prop_schema)
                plain: Schema = {"type": "string", "nullable": True} if nullable else {"type": "string"}
                new = {"anyOf": [ref(enum_name), plain], **doc}
            schemas[schema_name]["properties"][prop] = new
        made.append(enum_name)
    stale += [f"{name} (no such enum made)" for name in ENUM_EXTRA_VALUES if name not in made]
    # Row 8: any other inline enum of a response schema (nested ones too) accepts unknown values (and null
    # when nullable).
    loosened = 0
    for name, schema in schemas.items():
        if name not in REQUEST_SCHEMAS:
            loosened += _loosen_inline_enums(schema)
    note = stale_note("ENUMS/ENUM_EXTRA_VALUES", stale)
    if dumps(schemas) == before:
        return "not needed: enums are already components" + note
    return (
        f"made {len(made)} enum components ({', '.join(made)}): strict in requests, lenient in responses"
        + (f"; loosened {loosened} other response enums" if loosened else "")
        + note
    )


def _has_nullable_branch(prop: Schema) -> bool:
    return any(isinstance(s, dict) and s.get("nullable") for s in prop.get("anyOf", []))


def _lenient(prop: Schema) -> Schema:
    listed = ", ".join(f"`{v}`" for v in prop["enum"] if v is not None)
    new_prop: Schema = {
        "type": "string",
        "description": (prop.get("description", "") + f"\n\nKnown values: {listed}.").strip(),
    }
    if prop.get("nullable"):
        new_prop["nullable"] = True
    return new_prop


def _loosen_inline_enums(schema: Schema) -> int:
    """Make every inline enum of a response schema lenient (properties, array items, nested objects)."""
    loosened = 0
    for prop_name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        if "enum" in prop:
            schema["properties"][prop_name] = _lenient(prop)
            loosened += 1
        else:
            loosened += _loosen_inline_enums(prop)
    items = schema.get("items")
    if isinstance(items, dict):
        if "enum" in items:
            schema["items"] = _lenient(items)
            loosened += 1
        else:
            loosened += _loosen_inline_enums(items)
    return loosened


ERROR_SCHEMAS: dict[str, Schema] = {
    "FieldError": {
        "type": "object",
        "required": ["msg"],
        "properties": {
            "msg": {"type": "string"},
            "field_name": {"type": "string"},
            "field_input": {"type": "string"},
        },
    },
    "ErrorMessage": {
        "type": "object",
        "description": 'An error as an object: `{"message": ...}` or `{"errors": [...]}`.',
        "properties": {
            "message": {"type": "string"},
            "errors": {"type": "array", "items": ref("FieldError")},
        },
    },
    "Error": {
        "description": (
            "Bria's error bodies come in three shapes: a JSON string (quota and access texts, checkpoint "
            'errors), `{"message": ...}`, or `{"errors": [{msg, field_name, field_input}]}`.'
        ),
        "oneOf": [{"type": "string"}, ref("ErrorMessage")],
    },
}


def error_model(spec: Spec) -> str:
    """Row 11: one documented error model, used by every 4xx/5xx response."""
    schemas = spec["components"]["schemas"]
    added = [n for n in ERROR_SCHEMAS if n not in schemas]
    for name in added:
        schemas[name] = copy.deepcopy(ERROR_SCHEMAS[name])
    documented = 0
    for _, _, op in operations(spec):
        for code, resp in (op.get("responses") or {}).items():
            if code[:1] not in ("4", "5"):
                continue
            content = resp.get("content") or {}
            media = content.get("application/json")
            if media and ref_name(media.get("schema")) in ("Error", "StatusNotFound", "StatusServiceError"):
                continue
            examples = {}
            if media:
                for key in ("example", "examples"):
                    if key in media:
                        examples[key] = media[key]
                if "example" in (media.get("schema") or {}) and "examples" not in examples:
                    examples.setdefault("example", media["schema"]["example"])
            resp["content"] = {"application/json": {"schema": ref("Error"), **examples}}
            documented += 1
    if not added and not documented:
        return "not needed: errors already documented"
    return f"documented the Error model (string | message | errors) on {documented} error responses"


# Row 16: response fields Bria always returns, decided field by field. Upstream declares no `required` in
# any response, so the generated models type every id and status as `X | Unset`. Only ids, statuses, names,
# foreign ids and timestamps are considered; a timestamp is required only when every example carries it.
# "examples" = the response examples of the published openapi.json (root-level copies included); entries
# without examples cite the prose or Bria's documentation (shared/design/FIELD_NOTES.md). Only the
# `required` lists change: types, nullability and the lenient enums of row 7 stay as they are.
ALWAYS_RETURNED: dict[str, dict[str, str]] = {
    "Project": {  # 4 examples: create-project, get-projects, get-project-by-id, update-project
        "id": "in all 4 examples",
        "project_name": "in all 4 examples; required when creating a project (row 10)",
        "status": "in all 4 examples",
        "created_at": "in all 4 examples",
    },
    "Dataset": {  # 3 examples: create-dataset, get-dataset-by-id, regenerate-all-captions (202)
        "id": "in all 3 examples",
        "project_id": "in all 3 examples; required when creating a dataset (row 10)",
        "name": "in all 3 examples; required when creating a dataset (row 10)",
        "status": "in all 3 examples",
        "captions_update_status": "in all 3 examples; listed by every dataset response schema",
        "created_at": "in all 3 examples",
        "updated_at": "in all 3 examples",
    },
    "DatasetImage": {  # 1 example: the image inside get-dataset-by-id's example
        "id": "in the example; the image's path parameter image_id",
        "dataset_id": "in the example; an image only exists inside a dataset (every image path has it)",
        "image_name": "in the example; the upload's image_name is 'Custom name ... (optional)', so "
        "Bria names the image when it is not given",
        "created_at": "in the example (the only one)",
        "updated_at": "in the example (the only one)",
    },
    "Model": {  # 12 models in 10 examples: create, get, start-training (paths and root copies), lists, ...
        "id": "in all 12 example models",
        "name": "in all 12 example models; required when creating a model (row 10)",
        "status": "in all 12 example models",
        "project_id": "in all 12 example models; upload-model creates a project when none is given",
        "created_at": "in all 12 example models",
    },
    "Checkpoint": {  # 2 examples: get-checkpoint, and the one inside list-checkpoints
        "checkpoint_step": "in both examples; the checkpoint's id (path parameter checkpoint_step)",
        "training_job_id": "in both examples",
        "created_at": "in both examples",
    },
    "AcceptedJob": {  # no example
        "request_id": "the 202's purpose: 'track the progress ... using the Status Service', which is "
        "addressed by request_id (FIELD_NOTES: GET /v2/status/{request_id})",
    },
    "BulkUploadStatus": {  # no example
        "status": "the operation 'Retrieve[s] the status and progress of a bulk image upload job'",
    },
    "StatusNotFound": {  # no example
        "status": 'Bria documents the 404 body as {"status": "NOT_FOUND"} (FIELD_NOTES)',
    },
}
# Fields of the same kinds decided the other way: the evidence says they can be absent.
KEPT_OPTIONAL: dict[str, dict[str, str]] = {
    "Project": {"updated_at": "only get-projects' example has it; create, get and update examples lack it"},
    "Model": {
        "dataset_id": "an uploaded model comes from a URL, with no dataset in upload-model's request; that "
        "example's dataset_id 456 (like its id 789) is copied from get-model's example",
        "updated_at": "missing from the examples of get-model, get-models, update-model and upload-model",
    },
    "AcceptedJob": {"status_url": "no example; the Status Service URL is known from request_id"},
    "FailedImage": {"filename": "no example and no prose about it"},
}


def required_response_fields(spec: Spec) -> str:
    """Row 16: ids, statuses, names, foreign ids and timestamps Bria always returns become ``required``.

    Response schemas only (see :data:`ALWAYS_RETURNED` for the evidence of each field); the generated models
    then type them ``X`` instead of ``X | Unset``. Everything else stays as lenient as before.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    added: list[str] = []
    absent: list[str] = []
    for name, fields in ALWAYS_RETURNED.items():
        if name in REQUEST_SCHEMAS:
            raise SystemExit(f"normalize: ALWAYS_RETURNED names a request schema: {name}")
        schema = schemas.get(name)
        for field in fields:
            if schema is None or field not in (schema.get("properties") or {}):
                absent.append(f"{name}.{field}")
                continue
            required = schema.setdefault("required", [])
            if field not in required:
                required.append(field)
                added.append(f"{name}.{field}")
    note = f"; FLAG: not in the spec, left alone: {', '.join(absent)}" if absent else ""
    note += stale_note(
        "KEPT_OPTIONAL",
        [
            f"{name}.{field}"
            for name, fields in KEPT_OPTIONAL.items()
            for field in fields
            if field not in (schemas.get(name, {}).get("properties") or {})
        ],
    )
    if not added:
        return "not needed: always-returned response fields are required" + note
    return f"made {len(added)} always-returned response fields required ({', '.join(added)})" + note


PROSE_PATH = re.compile(r"(?<![\w.:/{}-])(/[A-Za-z_][\w-]*(?:/[\w{}.-]+)+)")


def _path_segments(path: str) -> tuple[str, ...]:
    """``/v1/tailored-gen/models/{id}`` -> ``("tailored-gen", "models", "{}")``: no version, no param names."""
    path = re.sub(r"^/v\d+(?=/)", "", path.rstrip("/.,;:"))
    return tuple(re.sub(r"\{[^}]*\}", "{}", part) for part in path.strip("/").split("/"))


def renamed_paths() -> list[str]:
    """Upstream paths this normalizer moves elsewhere (prose naming them is out of date)."""
    return ["/datasets/{dataset_id}/download"] if MOVE_DATASET_DOWNLOAD_UNDER_TAILORED_GEN else []


def _prose(node: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield where + (key,), value
            elif key not in ("example", "examples"):
                yield from _prose(value, where + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _prose(value, where + (str(index),))


def _place(where: tuple[str, ...]) -> str:
    if len(where) >= 3 and where[0] == "paths" and where[2] in HTTP_METHODS:
        return " ".join([where[2].upper(), where[1], *where[3:]])
    return ".".join(where)


def flag_prose_paths(spec: Spec) -> str:
    """Row 18: prose (descriptions, summaries) naming a path the spec does not have, or no longer has.

    A path named in prose matches when it is a spec path, or its start or end (Bria's prose often leaves out
    ``/tailored-gen`` and the version). Nothing is rewritten: the report names each path and where it is.
    """
    known = [_path_segments(p) for p in spec.get("paths", {})]
    gone = {_path_segments(p) for p in renamed_paths()}

    def exists(segments: tuple[str, ...]) -> bool:
        n = len(segments)
        return segments not in gone and any(
            k == segments or k[:n] == segments or k[-n:] == segments for k in known
        )

    stale: dict[str, list[str]] = {}
    for where, text in _prose(spec):
        for match in PROSE_PATH.finditer(text):
            named = match.group(1).rstrip(".,;:")
            if not exists(_path_segments(named)):
                stale.setdefault(named, []).append(_place(where))
    if not stale:
        return "not needed: every path named in prose is in the spec"
    listed = "; ".join(f"`{path}` in {', '.join(places)}" for path, places in sorted(stale.items()))
    return f"FLAG: prose names paths that are not in the spec (renamed?): {listed}"


# ------------------------------------------------------------------ rows 19-26: repairs from evidence
# Each docstring names its source; docs/spec-repairs.md keeps the citation of every row in one table.
def _media_objects(op: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, media type object)`` of an operation's request body and of each of its responses."""
    for ctype, media in (((op.get("requestBody") or {}).get("content")) or {}).items():
        if isinstance(media, dict):
            yield f"requestBody {ctype}", media
    for code, resp in (op.get("responses") or {}).items():
        if isinstance(resp, dict):
            for ctype, media in (resp.get("content") or {}).items():
                if isinstance(media, dict):
                    yield f"{code} {ctype}", media


def _examples_of(media: dict[str, Any]) -> dict[str, Any]:
    """A media type's examples as named Example Objects (``example`` becomes one named ``example``)."""
    if isinstance(media.get("examples"), dict):
        return dict(media["examples"])
    if "example" in media:
        return {"example": {"value": media["example"]}}
    return {}


def _set_examples(media: dict[str, Any], examples: dict[str, Any]) -> None:
    media.pop("example", None)
    media["examples"] = copy.deepcopy(examples)


def _shape_name(value: Any) -> str:
    """A name for an example of one error-body shape: its first key (``message``, ``errors``) or ``text``."""
    if isinstance(value, dict) and value:
        return str(next(iter(value)))
    return "text" if isinstance(value, str) else "example"


def _unique(name: str, taken: dict[str, Any]) -> str:
    new, n = name, 2
    while new in taken:
        new, n = f"{name}_{n}", n + 1
    return new


def keep_upstream_examples(spec: Spec) -> str:
    """Row 19: every example Bria published survives the repair (source: the upstream file itself).

    Two repairs dropped examples: the merge of row 1 keeps one copy of each duplicated operation, and both
    copies can carry a different example of the same body (create-model 201, update-model's request,
    start-training 200); row 11 replaces each error body's schema by the Error model, and start-training's
    400 carries one example per error shape inside its ``oneOf``. Both become named ``examples`` of the
    media type (``root_copy``/``paths_copy``; the shape's first key), on both copies, before the merge.
    """
    moved: list[str] = []
    items = [("paths", k, v) for k, v in spec.get("paths", {}).items()]
    items += [("root", k, v) for k, v in spec.items() if k.startswith("/")]
    for place, key, item in items:
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            for code, resp in (op.get("responses") or {}).items():
                if str(code)[:1] not in ("4", "5") or not isinstance(resp, dict):
                    continue
                for media in (resp.get("content") or {}).values():
                    schema = media.get("schema") if isinstance(media, dict) else None
                    if not isinstance(schema, dict):
                        continue
                    members = [
                        m for m in schema.get("oneOf", []) + schema.get("anyOf", []) if isinstance(m, dict)
                    ]
                    found = [m["example"] for m in members if "example" in m]
                    if "example" in schema:
                        found.insert(0, schema["example"])
                    if not found:
                        continue
                    examples = _examples_of(media)
                    values = [e.get("value") for e in examples.values()]
                    for value in found:
                        if value not in values:
                            examples[_unique(_shape_name(value), examples)] = {"value": value}
                            values.append(value)
                    _set_examples(media, examples)
                    moved.append(f"{method.upper()} {key} {code} ({place})")
    merged: list[str] = []
    for key in sorted(k for k in spec if k.startswith("/")):
        root_item, paths_item = spec[key], spec.get("paths", {}).get(key) or {}
        for method in HTTP_METHODS:
            root_op, paths_op = root_item.get(method), paths_item.get(method)
            if not (isinstance(root_op, dict) and isinstance(paths_op, dict)):
                continue
            paths_media = dict(_media_objects(paths_op))
            for where, root_media in _media_objects(root_op):
                other = paths_media.get(where)
                if other is None:
                    continue
                ours, theirs = _examples_of(root_media), _examples_of(other)
                if not ours or not theirs:
                    continue  # the merge carries the only one over
                union: dict[str, Any] = {}
                values: list[Any] = []
                for label, examples in (("root_copy", ours), ("paths_copy", theirs)):
                    for name, example in examples.items():
                        if example.get("value") in values:
                            continue
                        values.append(example.get("value"))
                        if name == "example":
                            name = label
                            example = {
                                "summary": f"As published in the {label.replace('_', ' ')} of this operation",
                                **example,
                            }
                        union[_unique(name, union)] = example
                if len(union) > max(len(ours), len(theirs)):
                    _set_examples(root_media, union)
                    _set_examples(other, union)
                    merged.append(f"{method.upper()} {key} {where}")
    if not moved and not merged:
        return "not needed: no example would be lost"
    parts = []
    if merged:
        parts.append(f"kept both copies' examples of {len(merged)} bodies ({'; '.join(merged)})")
    if moved:
        parts.append(f"kept the per-shape examples of {len(moved)} error bodies ({'; '.join(moved)})")
    return "; ".join(parts)


def optional_training_body(spec: Spec) -> str:
    """Row 20: start-training's body is optional: Bria's cookbook (``Bria-AI/cookbooks``,
    ``examples/bria_brand_gen_pipeline/fine_tune_api.ipynb``) POSTs it with no body and asserts 200; the
    upstream prose says defaults are chosen "if parameters are not provided"."""
    op = op_by_id(spec, "start-training")
    body = (op or {}).get("requestBody")
    if not isinstance(body, dict):
        return "not needed: start-training has no request body" + stale_note(
            "optional_training_body", [] if op else ["start-training"]
        )
    if not body.get("required"):
        return "not needed: start-training's body is optional"
    body.pop("required")
    return "made start-training's request body optional (the cookbook sends none)"


UNAUTHORIZED = "Unauthorized: the `api_token` header is missing or not a valid token."


def document_unauthorized(spec: Spec) -> str:
    """Row 21: 401 on every operation that needs the token. Sources: docs.bria.ai (index, "Authentication":
    every request carries ``api_token``) and upstream, which documents 401 "Unauthorized" on 33 of its
    operations; the 7 others (generation, checkpoints, upload-model, status) use the same token."""
    added = []
    for path, method, op in operations(spec):
        if op.get("security") and "401" not in (op.get("responses") or {}):
            op.setdefault("responses", {})["401"] = {"description": UNAUTHORIZED}
            added.append(op.get("operationId") or f"{method.upper()} {path}")
    if not added:
        return "not needed: every authenticated operation documents 401"
    return f"documented 401 on {len(added)} authenticated operations ({', '.join(added)})"


MALFORMED = "Bad request: a path or query parameter is malformed (for example, an id that is not an integer)."


def _can_be_malformed(param: dict[str, Any]) -> bool:
    schema = param.get("schema") or {}
    constrained = ("enum", "minimum", "maximum", "pattern", "format", "minLength", "maxLength")
    return schema.get("type", "string") != "string" or any(k in schema for k in constrained)


def document_parameter_errors(spec: Spec) -> str:
    """Row 22: 400 where a path or query parameter can be malformed (an integer id, a bounded number, a
    boolean). Source: upstream documents exactly this 400 where it thought of it: download-model ("Bad
    request. The request is malformed.", a path id and no body) and get-dataset (a path id and the bounded
    ``max_images`` query)."""
    added = []
    for path, method, op in operations(spec):
        params = [
            p
            for p in op.get("parameters") or []
            if isinstance(p, dict) and p.get("in") in ("path", "query") and _can_be_malformed(p)
        ]
        if params and "400" not in (op.get("responses") or {}):
            op.setdefault("responses", {})["400"] = {"description": MALFORMED}
            added.append(op.get("operationId") or f"{method.upper()} {path}")
    if not added:
        return "not needed: every operation with a typed path or query parameter documents 400"
    return f"documented 400 (malformed parameter) on {len(added)} operations ({', '.join(added)})"


STATUS_SERVICE_ERRORS: dict[str, Schema] = {
    "StatusServiceErrorDetail": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "integer", "example": 123},
            "message": {"type": "string"},
            "details": {"type": "string"},
        },
    },
    "StatusServiceError": {
        "type": "object",
        "description": "The Status Service itself failed (a failed job answers 200 with `status: ERROR`).",
        "required": ["error", "request_id"],
        "properties": {"error": ref("StatusServiceErrorDetail"), "request_id": {"type": "string"}},
    },
}


def status_service_errors(spec: Spec) -> str:
    """Row 23: the Status Service's 5XX body, as docs.bria.ai ``status/endpoints/get_status`` documents it:
    ``{"error": {"code": integer, "message", "details"}, "request_id"}``, every field required."""
    op = next((o for p, m, o in operations(spec) if p.rstrip("/") == STATUS_PATH and m == "get"), None)
    if op is None:
        return "not needed: no Status Service in the spec" + stale_note(
            "status_service_errors", [STATUS_PATH]
        )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    responses = op.setdefault("responses", {})
    media = ((responses.get("5XX") or {}).get("content") or {}).get("application/json") or {}
    if ref_name(media.get("schema")) == "StatusServiceError" and all(
        n in schemas for n in STATUS_SERVICE_ERRORS
    ):
        return "not needed: the Status Service documents its 5XX body"
    for name, schema in STATUS_SERVICE_ERRORS.items():
        schemas[name] = copy.deepcopy(schema)
    responses["5XX"] = {
        "description": "The Status Service itself failed (see Bria's status page); not the job's outcome.",
        "content": {"application/json": {"schema": ref("StatusServiceError")}},
    }
    return f"documented the Status Service's 5XX body (StatusServiceError) on GET {STATUS_PATH}"


#: Row 24: docs.bria.ai ``tailored-generation/model/create-model`` lists these (request), and the response
#: fields ``training_version`` and ``generation_prefix`` (string or null).
TRAINING_VERSIONS = ["light", "max", "bria-2.3", "bria-3.2", "fibo"]


def training_version(spec: Spec) -> str:
    """Row 24: ``training_version`` on create-model, ``training_version``/``generation_prefix`` on models.

    Sources: docs.bria.ai ``tailored-generation/model/create-model`` (request enum light, max, bria-2.3,
    bria-3.2, fibo; the 201 carries both fields, ``generation_prefix`` null for fibo models), and Bria's
    cookbook ``fine_tune_api.ipynb``, which sends ``"training_version": "max"``. Row 7 makes the enum a
    component (strict in the request, lenient in the response).
    """
    schemas = spec.get("components", {}).get("schemas", {})
    create, model = schemas.get("ModelCreate"), schemas.get("Model")
    if create is None or model is None:
        missing = [n for n, s in (("ModelCreate", create), ("Model", model)) if s is None]
        return "not needed: no model schemas" + stale_note("training_version", missing)
    added = []
    wanted = {
        ("ModelCreate", "training_version"): {
            "type": "string",
            "enum": list(TRAINING_VERSIONS),
            "description": (
                "The base model to fine-tune. It must suit the dataset's training version: fibo datasets "
                "train fibo models only; the legacy versions (light, max, bria-2.3, bria-3.2) can use each "
                "other's datasets."
            ),
        },
        ("Model", "training_version"): {
            "type": "string",
            "enum": list(TRAINING_VERSIONS),
            "description": "The base model this model is fine-tuned from.",
        },
        ("Model", "generation_prefix"): {
            "type": "string",
            "nullable": True,
            "description": (
                "Text prepended to generation prompts: the dataset's caption prefix for legacy models, "
                "null for fibo models."
            ),
        },
    }
    for (name, field), prop in wanted.items():
        props = schemas[name].setdefault("properties", {})
        if field not in props:
            props[field] = prop
            added.append(f"{name}.{field}")
    if not added:
        return "not needed: training_version and generation_prefix are documented"
    return f"added {', '.join(added)} (docs.bria.ai create-model)"


WEBHOOK_URL: Schema = {
    "type": "string",
    "format": "uri",
    "description": (
        "Where Bria POSTs the job's result when it ends, signed with the `Bria-Webhook-Id`, "
        "`Bria-Webhook-Timestamp` and `Bria-Webhook-Signature` headers (instead of polling the Status "
        "Service)."
    ),
}


def webhook_url(spec: Spec) -> str:
    """Row 25: ``webhook_url`` in the body of every asynchronous v2 request (a ``/v2/`` operation that
    answers 202). Source: docs.bria.ai ``webhooks`` ("Pass webhook_url in the request body of any async
    endpoint"); FIELD_NOTES has the signature scheme of bria-client 0.3.1."""
    schemas = spec.get("components", {}).get("schemas", {})
    added = []
    for path, _, op in operations(spec):
        if not path.startswith("/v2/") or "202" not in (op.get("responses") or {}):
            continue
        body = json_body_schema(op)
        if body is None:
            continue
        target = schemas.get(ref_name(body) or "", body) if ref_name(body) else body
        props = target.setdefault("properties", {})
        if "webhook_url" not in props:
            props["webhook_url"] = copy.deepcopy(WEBHOOK_URL)
            added.append(ref_name(body) or op.get("operationId", path))
    if not added:
        return "not needed: every async v2 request takes webhook_url"
    return f"added webhook_url to {len(added)} async v2 requests ({', '.join(added)})"


# Row 26: request fields required by evidence other than a "(required)" in prose (row 10 reads those).
REQUIRED_BY_EVIDENCE: dict[str, dict[str, str]] = {
    "BulkUploadRequest": {
        "zip_url": "upstream: the operation uploads images 'from a ZIP file' and zip_url is the body's only "
        "field naming one (the other, content_moderation, has a default); the body itself is required",
    },
}


def required_request_fields(spec: Spec) -> str:
    """Row 26: request fields the evidence requires (see :data:`REQUIRED_BY_EVIDENCE`)."""
    schemas = spec.get("components", {}).get("schemas", {})
    added: list[str] = []
    absent: list[str] = []
    for name, fields in REQUIRED_BY_EVIDENCE.items():
        schema = schemas.get(name)
        for field in fields:
            if schema is None or field not in (schema.get("properties") or {}):
                absent.append(f"{name}.{field}")
                continue
            required = schema.setdefault("required", [])
            if field not in required:
                required.append(field)
                added.append(f"{name}.{field}")
    note = stale_note("REQUIRED_BY_EVIDENCE", absent)
    if not added:
        return "not needed: request fields required by evidence are required" + note
    return f"made {', '.join(added)} required" + note


def tidy_info(spec: Spec) -> str:
    """Extra: upstream's ``info.version`` is empty; name what this document is derived from."""
    info = spec.setdefault("info", {})
    if info.get("version"):
        return "not needed: info.version is set"
    info["version"] = "upstream-unversioned"
    return "set empty info.version to 'upstream-unversioned'"


STEPS: list[Step] = [
    Step(19, "keep_upstream_examples", keep_upstream_examples),
    Step(1, "merge_root_path_items", merge_root_path_items),
    Step(3, "prefix_paths_with_versions", prefix_paths_with_versions),
    Step(2, "fix_bulk_upload_prose", fix_bulk_upload_prose),
    Step(4, "add_security_scheme", add_security_scheme),
    Step(5, "image_upload_base64", image_upload_base64),
    Step(9, "integer_ids", integer_ids),
    Step(10, "required_from_prose", required_from_prose),
    Step(14, "rename_operation_ids", rename_operation_ids),
    Step(20, "optional_training_body", optional_training_body),
    Step(12, "add_status_service", add_status_service),
    Step(23, "status_service_errors", status_service_errors),
    Step(21, "document_unauthorized", document_unauthorized),
    Step(22, "document_parameter_errors", document_parameter_errors),
    Step(13, "dataset_download_path", dataset_download_path),
    Step(6, "hoist_schemas", hoist_schemas),
    Step(17, "name_inline_responses", name_inline_responses),
    Step(24, "training_version", training_version),
    Step(25, "webhook_url", webhook_url),
    Step(26, "required_request_fields", required_request_fields),
    Step(7, "enum_components", enum_components),
    Step(11, "error_model", error_model),
    Step(16, "required_response_fields", required_response_fields),
    Step(18, "flag_prose_paths", flag_prose_paths),
    Step(15, "tidy_info", tidy_info),
]


# ------------------------------------------------------------------------------------------------ main
def normalize(spec: Spec, *, skip: set[str] | frozenset[str] = frozenset()) -> tuple[Spec, list[str]]:
    """Apply every step (except those named in ``skip``) to a copy of ``spec``; return it and the report."""
    spec = copy.deepcopy(spec)
    report = []
    for step in STEPS:
        if step.name in skip:
            report.append(f"[{step.row:>2}] {step.name}: skipped")
            continue
        report.append(f"[{step.row:>2}] {step.name}: {step.run(spec)}")
    canonicalize(spec)
    return spec, report


#: Report words that call for a maintainer's attention (see :func:`attention`).
LOUD = ("WARNING", "STALE", "FLAG")


def attention(report: list[str]) -> list[str]:
    """The report lines that need a maintainer: disagreements, stale table entries, flags."""
    return [line for line in report if any(f"{word}:" in line for word in LOUD)]


def canonicalize(spec: Spec) -> Spec:
    """Sort what carries no order (``required`` lists), so a reordered upstream gives the same bytes.

    Keys are sorted by :func:`dumps`; lists whose order means something (enums, parameters, tags) are kept.
    Examples are data and are left alone.
    """

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            required = node.get("required")
            if isinstance(required, list) and all(isinstance(v, str) for v in required):
                node["required"] = sorted(set(required))
            for key, value in node.items():
                if key not in ("example", "examples"):
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(spec)
    return spec


def dumps(spec: Spec) -> str:
    """The canonical text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _yaml_loader() -> Any:
    """A safe YAML loader with YAML 1.2's core scalars: ``16:9`` stays a string (YAML 1.1 reads 969),
    ``yes``/``no``/``on``/``off`` stay strings, and timestamps stay text (JSON has no dates)."""
    import yaml

    class CoreLoader(yaml.SafeLoader):
        pass

    resolvers = {
        first: [
            (tag, rx)
            for tag, rx in entries
            if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "timestamp")
        ]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    CoreLoader.yaml_implicit_resolvers = resolvers
    CoreLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    CoreLoader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    )
    CoreLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )
    return CoreLoader


def _string_keys(node: Any) -> Any:
    """JSON object keys are strings: YAML's ``200:`` (an int key) becomes ``"200"``."""
    if isinstance(node, dict):
        return {str(k).lower() if isinstance(k, bool) else str(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(v) for v in node]
    return node


def load_spec(path: str | Path) -> Spec:
    """Read an OpenAPI document, JSON or YAML (by extension; else JSON first, then YAML)."""
    text = Path(path).read_text(encoding="utf-8")
    is_yaml = str(path).lower().endswith((".yaml", ".yml"))
    if not is_yaml:
        try:
            data = json.loads(text)
        except ValueError as json_error:
            if text.lstrip().startswith(("{", "[")):
                raise ValueError(f"not valid JSON: {json_error}") from None
            is_yaml = True
    if is_yaml:
        import yaml

        try:
            data = _string_keys(yaml.load(text, Loader=_yaml_loader()))  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as yaml_error:
            raise ValueError(f"neither JSON nor valid YAML: {yaml_error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"an OpenAPI document is an object, not {type(data).__name__}")
    return data


def validate(spec: Spec) -> None:
    from openapi_spec_validator import validate as validate_spec

    validate_spec(spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", nargs="?", default=str(ROOT / "openapi.json"), help="upstream spec")
    parser.add_argument("-o", "--output", default=str(ROOT / "generated" / "openapi.json"))
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    try:
        upstream = load_spec(args.input)
    except (OSError, ValueError) as exc:
        print(f"normalize: cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    spec, report = normalize(upstream)
    try:
        validate(spec)
    except Exception as exc:  # openapi-spec-validator raises several types
        print(f"normalize: the repaired spec is still invalid, nothing written:\n{exc}", file=sys.stderr)
        return 1
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(spec), encoding="utf-8")
    if not args.quiet:
        for line in report:
            print(line)
        n_ops = sum(1 for _ in operations(spec))
        print(f"wrote {out} ({n_ops} operations, {len(spec['components']['schemas'])} schemas)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
