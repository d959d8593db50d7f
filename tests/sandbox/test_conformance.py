"""Property-based conformance against the running sandbox, driven by generated/openapi.json.

For every operation, hypothesis generates valid requests (from the converted request schemas, with ids
that exist in a seeded state mixed in) and invalid ones (a required field dropped, a wrong type, a
non-JSON body, a non-integer path id). Every answer must be below 500 and validate against the schema
the spec documents for its status code. A status the operation does not document is only accepted for
the cross-cutting errors (400 validation, 401, 404, 409) and must then carry Bria's ``Error`` shape.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_support import (
    TOKEN,
    FakeClock,
    FileServer,
    b64,
    completed_dataset,
    create_dataset,
    create_model,
    png_bytes,
    upload_images,
)

from bria_tailored.sandbox import create_app, run_sandbox
from bria_tailored.sandbox.media import generate_safetensors
from bria_tailored.sandbox.spec import Operation, load_spec, validator

SPEC = load_spec()
DESTRUCTIVE = ["delete-image", "delete-checkpoint", "delete-dataset", "delete-model", "delete-project"]
# Destructive operations run last, so the seeded state serves every other operation first.
OPERATIONS = sorted(
    SPEC.operations.values(),
    key=lambda op: (
        DESTRUCTIVE.index(op.operation_id) if op.operation_id in DESTRUCTIVE else -1,
        op.operation_id,
    ),
)
CROSS_CUTTING = {400, 401, 404, 409}
EXAMPLES = 50


class World:
    """Ids and URLs that exist in the seeded sandbox, so generated requests reach the success paths."""

    def __init__(self, client: httpx.Client, clock: FakeClock, files: FileServer) -> None:
        dataset = completed_dataset(client)
        advanced = create_dataset(client, dataset["project_id"], upload_type="advanced")
        bulk = create_dataset(client, dataset["project_id"], upload_type="advanced")
        draft = create_dataset(client, dataset["project_id"])
        client.put(
            f"/v1/tailored-gen/datasets/{draft['id']}", json={"visual_schema": dataset["visual_schema"]}
        )
        draft_images = upload_images(client, draft["id"], 2)
        created = [
            create_model(client, dataset["id"], training_mode=mode)["id"]
            for mode in ("expert", "fully_automated", "expert")
        ]
        expert = create_model(client, dataset["id"], training_mode="expert")
        client.post(
            f"/v1/tailored-gen/models/{expert['id']}/start_training",
            json={"total_training_steps": 300, "checkpoint_interval": 100},
        )
        clock.advance(60)
        training = create_model(client, dataset["id"])
        client.post(f"/v1/tailored-gen/models/{training['id']}/start_training", json={})
        job = client.post(
            "/v2/image/generate/tailored", json={"tailored_model_id": str(expert["id"]), "prompt": "seed"}
        ).json()
        images = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("a.png", png_bytes(1024))
        zip_url = files.add("/b/a.zip", archive.getvalue())
        client.post(f"/v1/tailored-gen/datasets/{bulk['id']}/images/bulk-upload", json={"zip_url": zip_url})
        self.ids: dict[str, list[Any]] = {
            "project_id": [dataset["project_id"]],
            "dataset_id": [dataset["id"], advanced["id"], bulk["id"], draft["id"]],
            "image_id": [image["id"] for image in images + draft_images],
            "model_id": [expert["id"], training["id"], *created],
            "checkpoint_step": [100, 200, 300],
            "request_id": [job["request_id"]],
            "tailored_model_id": [str(expert["id"]), str(training["id"])],
        }
        self.urls = [
            zip_url,
            files.add("/b/a.png", png_bytes(300)),
            files.add("/b/m.safetensors", generate_safetensors("w")),
            "http://127.0.0.1:9/closed.zip",
        ]
        self.images = [b64(png_bytes(300)), *self.urls[1:2]]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[httpx.Client, World]]:
    clock = FakeClock()
    files = FileServer()
    app = create_app(
        clock=clock,
        training_seconds=10,
        job_seconds=1,
        caption_seconds=1,
        bulk_seconds=1,
        fetch_allow=("127.0.0.1",),
        fail_rate=0.0,
        image_scale=0.25,
    )
    with (
        run_sandbox(app=app) as base_url,
        httpx.Client(base_url=base_url, headers={"api_token": TOKEN}, timeout=20) as client,
    ):
        yield client, World(client, clock, files)
    files.close()


# --- strategies from JSON Schema -----------------------------------------------------------------


def values(schema: dict[str, Any], world: World, name: str = "") -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` (a converted, ref-free JSON Schema)."""
    if name in world.ids and schema.get("type") in ("integer", "string", None):
        return st.one_of(st.sampled_from(world.ids[name]), _plain(schema, world, name))
    if name in ("images", "context_images") and schema.get("type") == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", 10)
        return st.lists(st.sampled_from(world.images), min_size=low, max_size=min(high, low + 3))
    if name in ("image", "image_url", "model_url", "zip_url"):
        return st.one_of(st.sampled_from(world.urls + world.images), _plain(schema, world, name))
    return _plain(schema, world, name)


