"""The documented lifecycle end to end over plain httpx: project → dataset → schema → images →
captions → complete → model → training → Completed → generate → downloads; plus bulk upload,
caption regeneration, stopping, model upload and the failure markers."""

from __future__ import annotations

import io
import json
import time
import zipfile

from PIL import Image
from sandbox_support import (
    Running,
    b64,
    completed_dataset,
    create_dataset,
    create_model,
    create_project,
    png_bytes,
    trained_model,
    upload_images,
    visual_schema,
)

from bria_tailored.sandbox.media import generate_safetensors


def wait_status(sb: Running, status_url: str) -> dict:
    sb.clock.advance(5)
    response = sb.client.get(status_url)
    assert response.status_code == 200, response.text
    return response.json()


def test_full_lifecycle(sb: Running) -> None:
    client = sb.client
    project = create_project(
        client, ip_type="defined_character", ip_name="Lora", ip_description="a girl with purple hair"
    )
    dataset = create_dataset(client, project["id"])
    assert dataset["status"] == "draft" and dataset["captions_update_status"] == "empty"
    schema = visual_schema(client)
    assert isinstance(json.loads(schema), dict)
    assert (
        client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"visual_schema": schema}).status_code
        == 200
    )
    images = upload_images(client, dataset["id"], 6)
    for image in images:
        assert image["caption_source"] == "automatic"
        assert set(json.loads(image["caption"])) >= set(json.loads(schema))
    # captions are deterministic: regenerating gives the same text
    again = client.put(
        f"/v1/tailored-gen/datasets/{dataset['id']}/images/{images[0]['id']}",
        json={"regenerate_caption": True},
    )
    assert again.json()["caption"] == images[0]["caption"]
    # regenerate-all runs asynchronously
    started = client.put(f"/v1/tailored-gen/datasets/{dataset['id']}/images")
    assert started.status_code == 202 and started.json()["captions_update_status"] == "in_progress"
    assert (
        client.get(f"/v1/tailored-gen/datasets/{dataset['id']}").json()["images"][0]["caption_source"]
        == "pending"
    )
    sb.clock.advance(2)
    fetched = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}", params={"max_images": 3}).json()
    assert fetched["captions_update_status"] == "completed"
    assert fetched["images_count"] == 6 and len(fetched["images"]) == 3
    assert all(image["caption_source"] == "automatic" for image in fetched["images"])

    completed = client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"status": "completed"})
    assert completed.json()["status"] == "completed"

    model = create_model(client, dataset["id"], training_mode="expert")
    assert model["status"] == "Created" and model["project_id"] == project["id"]
    started = client.post(
        f"/v1/tailored-gen/models/{model['id']}/start_training",
        json={"total_training_steps": 1000, "checkpoint_interval": 250, "rank": 16},
    )
    assert started.status_code == 200 and started.json()["status"] == "InProgress"
    assert started.json()["training_parameters"]["rank"] == 16
    sb.clock.advance(5)
    halfway = client.get(f"/v1/tailored-gen/models/{model['id']}").json()
    assert halfway["status"] == "InProgress" and halfway["checkpoint_steps"] == ["500", "250"]
    sb.clock.advance(6)
    done = client.get(f"/v1/tailored-gen/models/{model['id']}").json()
    assert done["status"] == "Completed"
    assert (
        done["checkpoint_steps"] == ["1000", "750", "500", "250"] and done["active_model_version"] == "1000"
    )
    checkpoints = client.get(f"/v1/tailored-gen/models/{model['id']}/checkpoints").json()
    assert [c["checkpoint_step"] for c in checkpoints["checkpoints"]] == [1000, 750, 500, 250]
    assert (
        client.get(f"/v1/tailored-gen/models/{model['id']}/checkpoints/500").json()["checkpoint_step"] == 500
    )
    assert client.delete(f"/v1/tailored-gen/models/{model['id']}/checkpoints/250").status_code == 204
    assert client.get(f"/v1/tailored-gen/models/{model['id']}/checkpoints/250").status_code == 404
    assert client.delete(f"/v1/tailored-gen/models/{model['id']}/checkpoints/1000").status_code == 400
    listed = client.get("/v1/tailored-gen/models").json()
    assert "training_parameters" not in listed[0]
    assert (
        "training_parameters"
        in client.get("/v1/tailored-gen/models", params={"include_training_parameters": "true"}).json()[0]
    )
    by_project = client.get(
        f"/v1/tailored-gen/projects/{project['id']}/datasets", params={"include_models_ids": "true"}
    ).json()
    assert by_project[0]["model_ids"] == [str(model["id"])]

    # generation: image, structured prompt, video
    accepted = client.post(
        "/v2/image/generate/tailored",
        json={"tailored_model_id": str(model["id"]), "prompt": "a fox", "seed": 7},
    )
    assert accepted.status_code == 202
    assert accepted.json()["status_url"] == f"{sb.base_url}/v2/status/{accepted.json()['request_id']}"
    assert client.get(accepted.json()["status_url"]).json()["status"] == "IN_PROGRESS"
    result = wait_status(sb, accepted.json()["status_url"])
    assert result["status"] == "COMPLETED" and result["result"]["seed"] == 7
    image = Image.open(io.BytesIO(client.get(result["result"]["image_url"]).content))
    assert image.format == "PNG" and image.size[0] == image.size[1]
    assert isinstance(json.loads(result["result"]["structured_prompt"]), dict)

    sp = client.post(
        "/v2/structured_prompt/generate/tailored",
        json={"tailored_model_id": str(model["id"]), "prompt": "a fox", "sync": True},
    )
    assert (
        sp.status_code == 200 and json.loads(sp.json()["structured_prompt"])["short_description"] == "a fox"
    )

    video = client.post(
        "/v2/video/generate/tailored/image-to-video",
        json={"tailored_model_id": str(model["id"]), "image": result["result"]["image_url"]},
    )
    assert video.status_code == 202, video.text
    video_result = wait_status(sb, video.json()["status_url"])
    mp4 = client.get(video_result["result"]["video_url"]).content
    assert mp4[4:8] == b"ftyp"

    # downloads
    links = client.get(f"/v1/tailored-gen/models/{model['id']}/download").json()
    assert links["base_model_name"] and client.get(links["download_url"]).content[8:9] == b"{"


