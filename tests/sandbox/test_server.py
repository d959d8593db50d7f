"""Running the sandbox: sync and async ``run_sandbox``, loopback only, SQLite persistence across
restarts, options checking and spec discovery."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import TOKEN, FakeClock, completed_dataset, create_model

from bria_tailored.sandbox import SandboxOptions, create_app, run_sandbox, serve_forever
from bria_tailored.sandbox.spec import find_spec_path, load_spec


def test_run_sandbox_sync() -> None:
    with run_sandbox() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx.get(base_url + "/_sandbox/health").json()["operations"] == 40
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/_sandbox/health")


async def test_run_sandbox_async() -> None:
    async with run_sandbox(token=TOKEN) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        assert (
            await client.get("/v1/tailored-gen/projects", headers={"api_token": TOKEN})
        ).status_code == 200
        assert (await client.get("/v1/tailored-gen/projects")).status_code == 401


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_sandbox(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback"):
        serve_forever(port=0, host="192.168.1.10")


def test_options_are_checked() -> None:
    with pytest.raises(TypeError, match="unknown sandbox option"):
        create_app(trainig_seconds=1)
    with pytest.raises(ValueError):
        SandboxOptions(fail_rate=2)
    with pytest.raises(ValueError):
        SandboxOptions(fail_kinds=("418",))
    assert SandboxOptions(time_scale=0.5, training_seconds=4).duration("training") == 2


def test_state_persists_across_restarts(tmp_path) -> None:
    db = tmp_path / "sandbox.db"
    clock = FakeClock()
    with run_sandbox(db_path=db, clock=clock, training_seconds=10) as base_url:
        client = httpx.Client(base_url=base_url, headers={"api_token": TOKEN})
        dataset = completed_dataset(client)
        model = create_model(client, dataset["id"])
        client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={})
        client.close()
    clock.advance(30)  # training finishes while the sandbox is down
    with run_sandbox(db_path=db, clock=clock, training_seconds=10) as base_url:
        client = httpx.Client(base_url=base_url, headers={"api_token": TOKEN})
        assert client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "Completed"
        restored = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}").json()
        assert restored["images_count"] == 5 and restored["status"] == "completed"
        image = client.get(restored["images"][0]["image_url"])
        assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
        fresh = client.post(
            "/v1/tailored-gen/projects",
            json={"project_name": "n", "ip_medium": "illustration", "ip_type": "other"},
        ).json()
        assert fresh["id"] > dataset["project_id"]  # ids are never reused
        client.close()


def test_public_base_url_prefixes_handed_out_urls(make_sandbox) -> None:
    sb = make_sandbox(public_base_url="https://sandbox.example.test/")
    dataset = completed_dataset(sb.client)
    image = sb.client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()[0]
    assert image["image_url"].startswith("https://sandbox.example.test/_sandbox/files/")


def test_spec_is_found_and_complete() -> None:
    path = find_spec_path()
    assert path.name == "openapi.json"
    spec = load_spec()
    assert len(spec.operations) == 40
    assert spec.match("POST", "/v1/tailored-gen/models/upload_model").operation_id == "upload-model"
    assert spec.match("GET", "/v1/tailored-gen/models/12").operation_id == "get-model"
