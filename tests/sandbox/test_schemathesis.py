"""A third-party conformance run: schemathesis against a running sandbox (issue 16, item 4).

Schemathesis (not this project's code) generates requests from ``generated/openapi.json`` for every
operation and checks each answer:

- ``not_a_server_error``: no 5xx (the sandbox injects no faults here);
- ``status_code_conformance``: the status is one the operation documents;
- ``content_type_conformance`` and ``response_headers_conformance``;
- ``response_schema_conformance`` against the spec with ``additionalProperties: false`` added to every
  object schema that lists its ``properties`` (the documented objects): an undocumented field fails.

Generation is *positive* (valid requests only): an invalid body answered 400 by an operation whose spec
lists no 400 would be the spec's gap, not the sandbox's (see the report of issue 16). Path ids, body ids and
fetched URLs are drawn half the time from a seeded state, so requests reach success paths too. The run is
bounded by ``EXAMPLES`` per operation (about 45 s on 2 cores); ``SHOW_STATS=1 pytest -s`` prints the statuses
each operation answered.
"""

from __future__ import annotations

import copy
import io
import json
import os
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bria_tailored.sandbox import create_app, run_sandbox
from bria_tailored.sandbox.media import generate_safetensors
from bria_tailored.sandbox.spec import find_spec_path

EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def closed(schema: Any) -> Any:
    """The document with ``additionalProperties: false`` on every object schema that lists properties."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


RAW: dict[str, Any] = json.loads(Path(find_spec_path()).read_text(encoding="utf-8"))
SCHEMA = schemathesis.openapi.from_dict(closed(copy.deepcopy(RAW)))
SCHEMA.config.update(headers={"api_token": TOKEN})
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=EXAMPLES, deterministic=True)


class World:
    """Ids and URLs that exist in the seeded sandbox; ``disposable`` ones are for the DELETE operations."""

    ids: dict[str, list[Any]] = {}
    disposable: dict[str, list[Any]] = {}
    urls: list[str] = []


def _seed(client: httpx.Client, clock: FakeClock, files: FileServer) -> None:
    dataset = completed_dataset(client)
    advanced = create_dataset(client, dataset["project_id"], upload_type="advanced")
    bulk = create_dataset(client, dataset["project_id"], upload_type="advanced")
    draft = create_dataset(client, dataset["project_id"])
    client.put(f"/v1/tailored-gen/datasets/{draft['id']}", json={"visual_schema": dataset["visual_schema"]})
    draft_images = upload_images(client, draft["id"], 2)
    expert = create_model(client, dataset["id"], training_mode="expert")
    client.post(
        f"/v1/tailored-gen/models/{expert['id']}/start_training",
        json={"total_training_steps": 300, "checkpoint_interval": 100},
    )
    clock.advance(60)
    fresh = create_model(client, dataset["id"])
    job = client.post(
        "/v2/image/generate/tailored", json={"tailored_model_id": str(expert["id"]), "prompt": "seed"}
    ).json()
    clock.advance(5)
    images = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.png", png_bytes(1024))
    zip_url = files.add("/b/a.zip", archive.getvalue())
    World.ids = {
        "project_id": [dataset["project_id"]],
        "dataset_id": [dataset["id"], advanced["id"], bulk["id"], draft["id"]],
        "image_id": [image["id"] for image in images + draft_images],
        "model_id": [expert["id"], fresh["id"]],
        "checkpoint_step": [100, 200, 300],
        "request_id": [job["request_id"]],
        "tailored_model_id": [str(expert["id"])],
    }
    doomed = completed_dataset(client)
    doomed_draft = create_dataset(client, doomed["project_id"])
    doomed_images = upload_images(client, doomed_draft["id"], 3)
    doomed_model = create_model(client, doomed["id"], training_mode="expert")
    client.post(
        f"/v1/tailored-gen/models/{doomed_model['id']}/start_training",
        json={"total_training_steps": 300, "checkpoint_interval": 100},
    )
    clock.advance(60)
    World.disposable = {
        "project_id": [doomed["project_id"]],
        "dataset_id": [doomed_draft["id"], doomed["id"]],
        "image_id": [image["id"] for image in doomed_images],
        "model_id": [doomed_model["id"]],
        "checkpoint_step": [100, 200],
    }
    World.urls = [
        zip_url,
        files.add("/b/a.png", png_bytes(300)),
        files.add("/b/m.safetensors", generate_safetensors("w")),
    ]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    clock = FakeClock()
    files = FileServer()
    app = create_app(
        clock=clock,
        training_seconds=10,
        job_seconds=1,
        caption_seconds=1,
        bulk_seconds=1,
        fetch_allow=("127.0.0.1",),
        image_scale=0.1,
    )
    with (
        run_sandbox(app=app) as base_url,
        httpx.Client(base_url=base_url, headers={"api_token": TOKEN}) as client,
    ):
        _seed(client, clock, files)
        yield base_url
    files.close()
    if os.environ.get("SHOW_STATS"):
        for label, counts in sorted(STATS.items()):
            print(label, dict(counts))


def _known(name: str, value: Any, pool: dict[str, list[Any]] | None = None) -> st.SearchStrategy[Any]:
    known = (World.ids if pool is None else pool).get(name, [])
    return st.sampled_from([value, *known]) if known else st.just(value)


@SCHEMA.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    if not path_parameters:
        return st.just(path_parameters)
    deleting = context.operation is not None and context.operation.method.upper() == "DELETE"
    pool = World.disposable if deleting else None  # DELETEs spare the state the other operations use
    return st.fixed_dictionaries({name: _known(name, value, pool) for name, value in path_parameters.items()})


@SCHEMA.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in body.items():
        if name in ("image", "image_url", "model_url", "zip_url") and isinstance(value, str):
            fields[name] = st.sampled_from([value, *World.urls])
        elif name == "images" and isinstance(value, list) and value:
            fields[name] = st.sampled_from(
                [value, [World.urls[1]] * len(value), [b64(png_bytes(64))] * len(value)]
            )
        else:
            fields[name] = _known(name, value)
    strategy = st.fixed_dictionaries(fields)
    if "tailored_model_id" in body and "structured_prompt" in body:
        # prompt-only generation is the common success path: offer it as often as the generated mix
        strategy = st.one_of(
            strategy, strategy.map(lambda b: {k: v for k, v in b.items() if k != "structured_prompt"})
        )
    return strategy


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_sandbox_conforms_to_its_spec(case: Any, sandbox_url: str) -> None:
    response = case.call_and_validate(base_url=sandbox_url, headers={"api_token": TOKEN}, checks=CHECKS)
    STATS.setdefault(case.operation.label, Counter())[response.status_code] += 1


STATS: dict[str, Counter[int]] = {}  # statuses seen per operation (SHOW_STATS=1 prints them)