def test_sync_generation_is_deterministic_for_a_seed(sb: Running) -> None:
    model = trained_model(sb)
    body = {
        "tailored_model_id": str(model["id"]),
        "prompt": "a red bicycle",
        "seed": 42,
        "sync": True,
        "aspect_ratio": "3:4",
    }
    first = sb.client.post("/v2/image/generate/tailored", json=body).json()
    second = sb.client.post("/v2/image/generate/tailored", json=body).json()
    other = sb.client.post("/v2/image/generate/tailored", json={**body, "seed": 43}).json()
    data = [sb.client.get(r["image_url"]).content for r in (first, second, other)]
    assert data[0] == data[1] and data[0] != data[2]
    assert first["structured_prompt"] == second["structured_prompt"]


def test_error_marker_ends_job_in_error(sb: Running) -> None:
    model = trained_model(sb)
    accepted = sb.client.post(
        "/v2/image/generate/tailored",
        json={"tailored_model_id": str(model["id"]), "prompt": "boom [sandbox:error]"},
    )
    status = wait_status(sb, accepted.json()["status_url"])
    assert status["status"] == "ERROR"
    assert status["error"]["message"] and status["error"]["code"] and "result" not in status


def test_fail_marker_fails_training(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"], name="bad [sandbox:fail]")
    sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={})
    sb.clock.advance(4)
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "InProgress"
    sb.clock.advance(2)
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "Failed"


def test_stop_training(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"])
    sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={})
    stopped = sb.client.post(f"/v1/tailored-gen/models/{model['id']}/stop_training")
    assert stopped.status_code == 200 and stopped.json()["status"] == "Stopping"
    sb.clock.advance(1.5)
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "Stopped"
    sb.clock.advance(30)
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "Stopped"


