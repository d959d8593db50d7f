"""``bria-tailored plugins check URI``: the conformance kit against a live storage (moto's S3 server in a
child process), its table and JSON, a failing backend, and the cleanup of everything it wrote."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from bria_tailored.__main__ import main
from bria_tailored.errors import NotPubliclyAddressableError, ObjectNotFoundError
from bria_tailored.plugins import get_plugin_manager, hookimpl
from bria_tailored.storage import SourceLike, StorageBackend, StoredObject
from bria_tailored.storage.base import iter_chunks, validate_prefix
from bria_tailored.storage.sources import open_source
from bria_tailored.testing import CHECKS
from bria_tailored.testing.streams import FailingSource


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    import boto3

    listed = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_check_against_moto_passes_and_cleans_up(
    capsys: pytest.CaptureFixture[str], s3_process_bucket: str, moto_process_env: str
) -> None:
    uri = f"s3://{s3_process_bucket}/team-prefix"
    code, out, err = cli(capsys, "plugins", "check", uri, "-o", "max_in_memory_parts=1", "--json")
    document = json.loads(out)
    assert code == 0, out
    assert document["uri"] == uri and document["passed"] is True
    assert [row["name"] for row in document["checks"]] == [check.name for check in CHECKS]
    assert all(row["status"] == "passed" and not row["leftovers"] for row in document["checks"])
    public = next(row for row in document["checks"] if row["name"] == "public_url")
    assert public["note"] is None  # a presigned URL was fetched, not skipped
    assert "✓ large_object" in err and "bria-conformance-" in err
    assert bucket_keys(moto_process_env, s3_process_bucket) == []


def test_check_prints_a_table(
    capsys: pytest.CaptureFixture[str], s3_process_bucket: str, moto_process_env: str
) -> None:
    uri = f"s3://{s3_process_bucket}"
    code, out, _ = cli(capsys, "plugins", "check", uri, "--only", "basic_operations", "--only", "public_url")
    assert code == 0, out
    assert "Storage conformance" in out and "basic_operations" in out and "public_url" in out
    assert "all 2 checks passed" in out
    assert bucket_keys(moto_process_env, s3_process_bucket) == []


class LeakyStorage(StorageBackend):
    """Writes each chunk where readers see it (not atomic) and trusts every key."""

    schemes = ("leaky",)
    objects: dict[str, bytes] = {}

    def __init__(self, uri: str, /, **options: object) -> None:
        self.base = uri.rstrip("/")

    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        import hashlib

        self.objects[key] = b""
        with open_source(source) as src:
            for chunk in iter_chunks(src.stream):
                self.objects[key] += chunk
        data = self.objects[key]
        return StoredObject(self.uri(key), key, len(data), hashlib.sha256(data).hexdigest(), content_type)

    def open_read(self, key: str) -> io.BytesIO:
        if key not in self.objects:
            raise ObjectNotFoundError(key)
        return io.BytesIO(self.objects[key])

    def exists(self, key: str) -> bool:
        return key in self.objects

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        return sorted(key for key in self.objects if key.startswith(prefix))

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        raise NotPubliclyAddressableError(key)

    def uri(self, key: str) -> str:
        return f"{self.base}/{key}"


class LeakyPlugin:
    @hookimpl
    def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
        return [LeakyStorage]


@pytest.fixture
def leaky() -> Iterator[type[LeakyStorage]]:
    manager = get_plugin_manager()
    manager.register(LeakyPlugin(), name="leaky")
    yield LeakyStorage
    LeakyStorage.objects.clear()


def test_check_fails_with_the_broken_property(capsys: pytest.CaptureFixture[str], leaky: Any) -> None:
    code, out, _ = cli(
        capsys, "plugins", "check", "leaky://x", "--only", "atomic_writes", "--only", "invalid_keys", "--json"
    )
    document = json.loads(out)
    assert code == 1 and document["passed"] is False
    rows = {row["name"]: row for row in document["checks"]}
    assert rows["atomic_writes"]["property"] == "atomic writes (no partial object after a failed put)"
    assert rows["atomic_writes"]["message"].startswith("a put that failed after 3145745 bytes left an object")
    assert "put('../escape-bria-conformance-" in rows["invalid_keys"]["message"]
    assert leaky.objects == {}  # written, then deleted: the failed put's leftovers and the '../' keys too


def test_check_table_marks_failures(capsys: pytest.CaptureFixture[str], leaky: Any) -> None:
    code, out, _ = cli(capsys, "plugins", "check", "leaky://x", "--only", "atomic_writes")
    assert code == 1
    assert "failed" in out and "1 of 1 checks failed: atomic_writes" in out


def test_check_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "plugins", "check")[0] == 2
    assert cli(capsys, "plugins", "inspect", "memory://x")[0] == 2
    code, _, err = cli(capsys, "plugins", "check", "memory://bria-kit/cli", "--only", "nope")
    assert code == 2 and "unknown conformance checks" in err
    code, _, err = cli(capsys, "plugins", "check", "memory://bria-kit/cli", "-o", "no-equals-sign")
    assert code == 2 and "KEY=VALUE" in err
    code, _, err = cli(capsys, "plugins", "check", "nosuchscheme://bucket")
    assert code == 1 and "no storage backend handles nosuchscheme://" in err


def test_interrupted_check_still_cleans_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], leaky: Any
) -> None:
    def interrupt(self: FailingSource, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(FailingSource, "read", interrupt)
    code, _, _ = cli(capsys, "plugins", "check", "leaky://x", "--only", "atomic_writes")
    assert code == 130
    assert leaky.objects == {}
