"""Issue 14, item 1: outputs come only from http(s).

A URL in a response (``ImageResult.image_url``, ``VideoResult.video_url``, ``DownloadLinks.download_url``)
is downloaded only over ``https://``, or ``http://`` when the API itself is on ``http://``; every redirect
is held to the same rule. Anything else raises ``UnsafeURLError`` before anything is read. A ``str`` the
caller passes to ``save`` is the caller's own and may still be a path or a storage URI.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.errors import UnsafeURLError
from bria_tailored.saving import download_into, save_result
from bria_tailored.storage import open_storage
from bria_tailored.storage.download import download_to, output_schemes
from bria_tailored.storage.sidecar import save_output
from bria_tailored.types import ImageResult, VideoResult

HTTPS_API = "https://engine.bria.invalid"  # never contacted: every refusal happens before any request


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "orange").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file of the user's that no response may make the client copy (a valid PNG, to tempt it)."""
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "id_rsa.png"
    path.write_bytes(png())
    return path


def saved_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def hostile_urls(secret: Path) -> list[str]:
    return [
        str(secret),  # a plain local path
        secret.as_uri(),  # file:///...
        "file://localhost" + str(secret),
        "s3://private-bucket/keys/id_rsa.png",
        "gs://private-bucket/keys/id_rsa.png",
        "mem://assets/secret.png",  # a plugin's scheme
        " https://cdn.example.com/x.png",  # whitespace before the scheme makes it a relative path
        "https:///no-host.png",
        "ftp://files.example.com/x.png",
    ]


def test_save_refuses_result_urls_that_are_not_http(secret: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with TailoredClient("tok", base_url=HTTPS_API) as client:
        for url in hostile_urls(secret):
            with pytest.raises(UnsafeURLError) as info:
                client.save(ImageResult(image_url=url, request_id="r1"), out, key="x.png")
            assert "image_url" in str(info.value)
            with pytest.raises(UnsafeURLError):
                client.save(VideoResult(video_url=url), out, key="x.mp4")
    assert saved_files(out) == []


def test_http_result_is_refused_when_the_api_is_https(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/out/x.png", png(), content_type="image/png")
    with TailoredClient("tok", base_url=HTTPS_API) as client, pytest.raises(UnsafeURLError, match="https://"):
        client.save(ImageResult(image_url=url), tmp_path / "out")
    assert hostile.requests == [] and saved_files(tmp_path / "out") == []


def test_http_result_is_accepted_when_the_api_is_http(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/out/x.png", png(), content_type="image/png")
    with TailoredClient("tok", base_url=hostile.base_url) as client:  # a sandbox-like http:// API
        stored = client.save(ImageResult(image_url=url, request_id="r7"), tmp_path / "out")
    assert stored.key == "r7-x.png" and (tmp_path / "out" / "r7-x.png").read_bytes() == png()


def test_a_str_from_the_caller_may_still_be_a_path_or_a_storage_uri(secret: Path, tmp_path: Path) -> None:
    with TailoredClient("tok", base_url=HTTPS_API) as client:
        by_path = client.save(str(secret), tmp_path / "out", key="mine.png")
        by_uri = client.save(secret.as_uri(), tmp_path / "out", key="mine-again.png")
    assert by_path.size == by_uri.size == len(png())
    assert (tmp_path / "out" / "mine.png").read_bytes() == png()


def test_save_result_without_an_api_base_url_accepts_https_only(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/x.png", png())
    with pytest.raises(UnsafeURLError):
        save_result(ImageResult(image_url=url), tmp_path)
    with pytest.raises(UnsafeURLError):
        download_into(url, tmp_path, "x.png", {})
    assert hostile.requests == []


def test_download_into_refuses_a_missing_link(tmp_path: Path) -> None:
    with pytest.raises(UnsafeURLError, match="not a URL"):
        download_into(None, tmp_path, "model.safetensors", {}, api_base_url="http://127.0.0.1:9")


def download_model(client: TailoredClient, to: Path) -> object:
    return client.models.download(5, to=to)


def download_dataset(client: TailoredClient, to: Path) -> object:
    return client.datasets.download(5, to=to)


@pytest.mark.parametrize(
    ("path", "call"),
    [("/v1/tailored-gen/models/5/download", download_model), ("/v1/datasets/5/download", download_dataset)],
    ids=["models", "datasets"],
)
def test_download_methods_refuse_links_that_are_not_http(
    hostile: Any, secret: Path, tmp_path: Path, path: str, call: Callable[[TailoredClient, Path], object]
) -> None:
    out = tmp_path / "out"
    with TailoredClient("tok", base_url=hostile.base_url) as client:
        for link in (secret.as_uri(), str(secret), "s3://private-bucket/model.safetensors"):
            hostile.json(path, {"download_url": link})
            with pytest.raises(UnsafeURLError, match="download_url"):
                call(client, out)
    assert saved_files(out) == []


def test_download_methods_accept_http_links_from_an_http_api(hostile: Any, tmp_path: Path) -> None:
    weights = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "
    link = hostile.route("/files/model.safetensors", weights)
    hostile.json("/v1/tailored-gen/models/5/download", {"download_url": link})
    with TailoredClient("tok", base_url=hostile.base_url) as client:
        stored = client.models.download(5, to=tmp_path)
    assert stored.key == "model-5.safetensors" and (tmp_path / stored.key).read_bytes() == weights


@pytest.mark.parametrize("target", ["file:///etc/hostname", "s3://private-bucket/key.png", "gs://b/k.png"])
def test_a_redirect_to_another_scheme_is_refused(hostile: Any, tmp_path: Path, target: str) -> None:
    url = hostile.route("/out/x.png", location=target)
    with (
        TailoredClient("tok", base_url=hostile.base_url) as client,
        pytest.raises(UnsafeURLError, match="redirects"),
    ):
        client.save(ImageResult(image_url=url), tmp_path / "out")
    assert saved_files(tmp_path / "out") == []


def test_an_https_output_redirected_to_http_is_refused(
    hostile_tls: Any, hostile: Any, certificate: Any, tmp_path: Path
) -> None:
    plain = hostile.route("/leak.png", png())
    url = hostile_tls.route("/out/x.png", location=plain)
    schemes = output_schemes("https://engine.prod.bria-api.com")
    with httpx.Client(verify=certificate.client) as client:
        with pytest.raises(UnsafeURLError, match="redirects"):
            save_output(tmp_path, "x.png", url, {}, client, schemes=schemes)
        with pytest.raises(UnsafeURLError):
            download_to(url, tmp_path, "x.png", http_client=client, schemes=schemes)
        # a plain https output downloads under the same rules
        hostile_tls.route("/direct.png", png())
        stored = download_to(
            hostile_tls.base_url + "/direct.png", tmp_path, "ok.png", http_client=client, schemes=schemes
        )
    assert hostile.requests == [] and stored.size == len(png())
    assert not open_storage(tmp_path).exists("x.png")


def test_redirect_hops_are_bounded(hostile: Any, tmp_path: Path) -> None:
    url = hostile.route("/loop", location="/loop")
    from bria_tailored.errors import StorageError

    with pytest.raises(StorageError, match="redirects"):
        download_to(url, tmp_path, "loop.bin", backoff=0)
    assert hostile.hits("/loop") == 11