def test_bulk_upload_from_presigned_url(sb: Running, file_server) -> None:
    client = sb.client
    project = create_project(client)
    dataset = create_dataset(client, project["id"], upload_type="advanced")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for index in range(6):
            zf.writestr(f"set/img{index}.png", png_bytes(1024, (index * 30, 0, 0)))
        zf.writestr("set/", b"")
        zf.writestr("set/readme.txt", b"not an image")
        zf.writestr("small.png", png_bytes(300))
        zf.writestr("broken.jpg", b"\xff\xd8 nope")
        zf.writestr("../escape.png", png_bytes(1024))
        zf.writestr("__MACOSX/._img0.png", b"junk")
    url = file_server.add("/bucket/data.zip", archive.getvalue())
    started = client.post(
        f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload", json={"zip_url": url}
    )
    assert started.status_code == 202, started.text
    status = {}
    deadline = time.monotonic() + 10  # the zip is fetched in the background, then processed
    while time.monotonic() < deadline:
        status = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload/status").json()
        if status["status"] == "processing":
            break
    assert status["status"] == "processing" and status["progress_percentage"] < 100
    sb.clock.advance(0.5)
    partial = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload/status").json()
    assert 0 < partial["total_processed"] < 9
    sb.clock.advance(1)
    final = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload/status").json()
    assert final["status"] == "completed" and final["progress_percentage"] == 100
    assert final["done"] == 6 and final["failed"] == 3
    codes = {f["filename"]: f["error_code"] for f in final["failed_images"]}
    assert codes == {"small.png": 412, "broken.jpg": 415, "../escape.png": 400}
    images = client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()
    assert sorted(i["image_name"] for i in images) == [f"img{i}.png" for i in range(6)]
    assert all(i["caption"] is None for i in images)  # no visual schema yet: captions skipped
    again = client.post(
        f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload", json={"zip_url": url}
    )
    assert again.status_code == 400
    # dataset download: a real zip of the images (captions_url only when every caption is automatic)
    links = client.get(f"/v1/datasets/{dataset['id']}/download").json()
    assert "captions_url" not in links
    names = zipfile.ZipFile(io.BytesIO(client.get(links["download_url"]).content)).namelist()
    assert sorted(names) == [f"img{i}.png" for i in range(6)]
    client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"visual_schema": visual_schema(client)})
    client.put(f"/v1/tailored-gen/datasets/{dataset['id']}/images")
    sb.clock.advance(2)
    links = client.get(f"/v1/datasets/{dataset['id']}/download").json()
    captions = client.get(links["captions_url"]).json()
    assert sorted(captions) == [f"img{i}.png" for i in range(6)]


