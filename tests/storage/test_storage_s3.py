"""S3 storage against moto on 127.0.0.1: round trips, SigV4 presigned URLs, multipart streaming, aborts."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bria_tailored.errors import PluginNotFoundError, ValidationError
from bria_tailored.storage import ObjectNotFoundError, open_storage
from bria_tailored.storage.s3 import S3Storage

MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_round_trip(s3_bucket: str, s3_client: Any) -> None:
    store = open_storage(f"s3://{s3_bucket}/outputs/run1")
    assert isinstance(store, S3Storage)
    data = b"png-bytes" * 1000
    obj = store.put("images/a.png", data)
    assert obj.uri == f"s3://{s3_bucket}/outputs/run1/images/a.png"
    assert (obj.key, obj.size, obj.sha256, obj.content_type) == (
        "images/a.png",
        len(data),
        sha(data),
        "image/png",
    )
    head = s3_client.head_object(Bucket=s3_bucket, Key="outputs/run1/images/a.png")
    assert head["ContentType"] == "image/png"
    assert store.exists("images/a.png")
    assert not store.exists("images/missing.png")
    with store.open_read("images/a.png") as body:
        assert body.read() == data
    store.put("images/b.jpg", b"jpg")
    store.put("notes.txt", b"n")
    s3_client.put_object(Bucket=s3_bucket, Key="outputs/run10/x", Body=b"not ours")
    assert sorted(store.list()) == ["images/a.png", "images/b.jpg", "notes.txt"]
    assert sorted(store.list("images/")) == ["images/a.png", "images/b.jpg"]
    store.delete("images/a.png")
    store.delete("images/a.png")
    assert not store.exists("images/a.png")
    with pytest.raises(ObjectNotFoundError):
        store.open_read("images/a.png")


def test_presigned_url_is_sigv4_and_fetchable(s3_bucket: str) -> None:
    store = open_storage(f"s3://{s3_bucket}/staging", region_name="eu-west-1")
    store.put("data set.zip", b"zip-bytes")
    url = store.public_url("data set.zip", expires_in=900)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["900"]
    credential = query["X-Amz-Credential"][0].split("/")
    assert credential[0] == "testing"
    assert credential[2:] == ["eu-west-1", "s3", "aws4_request"]
    assert "X-Amz-Signature" in query and "X-Amz-Date" in query
    assert "Signature" not in query and "AWSAccessKeyId" not in query  # not SigV2
    assert urlsplit(url).path == f"/{s3_bucket}/staging/data%20set.zip"  # path-style addressing
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"zip-bytes"


@pytest.mark.parametrize("expires_in", [0, -5, 604801, 10**9, 1.5, "3600", True])
def test_expires_in_outside_sigv4_limits_is_refused(s3_bucket: str, expires_in: Any) -> None:
    store = open_storage(f"s3://{s3_bucket}")
    with pytest.raises(ValidationError) as info:
        store.public_url("a.png", expires_in=expires_in)
    assert info.value.field == "expires_in"


def test_expires_in_bounds_accepted(s3_bucket: str) -> None:
    store = open_storage(f"s3://{s3_bucket}")
    for seconds in (1, 604800):
        query = parse_qs(urlsplit(store.public_url("a.png", expires_in=seconds)).query)
        assert query["X-Amz-Expires"] == [str(seconds)]


def chunks(total: int, size: int = MiB) -> Iterator[bytes]:
    for i in range(0, total, size):
        yield bytes([i // size % 251]) * min(size, total - i)


def test_streaming_multipart_upload_of_a_non_seekable_source(s3_bucket: str, s3_client: Any) -> None:
    total = 11 * MiB
    expected = hashlib.sha256(b"".join(chunks(total))).hexdigest()
    store = open_storage(f"s3://{s3_bucket}", part_size=5 * MiB, max_concurrency=2)
    obj = store.put("weights.safetensors", chunks(total))
    assert obj.size == total and obj.sha256 == expected
    head = s3_client.head_object(Bucket=s3_bucket, Key="weights.safetensors")
    assert head["ContentLength"] == total
    assert head["ETag"].strip('"').endswith("-3")  # three parts: it really was a multipart upload


def broken(good_bytes: int) -> Iterator[bytes]:
    yield from chunks(good_bytes)
    raise ConnectionError("source died half-way")


@pytest.mark.parametrize("good_bytes", [100_000, 7 * MiB], ids=["single-put", "multipart"])
def test_failed_upload_leaves_no_object_and_no_pending_multipart(
    s3_bucket: str, s3_client: Any, good_bytes: int
) -> None:
    store = open_storage(f"s3://{s3_bucket}/p", part_size=5 * MiB)
    with pytest.raises(ConnectionError):
        store.put("half.bin", broken(good_bytes))
    assert not store.exists("half.bin")
    assert s3_client.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    assert s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_endpoint_and_region_configuration(
    monkeypatch: pytest.MonkeyPatch, aws_env: str, s3_bucket: str
) -> None:
    store = open_storage(f"s3://{s3_bucket}")
    assert store.client.meta.endpoint_url == aws_env  # AWS_ENDPOINT_URL honoured
    assert store.region_name == "us-east-1"  # the documented fallback
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert open_storage(f"s3://{s3_bucket}").region_name == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert open_storage(f"s3://{s3_bucket}").region_name == "eu-central-1"
    assert open_storage(f"s3://{s3_bucket}", region_name="us-west-2").region_name == "us-west-2"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws_env + "/")
    assert open_storage(f"s3://{s3_bucket}").client.meta.endpoint_url.rstrip("/") == aws_env
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    store = open_storage(f"s3://{s3_bucket}", endpoint_url=aws_env)
    store.put("k", b"v")
    assert store.read_bytes("k") == b"v"


def test_repr_shows_only_the_uri(s3_bucket: str) -> None:
    store = open_storage(
        f"s3://{s3_bucket}/pre/", aws_access_key_id="AKIASECRET", aws_secret_access_key="s3cr3t"
    )
    assert repr(store) == f"S3Storage('s3://{s3_bucket}/pre')"
    assert "s3cr3t" not in repr(store) and "AKIASECRET" not in repr(store)


def test_bad_uris_and_keys(s3_bucket: str) -> None:
    with pytest.raises(ValidationError):
        open_storage("s3:///no-bucket")
    store = open_storage(f"s3://{s3_bucket}/p")
    with pytest.raises(ValidationError):
        store.put("../outside", b"x")
    with pytest.raises(ValidationError):
        store.public_url("/abs")


def test_missing_boto3_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(PluginNotFoundError) as info:
        open_storage("s3://bucket/prefix")
    assert "pip install 'bria-tailored[s3]'" in str(info.value)
