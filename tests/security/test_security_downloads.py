"""Issue 14, item 6 (downloads): real deadlines, a minimum rate, and no truncated "success".

Every test drives ``download_to`` (what ``client.save`` and the ``download(to=...)`` methods use) against
the hostile loopback server, with small deadlines passed as arguments so that each test stays fast.
"""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.errors import StorageError, ValidationError
from bria_tailored.storage import open_storage
from bria_tailored.storage.download import download_to
from bria_tailored.types import ImageResult


def image(fmt: str, size: int = 64) -> bytes:
    out = io.BytesIO()
    picture = Image.radial_gradient("L").resize((size, size)).convert("RGB")
    picture.save(out, format=fmt, **({"quality": 90} if fmt != "PNG" else {}))
    return out.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4() -> bytes:
    """A minimal ISO BMFF file: ftyp, moov (with an mvhd), mdat."""
    mvhd = box(b"mvhd", bytes(100))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + box(b"moov", mvhd) + box(b"mdat", bytes(3000))


def nothing_saved(folder: Path, key: str) -> bool:
    return not open_storage(folder).exists(key)


# ------------------------------------------------------------------------------ deadline and rate
def test_a_trickling_server_hits_the_total_deadline(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/slow.bin", bytes(4000), trickle=0.02)  # ~80 s for the whole body
    started = time.monotonic()
    with pytest.raises(StorageError, match="deadline of 0.6 s"):
        download_to(url, tmp_path, "slow.bin", deadline=0.6, min_rate=0, backoff=0)
    assert time.monotonic() - started < 3
    assert nothing_saved(tmp_path, "slow.bin")


def test_a_trickling_server_is_abandoned_below_the_minimum_rate(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/slow.bin", bytes(4000), trickle=0.02, piece=2)  # ~100 bytes/s
    started = time.monotonic()
    with pytest.raises(StorageError, match="too slow"):
        download_to(url, tmp_path, "slow.bin", deadline=None, min_rate=1024, rate_window=0.4, backoff=0)
    assert time.monotonic() - started < 3
    assert nothing_saved(tmp_path, "slow.bin")


def test_a_silent_server_hits_the_deadline_not_the_read_timeout(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/silent.png", image("PNG"), stall=30)  # headers, then nothing
    started = time.monotonic()
    with pytest.raises(StorageError, match="deadline"):
        download_to(url, tmp_path, "silent.png", deadline=0.5, min_rate=0, backoff=0)
    assert time.monotonic() - started < 3


def test_a_silent_server_is_abandoned_by_the_rate_window(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/silent.bin", bytes(100), stall=30)
    started = time.monotonic()
    with pytest.raises(StorageError, match="too slow"):
        download_to(url, tmp_path, "silent.bin", deadline=None, rate_window=0.4, backoff=0)
    assert time.monotonic() - started < 3


def test_a_fast_download_passes_the_limits(hostile: Any, tmp_path: Path) -> None:
    body = image("PNG", 256)
    url = hostile.route("/fast.png", body, trickle=0.01, piece=len(body) // 5 + 1)
    stored = download_to(url, tmp_path, "fast.png", deadline=5, min_rate=1024, rate_window=0.05)
    assert stored.size == len(body)


@pytest.mark.parametrize(
    "limits",
    [
        {"deadline": 0},
        {"deadline": float("nan")},
        {"min_rate": -1},
        {"rate_window": 0},
        {"schemes": ["file"]},
    ],
)
def test_bad_limits_are_refused_before_any_request(hostile: Any, tmp_path: Path, limits: Any) -> None:
    url = hostile.route("/x.bin", b"x")
    with pytest.raises(ValidationError):
        download_to(url, tmp_path, "x.bin", **limits)
    assert hostile.requests == []


# ------------------------------------------------------------------------------ Content-Length
def test_a_body_shorter_than_its_content_length_is_an_error(hostile: Any, tmp_path: Path) -> None:
    body = bytes(range(256)) * 20
    url = hostile.route("/short.bin", body, cut_after=2000)  # announces 5120, sends 2000, hangs up
    with pytest.raises(StorageError, match="resumes"):
        download_to(url, tmp_path, "short.bin", max_resumes=2, backoff=0)
    assert nothing_saved(tmp_path, "short.bin")


def test_a_body_that_ends_before_its_content_length_is_an_error(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/liar.png", image("PNG")[:300], length=5000)  # a lie, then the connection closes
    with pytest.raises(StorageError):
        download_to(url, tmp_path, "liar.png", max_resumes=1, backoff=0)
    assert nothing_saved(tmp_path, "liar.png")


# ------------------------------------------------------------------------------ no Content-Length
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_without_content_length_is_refused(hostile: Any, tmp_path: Path, fmt: str) -> None:
    body = image(fmt, 128)
    key = f"cut.{fmt.lower()}"
    url = hostile.route(
        "/" + key, body[: len(body) * 2 // 3], length=None, content_type="image/" + fmt.lower()
    )
    with pytest.raises(StorageError, match=f"not a complete {fmt}"):
        download_to(url, tmp_path, key, backoff=0)
    assert nothing_saved(tmp_path, key)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_whole_image_without_content_length_is_saved(hostile: Any, tmp_path: Path, fmt: str) -> None:
    body = image(fmt, 128)
    url = hostile.route("/whole", body, length=None, trickle=0.01, piece=len(body) // 3 + 1)
    stored = download_to(url, tmp_path, f"whole.{fmt.lower()}")
    assert stored.size == len(body) and (tmp_path / f"whole.{fmt.lower()}").read_bytes() == body


def test_an_image_that_does_not_decode_is_refused(hostile: Any, tmp_path: Path) -> None:
    body = bytearray(image("PNG", 128))
    body[60:90] = bytes(30)  # damage the compressed data; the end (IEND) is intact
    url = hostile.route("/bad.png", bytes(body), length=None)
    with pytest.raises(StorageError, match="does not decode"):
        download_to(url, tmp_path, "bad.png")
    assert nothing_saved(tmp_path, "bad.png")


def test_a_body_announced_as_an_image_that_is_none_is_refused(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/x.png", b"<html>gateway error</html>", length=None, content_type="text/html")
    with pytest.raises(StorageError, match="announced as PNG"):
        download_to(url, tmp_path, "x.png")
    assert nothing_saved(tmp_path, "x.png")


def test_mp4_without_content_length_must_parse(hostile: Any, tmp_path: Path) -> None:
    video = mp4()
    whole = hostile.route("/whole.mp4", video, length=None, trickle=0.005, piece=700)
    assert download_to(whole, tmp_path, "whole.mp4").size == len(video)
    cut = hostile.route("/cut.mp4", video[:-500], length=None)
    with pytest.raises(StorageError, match="not a complete MP4.*truncated"):
        download_to(cut, tmp_path, "cut.mp4")
    headless = hostile.route(
        "/headless.mp4", video[len(box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")) :], length=None
    )
    with pytest.raises(StorageError, match="announced as MP4 but is not one"):
        download_to(headless, tmp_path, "headless.mp4")
    assert nothing_saved(tmp_path, "cut.mp4") and nothing_saved(tmp_path, "headless.mp4")


def test_a_generated_sandbox_video_parses(hostile: Any, tmp_path: Path) -> None:
    from bria_tailored.sandbox.media import generate_mp4

    video = generate_mp4([image("JPEG", 32)] * 3, 32, 32)
    url = hostile.route("/clip.mp4", video, length=None, content_type="video/mp4")
    assert download_to(url, tmp_path, "clip.mp4").size == len(video)


def test_save_reports_no_success_for_a_truncated_image(hostile: Any, tmp_path: Path) -> None:
    """Through ``client.save``: no file, no sidecar, no hook for a cut image without Content-Length."""
    body = image("PNG", 128)
    url = hostile.route("/out/fox.png", body[:-40], length=None, content_type="image/png")
    with TailoredClient("tok", base_url=hostile.base_url) as client, pytest.raises(StorageError):
        client.save(ImageResult(image_url=url, request_id="r1"), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
