"""One test per documented conflict or precondition, each checking the status and Bria's body shape."""

from __future__ import annotations

from sandbox_support import (
    Running,
    b64,
    completed_dataset,
    create_dataset,
    create_model,
    create_project,
    png_bytes,
    upload_images,
    visual_schema,
)

EXPERT_ONLY = "Advanced training parameters are only supported when training_mode is set to 'expert'."


def _draft_with_images(sb: Running, count: int) -> dict:
    project = create_project(sb.client)
    dataset = create_dataset(sb.client, project["id"])
    sb.client.put(
        f"/v1/tailored-gen/datasets/{dataset['id']}", json={"visual_schema": visual_schema(sb.client)}
    )
    upload_images(sb.client, dataset["id"], count)
    return dataset


def _training_model(sb: Running) -> dict:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"])
    assert sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={}).status_code == 200
    return model


def test_upload_to_completed_dataset_is_409(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    response = sb.client.post(
        f"/v1/tailored-gen/datasets/{dataset['id']}/images", json={"file": b64(png_bytes())}
    )
    assert response.status_code == 409 and "message" in response.json()


def test_completing_with_four_images_is_409(sb: Running) -> None:
    dataset = _draft_with_images(sb, 4)
    response = sb.client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"status": "completed"})
    assert response.status_code == 409 and "5 images" in response.json()["message"]


def test_visual_schema_of_completed_dataset_is_409(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    response = sb.client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"visual_schema": "{}"})
    assert response.status_code == 409


def test_caption_edit_and_delete_in_completed_dataset_are_409(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    image = sb.client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()[0]
    path = f"/v1/tailored-gen/datasets/{dataset['id']}/images/{image['id']}"
    assert sb.client.put(path, json={"caption": '{"a": 1}'}).status_code == 409
    assert sb.client.delete(path).status_code == 409


def test_caption_update_rules(sb: Running) -> None:
    dataset = _draft_with_images(sb, 1)
    image = sb.client.get(f"/v1/tailored-gen/datasets/{dataset['id']}/images").json()[0]
    path = f"/v1/tailored-gen/datasets/{dataset['id']}/images/{image['id']}"
    assert sb.client.put(path, json={"caption": '{"a": 1}', "regenerate_caption": True}).status_code == 400
    assert sb.client.put(path, json={"caption": "not json"}).status_code == 400
    manual = sb.client.put(path, json={"caption": '{"a": 1}'})
    assert manual.json()["caption_source"] == "manual"
    assert sb.client.delete(path).status_code == 204


def test_basic_dataset_is_capped_at_200_images(sb: Running) -> None:
    project = create_project(sb.client)
    dataset = create_dataset(sb.client, project["id"])
    small = b64(png_bytes(256))
    for _ in range(200):
        assert (
            sb.client.post(
                f"/v1/tailored-gen/datasets/{dataset['id']}/images", json={"file": small}
            ).status_code
            == 201
        )
    response = sb.client.post(f"/v1/tailored-gen/datasets/{dataset['id']}/images", json={"file": small})
    assert response.status_code == 409


def test_single_upload_to_advanced_and_bulk_to_basic_are_refused(sb: Running) -> None:
    project = create_project(sb.client)
    advanced = create_dataset(sb.client, project["id"], upload_type="advanced")
    basic = create_dataset(sb.client, project["id"])
    assert (
        sb.client.post(
            f"/v1/tailored-gen/datasets/{advanced['id']}/images", json={"file": b64(png_bytes())}
        ).status_code
        == 409
    )
    response = sb.client.post(
        f"/v1/tailored-gen/datasets/{basic['id']}/images/bulk-upload",
        json={"zip_url": "http://127.0.0.1:9/x.zip"},
    )
    assert response.status_code == 400
    assert sb.client.get(f"/v1/datasets/{basic['id']}/download").status_code == 409


def test_start_training_on_draft_dataset_is_412(sb: Running) -> None:
    dataset = _draft_with_images(sb, 5)
    model = create_model(sb.client, dataset["id"])
    response = sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={})
    assert response.status_code == 412 and "completed" in response.json()["message"]


def test_second_start_is_409(sb: Running) -> None:
    model = _training_model(sb)
    response = sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={})
    assert response.status_code == 409 and response.json()["message"]


def test_delete_model_during_training_is_409(sb: Running) -> None:
    model = _training_model(sb)
    response = sb.client.delete(f"/v1/tailored-gen/models/{model['id']}")
    assert response.status_code == 409
    assert response.json() == {"message": "Cannot delete model while it is in training"}


def test_delete_dataset_or_project_during_training_is_409(sb: Running) -> None:
    model = _training_model(sb)
    assert sb.client.delete(f"/v1/tailored-gen/datasets/{model['dataset_id']}").status_code == 409
    assert sb.client.delete(f"/v1/tailored-gen/projects/{model['project_id']}").status_code == 409


def test_stop_when_not_training_is_409(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"])
    assert sb.client.post(f"/v1/tailored-gen/models/{model['id']}/stop_training").status_code == 409


def test_expert_parameters_in_automated_mode_are_400(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"], training_mode="fully_automated")
    response = sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={"rank": 64})
    assert response.status_code == 400 and response.json() == {"message": EXPERT_ONLY}


def test_out_of_range_training_parameters_are_400_field_errors(sb: Running) -> None:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"], training_mode="expert")
    response = sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={"rank": 1024})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field_name"] == "rank"


def test_generation_needs_a_completed_model(sb: Running) -> None:
    model = _training_model(sb)
    body = {"tailored_model_id": str(model["id"]), "prompt": "x"}
    assert sb.client.post("/v2/image/generate/tailored", json=body).status_code == 400
    assert (
        sb.client.post(
            "/v2/image/generate/tailored", json={**body, "tailored_model_id": "999999"}
        ).status_code
        == 403
    )
    assert (
        sb.client.post(
            "/v2/video/generate/tailored/image-to-video",
            json={"tailored_model_id": "999999", "image": b64(png_bytes())},
        ).status_code
        == 404
    )


def test_checkpoints_before_completion_are_400_strings(sb: Running) -> None:
    model = _training_model(sb)
    response = sb.client.get(f"/v1/tailored-gen/models/{model['id']}/checkpoints")
    assert response.status_code == 400 and response.json() == "The model status is not completed"
    assert sb.client.get("/v1/tailored-gen/models/999999/checkpoints").json() == "Model not found"


def test_ip_type_rules(sb: Running) -> None:
    path = "/v1/tailored-gen/projects"
    icons = sb.client.post(path, json={"project_name": "p", "ip_medium": "photography", "ip_type": "icons"})
    assert icons.status_code == 400 and icons.json()["errors"][0]["field_name"] == "ip_type"
    character = sb.client.post(
        path, json={"project_name": "p", "ip_medium": "illustration", "ip_type": "defined_character"}
    )
    assert {e["field_name"] for e in character.json()["errors"]} == {"ip_name", "ip_description"}
    variants = sb.client.post(
        path, json={"project_name": "p", "ip_medium": "illustration", "ip_type": "object_variants"}
    )
    assert [e["field_name"] for e in variants.json()["errors"]] == ["ip_description"]


def test_missing_required_fields_are_400(sb: Running) -> None:
    response = sb.client.post("/v1/tailored-gen/datasets", json={"name": "x"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"msg": "field required", "field_name": "project_id"}]
    assert sb.client.get("/v1/tailored-gen/datasets/abc").status_code == 400
