"""Saving that does what it says (issue 17, items 2-3): ``save(result, "cat.png")`` writes that file, readable
default names and ``name=`` templates, complete sidecars, metadata in the PNG itself, results that chain
into other calls, and ``to_dict()``/``to_json()`` on every facade type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bria_tailored import ImageResult, Job, TailoredClient, UploadFailure, VideoResult
from bria_tailored.errors import ValidationError
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox
from bria_tailored.saving import output_name, slugify
from bria_tailored.storage.pngtext import read_text
from bria_tailored.types import BulkUploadResult, StructuredPromptResult
from bria_tailored.workflows import TrainEvent, TrainResult

FAST = PollPolicy(0.05, 0.1)


@pytest.fixture(scope="module")
def client() -> Iterator[TailoredClient]:
    with (
        run_sandbox(training_seconds=0.2, caption_seconds=0.05, job_seconds=0.05) as url,
        TailoredClient("tok", base_url=url) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def trained(client: TailoredClient, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    folder = tmp_path_factory.mktemp("saving") / "imgs"
    folder.mkdir()
    for i in range(5):
        Image.new("RGB", (300, 300), (40 * i, 120, 200)).save(folder / f"p{i}.png")
    return client.train(folder, project="Saving", ip_type="icons", ip_medium="illustration", poll_policy=FAST)


@pytest.fixture(scope="module")
def image(client: TailoredClient, trained: TrainResult) -> ImageResult:
    return client.generate.image(
        trained.model.id,
        "A red fox, jumping!",
        seed=7,
        aspect_ratio="16:9",
        negative_prompt="dogs",
        policy=FAST,
    )


def sidecar(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text())
    return data


# ------------------------------------------------------------------------------------------- where to
def test_a_file_path_is_that_file_and_a_folder_is_a_folder(
    client: TailoredClient, image: ImageResult, tmp_path: Path
) -> None:
    stored = client.save(image, tmp_path / "cat.png")
    assert (
        (tmp_path / "cat.png").is_file() and stored.key == "cat.png" and (tmp_path / "cat.png.json").is_file()
    )
    again = client.save(image, str(tmp_path / "cat.png"))  # the same file again: overwritten, not cat-2.png
    assert again.key == "cat.png" and sorted(p.name for p in tmp_path.iterdir()) == [
        "cat.png",
        "cat.png.json",
    ]

    (tmp_path / "looks-like.png").mkdir()  # an existing folder stays a folder, whatever its name
    assert (tmp_path / "looks-like.png" / client.save(image, tmp_path / "looks-like.png").key).is_file()
    trailing = client.save(image, f"{tmp_path}/new-folder.png/")  # a trailing / means a folder
    assert (tmp_path / "new-folder.png" / trailing.key).is_file()
    plain = client.save(image, tmp_path / "out")  # no output extension: a folder
    assert (tmp_path / "out" / plain.key).is_file()
    nested = client.save(image, (tmp_path / "deep" / "er" / "fox.webp").as_uri())  # file:// URIs too
    assert (tmp_path / "deep" / "er" / "fox.webp").is_file() and nested.key == "fox.webp"

    with pytest.raises(ValidationError) as both:
        client.save(image, tmp_path / "x.png", key="y.png")
    assert both.value.field == "key"
    with pytest.raises(ValidationError) as kind:
        client.save(VideoResult(video_url=image.image_url, model_id="1"), tmp_path / "clip.png")
    assert kind.value.field == "to" and "video" in kind.value.rule
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "clip.png").exists()


def test_default_names_are_readable_and_never_overwrite(
    client: TailoredClient, image: ImageResult, tmp_path: Path
) -> None:
    first = client.save(image, tmp_path)
    second = client.save(image, tmp_path)
    assert (first.key, second.key) == ("a-red-fox-jumping-7.png", "a-red-fox-jumping-7-2.png")
    templated = client.save(image, tmp_path, name="{model_id}/{aspect_ratio}/{slug}-{seed:04d}")
    assert templated.key == f"{image.model_id}/16x9/a-red-fox-jumping-0007.png"
    assert client.save(image, tmp_path, name="{slug}-{seed}.jpeg").key == "a-red-fox-jumping-7.jpeg"
    with pytest.raises(ValidationError) as unknown:
        client.save(image, tmp_path, name="{prompt}")
    assert unknown.value.field == "name" and "{slug}" in unknown.value.rule
    with pytest.raises(ValidationError):
        client.save(image, tmp_path, name="../{slug}")
    # an output known by nothing but its request id keeps the request id in its name
    assert output_name("https://x/out/a.png", "image", request_id="r7") == "r7-a.png"
    assert (
        output_name("https://x/out/a", "video", model_id="5", request_id="abcdef0123") == "video-abcdef01.mp4"
    )
    assert slugify("Ça va? Un CHAT — très  grand!!") == "ca-va-un-chat-tres-grand"
    assert len(slugify("word " * 40)) <= 60 and not slugify("word " * 40).endswith("-")


# ------------------------------------------------------------------------------------------- sidecars
def test_sidecars_are_complete_and_the_png_carries_them(
    client: TailoredClient, trained: TrainResult, image: ImageResult, tmp_path: Path
) -> None:
    path = tmp_path / "fox.png"
    client.save(image, path)
    data = sidecar(path)
    assert data["model_id"] == trained.model.id  # a number, as everywhere
    assert (data["prompt"], data["negative_prompt"], data["seed"], data["aspect_ratio"]) == (
        "A red fox, jumping!",
        "dogs",
        7,
        "16:9",
    )
    assert isinstance(data["structured_prompt"], dict) and data["request_id"] == image.request_id
    assert data["kind"] == "image" and data["sdk_version"] and data["created_at"].endswith("Z")
    assert set(data["timings"]) == {"submitted_at", "completed_at", "generation_seconds", "download_seconds"}
    assert data["timings"]["generation_seconds"] >= 0
    known = (
        "model_id",
        "prompt",
        "negative_prompt",
        "seed",
        "aspect_ratio",
        "structured_prompt",
        "request_id",
    )
    assert all(data[name] is not None for name in known)

    with Image.open(path) as picture:
        embedded = json.loads(picture.text["bria-tailored"])
        assert picture.text["Description"] == "A red fox, jumping!"
        picture.load()
    assert embedded == {
        k: v for k, v in data.items() if k not in ("key", "uri", "size", "sha256", "content_type")
    }
    assert read_text(path.read_bytes())["bria-tailored"] == picture.text["bria-tailored"]
    assert data["size"] == path.stat().st_size  # the sidecar describes the file with its metadata

    plain = client.save(image, tmp_path / "plain.png", embed_metadata=False)
    assert (
        "bria-tailored" not in read_text((tmp_path / "plain.png").read_bytes()) and plain.size < data["size"]
    )

    video = client.generate.video(trained.model.id, image, seed=3, policy=FAST)
    clip = tmp_path / "clip.mp4"
    client.save(video, clip)
    data = sidecar(clip)
    assert data["model_id"] == trained.model.id and data["seed"] == 3 and data["kind"] == "video"
    assert data["source_image"] == image.image_url and data["timings"]["completed_at"]
    assert clip.read_bytes()[4:8] == b"ftyp"  # an MP4 keeps its bytes: the sidecar is its record


# ---------------------------------------------------------------------------------------- chaining
def test_results_chain_into_other_calls(
    client: TailoredClient, trained: TrainResult, image: ImageResult, tmp_path: Path
) -> None:
    stored = client.save(image, tmp_path / "start.png")
    from_stored = client.generate.video(trained.model.id, stored, policy=FAST)  # a StoredObject as a source
    from_result = client.generate.video(trained.model.id, image, policy=FAST)  # an ImageResult as a source
    assert from_stored.video_url and from_result.source_image == image.image_url
    dataset = client.datasets.create(project_id=trained.project.id, name="chained")
    assert client.datasets.images.upload(dataset.id, stored).image_name == "start.png"
    assert client.datasets.images.upload(dataset.id, image).image_name
    [failure] = client.datasets.images.upload_many(dataset.id, [tmp_path / "missing.png"])
    assert isinstance(failure, UploadFailure)
    assert json.loads(failure.to_json())["error"]["type"] == "ValidationError"


def test_every_facade_type_has_to_dict_and_to_json(
    client: TailoredClient, trained: TrainResult, image: ImageResult
) -> None:
    job = client.generate.image(trained.model.id, "a cat", seed=1, wait=False)
    prompt = client.generate.structured_prompt(trained.model.id, "a cat", policy=FAST)
    values: list[Any] = [
        image,
        prompt,
        VideoResult(video_url="https://x/v.mp4", model_id="3"),
        job,
        UploadFailure("a.png", ValueError("broken")),
        BulkUploadResult(None, "s3://b/k.zip"),
        TrainEvent("upload", 1, 5, "uploading"),
        trained,
    ]
    for value in values:
        data = value.to_dict()
        assert json.loads(value.to_json()) == data, type(value).__name__
    assert isinstance(image.to_dict()["structured_prompt"], dict)
    assert isinstance(prompt, StructuredPromptResult) and isinstance(
        prompt.to_dict()["structured_prompt"], dict
    )
    assert job.to_dict()["inputs"]["prompt"] == "a cat" and job.to_dict()["inputs"]["submitted_at"]
    assert Job("r").to_dict() == {"request_id": "r", "status_url": None, "kind": "image", "inputs": {}}
    trained_dict = trained.to_dict()
    assert trained_dict["model"]["id"] == trained.model.id and isinstance(trained_dict["state_path"], str)
