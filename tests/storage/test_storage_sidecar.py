"""Saving outputs: the object, its ``<key>.json`` sidecar, and no query strings in the metadata."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bria_tailored import __version__
from bria_tailored.storage import StoredObject, open_storage
from bria_tailored.storage.pngtext import embed_text, read_text
from bria_tailored.storage.sidecar import EMBED_KEYWORD, build_sidecar, save_output, sidecar_key


def test_build_sidecar_fields() -> None:
    stored = StoredObject("s3://b/p/a.png", "a.png", 3, "ab" * 32, "image/png")
    sidecar = build_sidecar(
        stored,
        source_url="https://cdn.bria.ai/out/a.png?X-Amz-Signature=secret&X-Amz-Credential=x#frag",
        model_id=42,
        prompt="a red chair",
        structured_prompt='{"objects": ["chair"]}',
        seed=1234,
        request_id="req-1",
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        extra={"size": "ignored: core fields win", "team": "design"},
    )
    assert sidecar == {
        "key": "a.png",
        "uri": "s3://b/p/a.png",
        "model_id": 42,
        "prompt": "a red chair",
        "structured_prompt": {"objects": ["chair"]},
        "seed": 1234,
        "request_id": "req-1",
        "source_url": "https://cdn.bria.ai/out/a.png",
        "size": 3,
        "sha256": "ab" * 32,
        "content_type": "image/png",
        "created_at": "2025-01-02T03:04:05Z",
        "sdk_version": __version__,
        "team": "design",
    }
    assert build_sidecar(stored, model_id="42")["model_id"] == 42  # ids are numbers, as everywhere
    assert build_sidecar(stored, structured_prompt="not json")["structured_prompt"] == "not json"
    assert build_sidecar(stored)["created_at"].endswith("Z")


def test_save_output_from_a_url(file_server: Any, tmp_path: Path) -> None:
    data = b"\x89PNG" + bytes(5000)
    url = file_server.add("/results/out.png", data, content_type="image/png", cut_after=1000)
    store = open_storage(tmp_path)
    stored = save_output(
        store,
        "gen/out.png",
        url + "?X-Amz-Signature=secret",
        {"model_id": 7, "prompt": "p", "seed": "99", "request_id": "r-9"},
    )
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.read_bytes("gen/out.png") == data
    sidecar = json.loads(store.read_bytes(sidecar_key("gen/out.png")))
    assert sidecar["source_url"] == url  # no query string: no signature in the sidecar
    assert (sidecar["model_id"], sidecar["prompt"], sidecar["seed"], sidecar["request_id"]) == (
        7,
        "p",
        "99",
        "r-9",
    )
    assert (sidecar["size"], sidecar["sha256"], sidecar["content_type"]) == (
        len(data),
        stored.sha256,
        "image/png",
    )
    assert "secret" not in store.read_bytes("gen/out.png.json").decode()
    assert sidecar["timings"]["download_seconds"] >= 0


def test_save_output_from_a_stream_into_s3(s3_bucket: str) -> None:
    store = open_storage(f"s3://{s3_bucket}/outputs")
    stored = save_output(f"s3://{s3_bucket}/outputs", "v/clip.mp4", iter([b"mp4", b"data"]), None)
    assert stored.content_type == "video/mp4"
    sidecar = json.loads(store.read_bytes("v/clip.mp4.json"))
    assert sidecar["uri"] == f"s3://{s3_bucket}/outputs/v/clip.mp4"
    assert sidecar["source_url"] is None and sidecar["size"] == 7


def _png(size: int = 24) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_save_output_embeds_the_metadata_in_a_png(tmp_path: Path) -> None:
    from PIL import Image

    store = open_storage(tmp_path)
    metadata = {"model_id": "7", "prompt": "a red fox", "structured_prompt": '{"a": [1]}', "seed": 3}
    stored = save_output(store, "fox.png", _png(), metadata, embed_png=True)
    data = store.read_bytes("fox.png")
    sidecar = json.loads(store.read_bytes("fox.png.json"))
    # the sidecar describes the file as stored: metadata included
    assert (
        (sidecar["size"], sidecar["sha256"])
        == (len(data), hashlib.sha256(data).hexdigest())
        == (
            stored.size,
            stored.sha256,
        )
    )
    embedded = json.loads(read_text(data)[EMBED_KEYWORD])
    assert embedded["model_id"] == 7 and embedded["structured_prompt"] == {"a": [1]}
    assert embedded["sdk_version"] == __version__ and "sha256" not in embedded and "uri" not in embedded
    with Image.open(tmp_path / "fox.png") as image:
        assert image.text["Description"] == "a red fox" and image.text["Software"].startswith("bria-tailored")
        image.load()  # the pixels are untouched and still decode
    # saving the embedded file again replaces the chunks: the file does not grow
    again = save_output(store, "again.png", tmp_path / "fox.png", metadata, embed_png=True)
    assert again.size == stored.size
    # not a PNG: kept byte for byte
    kept = save_output(store, "clip.mp4", b"\x00\x00\x00\x18ftypmp42rest", metadata, embed_png=True)
    assert store.read_bytes("clip.mp4") == b"\x00\x00\x00\x18ftypmp42rest" and kept.size == 16


def test_png_text_chunks_are_replaced_bounded_and_checked() -> None:
    original = _png()
    once = embed_text(original, {"Description": "x" * 5000, "bria-tailored": "{}"})
    twice = embed_text(once, {"Description": "x" * 5000, "bria-tailored": "{}"})
    assert once == twice and len(once) < len(original) + 500  # long texts are compressed
    assert read_text(twice) == {"Description": "x" * 5000, "bria-tailored": "{}"}
    noise = os.urandom(400_000).hex()  # does not compress below the limit
    assert embed_text(original, {"Huge": noise}) == original  # too big to embed: left out
    for bad in (b"not a png", original[:30]):
        try:
            embed_text(bad, {"a": "b"})
        except ValueError:
            continue
        raise AssertionError("a broken PNG must raise ValueError")
