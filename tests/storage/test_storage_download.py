"""Resumable downloads against a local HTTP server that drops the connection mid-body."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from bria_tailored.errors import StorageError
from bria_tailored.storage import open_storage
from bria_tailored.storage.download import download_to

PAYLOAD = os.urandom(300_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_dropped_connection_resumes_with_range_and_verifies(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/model.safetensors", PAYLOAD, cut_after=100_000)
    store = open_storage(tmp_path)
    obj = download_to(
        url + "?X-Amz-Signature=secret", store, "models/m.safetensors", expected_sha256=SHA, backoff=0
    )
    assert (obj.size, obj.sha256) == (len(PAYLOAD), SHA)
    assert store.read_bytes("models/m.safetensors") == PAYLOAD
    ranges = [r for _, r in file_server.requests]
    assert ranges[0] is None
    assert ranges[1] is not None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    assert len(ranges) == 2


def test_download_into_s3_resumes_too(file_server: Any, s3_bucket: str) -> None:
    url = file_server.add("/weights.bin", PAYLOAD, cut_after=50_000)
    store = open_storage(f"s3://{s3_bucket}/models")
    obj = download_to(url, store, "w.bin", expected_size=len(PAYLOAD), backoff=0)
    assert obj.sha256 == SHA
    assert store.read_bytes("w.bin") == PAYLOAD


def test_server_ignoring_range_is_handled(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/x.bin", PAYLOAD, cut_after=120_000, ignore_range=True, etag=None)
    obj = download_to(url, tmp_path, "x.bin", backoff=0)
    assert obj.sha256 == SHA


def test_object_changed_during_download_is_refused(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/x.bin", PAYLOAD, cut_after=100_000, change_after_cut=True)
    with pytest.raises(StorageError, match="changed on the server"):
        download_to(url, tmp_path, "x.bin", backoff=0)
    assert file_server.requests[1][1] is not None  # it did try to resume, with If-Range
    assert not open_storage(tmp_path).exists("x.bin")


def test_sha256_mismatch_keeps_no_object(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/x.bin", PAYLOAD)
    with pytest.raises(StorageError, match="sha256"):
        download_to(url, tmp_path, "x.bin", expected_sha256="0" * 64, backoff=0)
    assert not open_storage(tmp_path).exists("x.bin")


def test_size_mismatch_is_refused_before_writing(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/x.bin", PAYLOAD)
    with pytest.raises(StorageError, match="expected 12 bytes"):
        download_to(url, tmp_path, "x.bin", expected_size=12, backoff=0)
    assert not open_storage(tmp_path).exists("x.bin")


def test_resumes_run_out(file_server: Any, tmp_path: Path) -> None:
    served_url = file_server.add("/flaky.bin", PAYLOAD, cut_after=10, ignore_range=True)
    file_server.files["/flaky.bin"].cuts_left = 100
    with pytest.raises(StorageError, match="after 2 resumes") as info:
        download_to(served_url + "?sig=abc", tmp_path, "flaky.bin", max_resumes=2, backoff=0)
    assert "sig=abc" not in str(info.value)  # no query string (signatures) in errors
    assert not open_storage(tmp_path).exists("flaky.bin")


def test_http_errors_are_storage_errors(file_server: Any, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="HTTP 404"):
        download_to(file_server.base_url + "/missing", tmp_path, "m.bin", backoff=0)


def test_caller_client_is_used_and_left_open(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/a.png", b"png", content_type="image/png")
    with httpx.Client() as client:
        obj = download_to(url, tmp_path, "a", http_client=client)
        assert not client.is_closed
    assert obj.content_type == "image/png"  # from the response when the key has no extension


def test_put_streams_an_http_url_source(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/img", b"GIF89a...", content_type="image/gif")
    store = open_storage(tmp_path)
    obj = store.put("from-url", url + "?token=abc")
    assert (obj.size, obj.content_type) == (9, "image/gif")
    assert store.read_bytes("from-url") == b"GIF89a..."


def test_put_from_a_url_that_drops_keeps_no_object(file_server: Any, tmp_path: Path) -> None:
    url = file_server.add("/big.bin", PAYLOAD, cut_after=1000)  # plain put does not resume
    store = open_storage(tmp_path)
    with pytest.raises(StorageError, match="mid-body") as info:
        store.put("big.bin", url + "?X-Amz-Signature=topsecret")
    assert "topsecret" not in str(info.value)
    assert not store.exists("big.bin")
