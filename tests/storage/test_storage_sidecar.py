"""Saving outputs: the object, its ``<key>.json`` sidecar, and no query strings in the metadata."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bria_tailored.storage import StoredObject, open_storage
from bria_tailored.storage.sidecar import build_sidecar, save_output, sidecar_key


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
        "team": "design",
    }
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


def test_save_output_from_a_stream_into_s3(s3_bucket: str) -> None:
    store = open_storage(f"s3://{s3_bucket}/outputs")
    stored = save_output(f"s3://{s3_bucket}/outputs", "v/clip.mp4", iter([b"mp4", b"data"]), None)
    assert stored.content_type == "video/mp4"
    sidecar = json.loads(store.read_bytes("v/clip.mp4.json"))
    assert sidecar["uri"] == f"s3://{s3_bucket}/outputs/v/clip.mp4"
    assert sidecar["source_url"] is None and sidecar["size"] == 7