def test_bulk_upload_unreachable_or_bad_zip(sb: Running, file_server) -> None:
    project = create_project(sb.client)
    first = create_dataset(sb.client, project["id"], upload_type="advanced")
    missing = sb.client.post(
        f"/v1/tailored-gen/datasets/{first['id']}/images/bulk-upload",
        json={"zip_url": file_server.add("/b/x.zip", b"")[:-50].replace("x.zip", "y.zip")},
    )
    assert missing.status_code == 400
    second = create_dataset(sb.client, project["id"], upload_type="advanced")
    url = file_server.add("/b/not-a-zip.zip", b"plain text")
    assert (
        sb.client.post(
            f"/v1/tailored-gen/datasets/{second['id']}/images/bulk-upload", json={"zip_url": url}
        ).status_code
        == 202
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = sb.client.get(f"/v1/tailored-gen/datasets/{second['id']}/images/bulk-upload/status").json()
        if status["status"] == "failed":
            break
    assert status["status"] == "failed"


def test_bulk_upload_size_limit(make_sandbox, file_server) -> None:
    sb = make_sandbox(max_zip_bytes=100)
    project = create_project(sb.client)
    dataset = create_dataset(sb.client, project["id"], upload_type="advanced")
    url = file_server.add("/b/big.zip", b"x" * 1000)
    assert (
        sb.client.post(
            f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload", json={"zip_url": url}
        ).status_code
        == 413
    )


def test_image_upload_by_url_and_checks(sb: Running, file_server) -> None:
    project = create_project(sb.client)
    dataset = create_dataset(sb.client, project["id"])
    path = f"/v1/tailored-gen/datasets/{dataset['id']}/images"
    url = file_server.add("/b/cat.webp", png_bytes(400, fmt="WEBP"))
    uploaded = sb.client.post(path, json={"image_url": url})
    assert uploaded.status_code == 201 and uploaded.json()["image_name"] == "cat.webp"
    assert uploaded.json()["upload_source_url"] == url and uploaded.json()["caption"] is None
    thumb = Image.open(io.BytesIO(sb.client.get(uploaded.json()["thumbnail_url"]).content))
    assert max(thumb.size) <= 128
    assert sb.client.post(path, json={"file": b64(b"GIF89a not really")}).status_code == 415
    assert sb.client.post(path, json={"file": b64(png_bytes(200))}).status_code == 412
    assert (
        sb.client.post(path, json={"file": b64(png_bytes(512)), "increase_resolution": False}).status_code
        == 412
    )
    assert (
        sb.client.post(path, json={"file": b64(png_bytes(1024)), "increase_resolution": False}).status_code
        == 201
    )
    both = sb.client.post(path, json={"file": b64(png_bytes(300)), "image_url": url})
    assert both.status_code == 400 and both.json()["errors"][0]["msg"]
    assert sb.client.post(path, json={"file": "%%% not base64"}).status_code == 400
    assert sb.client.post(path, json={"image_url": url.replace("cat", "dog")}).status_code == 422


def test_upload_model_from_url(sb: Running, file_server) -> None:
    weights = generate_safetensors("mine")
    url = file_server.add("/b/my_lora.safetensors", weights)
    response = sb.client.post(
        "/v1/tailored-gen/models/upload_model",
        json={"model_url": url, "project_parameters": {"project_name": "up", "ip_medium": "photography"}},
    )
    assert response.status_code == 200, response.text
    model = response.json()
    assert model["name"] == "my_lora" and model["status"] == "syncing"
    sb.clock.advance(2)
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").json()["status"] == "Completed"
    links = sb.client.get(f"/v1/tailored-gen/models/{model['id']}/download").json()
    assert sb.client.get(links["download_url"]).content == weights
    bad = sb.client.post(
        "/v1/tailored-gen/models/upload_model",
        json={"model_url": file_server.add("/b/x.safetensors", b"not weights at all")},
    )
    assert bad.status_code == 415
    assert (
        sb.client.post(
            "/v1/tailored-gen/models/upload_model", json={"model_url": url, "project_id": 999999}
        ).status_code
        == 404
    )


def test_clone_and_refine(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    clone = sb.client.post(f"/v1/tailored-gen/datasets/{dataset['id']}/clone", json={})
    assert clone.status_code == 201
    body = clone.json()
    assert body["status"] == "draft" and body["visual_schema"] == dataset["visual_schema"]
    assert body["name"] == f"Copy of {dataset['name']}" and body["images_count"] == 5
    refined = sb.client.post(
        "/v1/tailored-gen/refine_structured_prompt",
        json={
            "dataset_id": body["id"],
            "structured_prompt": dataset["visual_schema"],
            "instruction": "make it blue",
        },
    )
    assert json.loads(refined.json()["structured_prompt"])["refinements"] == ["make it blue"]
    assert (
        sb.client.post(
            "/v1/tailored-gen/refine_structured_prompt",
            json={"dataset_id": dataset["id"], "structured_prompt": "{}", "instruction": "x"},
        ).status_code
        == 400
    )


def test_delete_project_cascades(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"])
    assert sb.client.delete(f"/v1/tailored-gen/projects/{dataset['project_id']}").status_code == 204
    assert sb.client.get(f"/v1/tailored-gen/datasets/{dataset['id']}").status_code == 404
    assert sb.client.get(f"/v1/tailored-gen/models/{model['id']}").status_code == 404
