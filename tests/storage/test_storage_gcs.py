"""GCS storage against gcp-storage-emulator on 127.0.0.1: round trips, uploads, V4 signed URLs."""

from __future__ import annotations

import hashlib
import io
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bria_tailored.errors import PluginNotFoundError, StorageError, ValidationError
from bria_tailored.storage import ObjectNotFoundError, open_storage
from bria_tailored.storage.gcs import GCSStorage

KiB = 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_round_trip(gcs_prefix: str) -> None:
    store = open_storage(gcs_prefix + "/")
    assert isinstance(store, GCSStorage)
    data = b"png-bytes" * 500
    obj = store.put("images/a.png", data)
    assert obj.uri == f"{gcs_prefix}/images/a.png"
    assert (obj.size, obj.sha256, obj.content_type) == (len(data), sha(data), "image/png")
    assert store.exists("images/a.png")
    assert not store.exists("images/missing.png")
    with store.open_read("images/a.png") as reader:
        assert reader.read() == data
    assert store.bucket.get_blob(store.object_key("images/a.png")).content_type == "image/png"
    store.put("images/b.jpg", io.BytesIO(b"jpg"))
    store.put("notes.txt", iter([b"n", b"otes"]))  # a stream: blob.open("wb")
    assert sorted(store.list()) == ["images/a.png", "images/b.jpg", "notes.txt"]
    assert sorted(store.list("images/")) == ["images/a.png", "images/b.jpg"]
    assert store.read_bytes("notes.txt") == b"notes"
    store.delete("images/a.png")
    store.delete("images/a.png")
    assert not store.exists("images/a.png")
    with pytest.raises(ObjectNotFoundError):
        store.open_read("images/a.png")


def test_resumable_upload_of_a_file_in_chunks(gcs_prefix: str, tmp_path: Any) -> None:
    data = bytes(range(256)) * (3 * KiB)  # 768 KiB: three 256 KiB chunks
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    store = open_storage(gcs_prefix, chunk_size=256 * KiB, resumable_threshold=256 * KiB)
    obj = store.put("model.safetensors", path)
    assert obj.size == len(data) and obj.sha256 == sha(data)
    assert store.read_bytes("model.safetensors") == data


def test_streamed_upload_in_chunks(gcs_prefix: str) -> None:
    parts = [bytes([i]) * (100 * KiB) for i in range(6)]  # 600 KiB through a 256 KiB BlobWriter
    store = open_storage(gcs_prefix, chunk_size=256 * KiB)
    obj = store.put("video.mp4", iter(parts))
    assert obj.sha256 == sha(b"".join(parts)) and obj.content_type == "video/mp4"
    assert store.read_bytes("video.mp4") == b"".join(parts)


def broken(good: int) -> Iterator[bytes]:
    for _ in range(good):
        yield b"y" * (100 * KiB)
    raise ConnectionError("source died half-way")


def test_failed_stream_leaves_no_object(gcs_prefix: str) -> None:
    store = open_storage(gcs_prefix, chunk_size=256 * KiB)
    with pytest.raises((ConnectionError, StorageError)):
        store.put("half.bin", broken(4))
    assert not store.exists("half.bin")


def test_signed_url_is_v4_and_fetchable(gcs_prefix: str, gcs_env: str, signing_credentials: Any) -> None:
    store = open_storage(gcs_prefix, signing_credentials=signing_credentials)
    store.put("out/image 1.png", b"image-bytes")
    url = store.public_url("out/image 1.png", expires_in=600)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["600"]
    credential = query["X-Goog-Credential"][0].split("/")
    assert credential[0] == "signer@bria-test.iam.gserviceaccount.com"
    assert credential[3:] == ["storage", "goog4_request"]
    assert query["X-Goog-SignedHeaders"] == ["host"]
    assert len(query["X-Goog-Signature"][0]) == 512  # hex of an RSA-2048 signature
    assert f"{parts.scheme}://{parts.netloc}" == gcs_env  # the emulator serves the signed URL
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"image-bytes"


@pytest.mark.parametrize("expires_in", [0, 604801, "60"])
def test_expires_in_limits(gcs_prefix: str, signing_credentials: Any, expires_in: Any) -> None:
    store = open_storage(gcs_prefix, signing_credentials=signing_credentials)
    with pytest.raises(ValidationError):
        store.public_url("a.png", expires_in=expires_in)


def test_anonymous_credentials_cannot_sign(gcs_prefix: str) -> None:
    store = open_storage(gcs_prefix)
    with pytest.raises(StorageError, match="signing_credentials"):
        store.public_url("a.png")


def test_repr_and_key_rules(gcs_prefix: str, signing_credentials: Any) -> None:
    store = open_storage(gcs_prefix, signing_credentials=signing_credentials)
    assert repr(store) == f"GCSStorage({gcs_prefix!r})"
    assert "PRIVATE KEY" not in repr(store)
    with pytest.raises(ValidationError):
        store.put("a/../../b", b"x")
    with pytest.raises(ValidationError):
        open_storage("gs://")


def test_missing_google_cloud_storage_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.cloud.storage", None)
    with pytest.raises(PluginNotFoundError) as info:
        open_storage("gs://bucket/prefix")
    assert "pip install 'bria-tailored[gcs]'" in str(info.value)
