"""Helpers shared by the sandbox tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from PIL import Image

from bria_tailored.sandbox import SandboxApp

TOKEN = "sandbox-test-token"


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.value = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.value

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.value += seconds


def png_bytes(
    size: int | tuple[int, int] = 300, color: tuple[int, int, int] = (200, 30, 30), fmt: str = "PNG"
) -> bytes:
    width, height = (size, size) if isinstance(size, int) else size
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Running:
    base_url: str
    app: SandboxApp
    clock: FakeClock
    client: httpx.Client

    def url(self, path: str) -> str:
        return self.base_url + path


class FileServer:
    """Serves registered bytes over plain HTTP on 127.0.0.1, like a bucket's pre-signed URLs."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                path = self.path.split("?", 1)[0]
                data = files.get(path)
                if data is None:
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, data: bytes) -> str:
        self.files[path] = data
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}?X-Amz-Signature=abc&X-Amz-Expires=600"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- lifecycle helpers ---------------------------------------------------------------------------


def create_project(client: httpx.Client, **overrides: Any) -> dict[str, Any]:
    body = {"project_name": "Brand", "ip_medium": "illustration", "ip_type": "stylized_scene", **overrides}
    response = client.post("/v1/tailored-gen/projects", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_dataset(client: httpx.Client, project_id: int, upload_type: str = "basic") -> dict[str, Any]:
    response = client.post(
        "/v1/tailored-gen/datasets", json={"project_id": project_id, "name": "ds", "upload_type": upload_type}
    )
    assert response.status_code == 201, response.text
    return response.json()


def visual_schema(client: httpx.Client) -> str:
    images = [b64(png_bytes(300, (i * 40, 20, 90))) for i in range(5)]
    response = client.post("/v1/tailored-gen/generate_visual_schema", json={"images": images})
    assert response.status_code == 200, response.text
    return response.json()["visual_schema"]


def upload_images(client: httpx.Client, dataset_id: int, count: int) -> list[dict[str, Any]]:
    out = []
    for index in range(count):
        response = client.post(
            f"/v1/tailored-gen/datasets/{dataset_id}/images",
            json={"file": b64(png_bytes(300, (index * 20, 100, 50))), "image_name": f"img{index}.png"},
        )
        assert response.status_code == 201, response.text
        out.append(response.json())
    return out


def completed_dataset(client: httpx.Client, images: int = 5) -> dict[str, Any]:
    project = create_project(client)
    dataset = create_dataset(client, project["id"])
    assert (
        client.put(
            f"/v1/tailored-gen/datasets/{dataset['id']}", json={"visual_schema": visual_schema(client)}
        ).status_code
        == 200
    )
    upload_images(client, dataset["id"], images)
    response = client.put(f"/v1/tailored-gen/datasets/{dataset['id']}", json={"status": "completed"})
    assert response.status_code == 200, response.text
    return response.json()


def create_model(client: httpx.Client, dataset_id: int, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/tailored-gen/models", json={"name": "model", "dataset_id": dataset_id, **overrides}
    )
    assert response.status_code == 201, response.text
    return response.json()


def trained_model(sb: Running, **overrides: Any) -> dict[str, Any]:
    dataset = completed_dataset(sb.client)
    model = create_model(sb.client, dataset["id"], **overrides)
    assert sb.client.post(f"/v1/tailored-gen/models/{model['id']}/start_training", json={}).status_code == 200
    sb.clock.advance(60)
    response = sb.client.get(f"/v1/tailored-gen/models/{model['id']}")
    assert response.json()["status"] == "Completed"
    return response.json()
