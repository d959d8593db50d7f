"""End to end: bulk_upload(source=<folder>, via=<moto S3>) into the sandbox, and images from storage URIs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from bria_tailored import TailoredClient
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox

FAST = PollPolicy(0.05, 0.5)


def png(side: int, shade: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([shade, 90, 150]) * side for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_bulk_upload_of_a_folder_staged_in_s3(tmp_path: Path, s3_bucket: str, s3_client: Any) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(7):
        (folder / f"img_{i}.png").write_bytes(png(1024, 20 * i))
    (folder / "notes.txt").write_text("not an image")
    seen: list[Any] = []
    with run_sandbox(bulk_seconds=0.3) as url, TailoredClient("tok", base_url=url) as client:
        project = client.projects.create(project_name="Bulk", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="bulk", upload_type="advanced")
        result = client.datasets.bulk_upload(
            dataset.id, source=folder, via=f"s3://{s3_bucket}/staging", on_progress=seen.append
        )
        assert result.status.status.value == "completed" and result.status.done == 7
        names = sorted(image.image_name for image in client.datasets.images.list(dataset.id))
        assert names == [f"img_{i}.png" for i in range(7)]
    assert seen and seen[-1].progress_percentage == 100
    assert s3_client.list_objects_v2(Bucket=s3_bucket).get("KeyCount", 0) == 0, "the staged zip must be deleted"


def test_image_upload_from_a_storage_uri_sends_a_presigned_url(s3_bucket: str, s3_client: Any) -> None:
    s3_client.put_object(Bucket=s3_bucket, Key="in/pic.png", Body=png(300, 10))
    with run_sandbox() as url, TailoredClient("tok", base_url=url) as client:
        project = client.projects.create(project_name="Uri", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="d")
        image = client.datasets.images.upload(dataset.id, f"s3://{s3_bucket}/in/pic.png")
        assert image.image_name == "pic.png"
        assert len(client.datasets.images.list(dataset.id)) == 1