def _plain(schema: dict[str, Any], world: World, name: str) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([values(sub, world, name) for sub in schema[key]])
    if "allOf" in schema:
        return values(schema["allOf"][0], world, name)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_plain({**schema, "type": k}, world, name) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -10), schema.get("maximum", 10**6))
    if kind == "number":
        return st.floats(schema.get("minimum", -1e3), schema.get("maximum", 1e3), allow_nan=False)
    if kind == "string":
        if schema.get("format") == "byte":
            return st.binary(max_size=16).map(lambda b: base64.b64encode(b).decode())
        if schema.get("format") == "uri":
            return st.sampled_from(world.urls)
        return st.one_of(st.text(max_size=12), st.sampled_from(['{"style": "x"}', "{}", "[sandbox:none]"]))
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(
            values(schema.get("items", {}), world),
            min_size=low,
            max_size=min(schema.get("maxItems", low + 3), low + 3),
        )
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: values(v, world, k) for k, v in props.items() if k in required},
            optional={k: values(v, world, k) for k, v in props.items() if k not in required},
        )
    return st.just({})


WRONG = {
    "string": 12345,
    "integer": "not-a-number",
    "number": "NaN-ish",
    "boolean": "maybe",
    "array": "x",
    "object": ["x"],
}


def invalid_body(op: Operation, world: World) -> st.SearchStrategy[Any]:
    schema = op.body_schema or {}
    props = schema.get("properties", {})
    options: list[st.SearchStrategy[Any]] = [st.just(b"{not json"), st.just(["a", "list"])]
    valid = values(schema, world)
    for prop in schema.get("required", []):
        options.append(valid.map(lambda body, p=prop: {k: v for k, v in body.items() if k != p}))
    for prop, sub in props.items():
        kind = sub.get("type") if isinstance(sub.get("type"), str) else None
        if kind in WRONG:
            options.append(valid.map(lambda body, p=prop, w=WRONG[kind]: {**body, p: w}))
    return st.one_of(options)


def _routable(value: Any) -> bool:
    """Whether a value, as one path segment, still reaches the operation's route."""
    text = str(value)
    return text not in ("", ".", "..") and "/" not in text


def request_for(op: Operation, world: World, valid: bool) -> st.SearchStrategy[dict[str, Any]]:
    path_params = {
        p.name: values(p.schema, world, p.name).filter(_routable)
        for p in op.parameters
        if p.location == "path"
    }
    if not valid and path_params and any(p.schema.get("type") == "integer" for p in op.parameters):
        path_params = {name: st.one_of(s, st.just("abc")) for name, s in path_params.items()}
    query = {
        p.name: values(p.schema, world, p.name).map(_query_text)
        for p in op.parameters
        if p.location == "query"
    }
    if not valid:
        query = {name: st.one_of(s, st.just("not-valid")) for name, s in query.items()}
    body: st.SearchStrategy[Any] = st.none()
    if op.body_schema is not None:
        body = values(op.body_schema, world) if valid else invalid_body(op, world)
    return st.fixed_dictionaries(
        {
            "path": st.fixed_dictionaries(path_params),
            "query": st.fixed_dictionaries({}, optional=query),
            "body": body,
        }
    )


def _query_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


# --- the run -------------------------------------------------------------------------------------

ERROR_SCHEMA = validator(SPEC.schema("Error"))


def send(client: httpx.Client, op: Operation, request: dict[str, Any]) -> httpx.Response:
    path = op.path
    for name, value in request["path"].items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    body = request["body"]
    content = body if isinstance(body, bytes) else (None if body is None else json.dumps(body).encode())
    headers = {"content-type": "application/json"} if content is not None else {}
    return client.request(op.method, path, params=request["query"], content=content, headers=headers)


def check(op: Operation, response: httpx.Response, seen: dict[str, set[int]]) -> None:
    status = response.status_code
    seen.setdefault(op.operation_id, set()).add(status)
    assert status < 500, f"{op.operation_id}: {status} {response.text[:300]}"
    if op.documents(status):
        schema = op.response_schema(status)
        if schema is not None:
            validator(schema).validate(response.json())
        return
    assert status in CROSS_CUTTING, f"{op.operation_id}: undocumented status {status}: {response.text[:300]}"
    try:
        ERROR_SCHEMA.validate(response.json())
    except jsonschema.ValidationError as exc:  # pragma: no cover - message for the failure
        raise AssertionError(
            f"{op.operation_id}: {status} body is not an Error: {response.text[:300]}"
        ) from exc


def conform(client: httpx.Client, state: World, op: Operation, seen: dict[str, set[int]]) -> None:
    """Send hypothesis-generated requests (valid and invalid) for ``op``; every answer must conform."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(valid=st.booleans(), data=st.data())
    def run(valid: bool, data: st.DataObject) -> None:
        request = data.draw(request_for(op, state, valid))
        check(op, send(client, op, request), seen)

    try:
        run()
    except Exception as exc:
        exc.add_note(f"operation: {op.operation_id}")
        raise
    assert seen.get(op.operation_id), op.operation_id


def test_every_operation_conforms_and_most_reach_a_success(world: tuple[httpx.Client, World]) -> None:
    """All 40 operations in one test, in order, on one shared world: the later operations act on what the
    earlier ones made, so the run must not be split across pytest-xdist workers."""
    client, state = world
    seen: dict[str, set[int]] = {}
    for op in OPERATIONS:
        conform(client, state, op, seen)
    succeeded = {op for op, statuses in seen.items() if any(200 <= s < 300 for s in statuses)}
    missing = sorted(set(seen) - succeeded)
    undocumented = {
        op: sorted(s for s in statuses if not SPEC.operations[op].documents(s))
        for op, statuses in seen.items()
    }
    print("\nstatuses seen:", {op: sorted(statuses) for op, statuses in sorted(seen.items())})
    print("undocumented (cross-cutting) statuses:", {k: v for k, v in undocumented.items() if v})
    print("no 2xx reached:", missing)
    assert len(missing) <= 6, f"no 2xx reached for: {missing}"
