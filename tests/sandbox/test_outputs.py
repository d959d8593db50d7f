"""Output files are real: PNGs at the aspect ratio's exact size, MP4 boxes with a nonzero duration,
safetensors weights that parse, dataset zips that list the images."""

from __future__ import annotations

import io
import struct
import time
from fractions import Fraction

import pytest
from PIL import Image
from sandbox_support import Running, b64, png_bytes, trained_model

from bria_tailored.sandbox.media import ASPECT_RATIOS, aspect_dimensions, generate_png


@pytest.mark.parametrize("ratio", sorted(ASPECT_RATIOS))
def test_aspect_dimensions_are_exact(ratio: str) -> None:
    a, b = ASPECT_RATIOS[ratio]
    for scale in (1.0, 0.5, 0.25):
        width, height = aspect_dimensions(ratio, scale)
        assert Fraction(width, height) == Fraction(a, b)
    assert aspect_dimensions("1:1", 1.0) == (1024, 1024)


def test_png_generation_is_fast() -> None:
    width, height = aspect_dimensions("16:9", 0.5)
    started = time.perf_counter()
    generate_png(width, height, "speed", 1)
    assert time.perf_counter() - started < 0.1


def test_generated_images_have_the_requested_size(sb: Running) -> None:
    model = trained_model(sb)
    for ratio in ("1:1", "16:9", "2:3"):
        result = sb.client.post(
            "/v2/image/generate/tailored",
            json={"tailored_model_id": str(model["id"]), "prompt": "p", "aspect_ratio": ratio, "sync": True},
        ).json()
        image = Image.open(io.BytesIO(sb.client.get(result["image_url"]).content))
        assert image.format == "PNG"
        assert image.size == aspect_dimensions(ratio, sb.app.options.image_scale)


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, tuple[int, int]]:
    end = len(data) if end is None else end
    boxes, offset = {}, start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8 and offset + size <= end
        boxes[kind] = (offset + 8, offset + size)
        offset += size
    return boxes


def test_video_is_a_structurally_valid_mp4(sb: Running) -> None:
    model = trained_model(sb)
    accepted = sb.client.post(
        "/v2/video/generate/tailored/image-to-video",
        json={"tailored_model_id": str(model["id"]), "image": b64(png_bytes(400)), "seed": 1},
    )
    sb.clock.advance(5)
    status = sb.client.get(accepted.json()["status_url"]).json()
    response = sb.client.get(status["result"]["video_url"])
    assert response.headers["content-type"] == "video/mp4"
    data = response.content
    top = _boxes(data)
    assert list(top) == [b"ftyp", b"moov", b"mdat"]
    moov = _boxes(data, *top[b"moov"])
    start, _ = moov[b"mvhd"]
    timescale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    assert timescale > 0 and duration / timescale == pytest.approx(5.0)
    trak = _boxes(data, *moov[b"trak"])
    assert b"tkhd" in trak and b"mdia" in trak
    stbl = _boxes(data, *_boxes(data, *_boxes(data, *trak[b"mdia"])[b"minf"])[b"stbl"])
    offset = struct.unpack(">I", data[stbl[b"stco"][0] + 8 : stbl[b"stco"][0] + 12])[0]
    assert data[offset : offset + 2] == b"\xff\xd8"  # the first sample is a JPEG frame inside mdat


def test_model_download_parses_as_safetensors(sb: Running, tmp_path) -> None:
    safetensors = pytest.importorskip("safetensors.numpy")
    model = trained_model(sb)
    links = sb.client.get(f"/v1/tailored-gen/models/{model['id']}/download").json()
    target = tmp_path / "model.safetensors"
    target.write_bytes(sb.client.get(links["download_url"]).content)
    tensors = safetensors.load_file(str(target))
    assert tensors and all(t.dtype.name == "float32" for t in tensors.values())
