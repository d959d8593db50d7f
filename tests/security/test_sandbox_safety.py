"""A sandbox safe on a laptop (issue 14, item 7).

- It fetches only from its own port, or from what ``fetch_allow`` lists (``host``, ``host:port``, a URL
  prefix); other loopback ports and other loopback addresses (127.0.0.2) are refused without a connection.
- Redirects are checked hop by hop: a redirect off the allowlist is refused before it is followed.
- It answers only its own ``Host`` names (DNS rebinding gets 421), on every route.
- Oversized bodies get 413 and deeply nested JSON 400, never a 500.
- A fetch that fails says nothing about the target: refused, closed, silent, not HTTP, not 200 and not
  allowed all give the same status and the same body.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from PIL import Image

from bria_tailored.sandbox import SandboxApp, SandboxOptions, create_app, fetching, run_sandbox
from bria_tailored.sandbox.media import generate_safetensors

TOKEN = "safety-token"
# Connections to a second loopback address are what these tests are about: let the test process make them.
pytestmark = pytest.mark.block_network(allowed_hosts=[r"^127\.0\.0\.\d+$", r"^localhost$", r"^::1$"])


def png(side: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


# ------------------------------------------------------------------------------------------ helpers
@dataclass
class Files:
    """A small HTTP server on any loopback address: serves bytes, redirects, and records each request."""

    host: str = "127.0.0.1"
    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                path = self.path.split("?", 1)[0]
                state.requests.append(path)
                if path in state.redirects:
                    self.send_response(302)
                    self.send_header("Location", state.redirects[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = state.files.get(path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.port = int(self.server.server_address[1])
        self.origin = f"http://{self.host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, data: bytes) -> str:
        self.files[path] = data
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def files() -> Iterator[Files]:
    server = Files()
    yield server
    server.close()


@pytest.fixture
def other_host() -> Iterator[Files]:
    """A file server on 127.0.0.2: another loopback address (Linux routes all of 127.0.0.0/8 to lo)."""
    try:
        server = Files(host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound on this system")
    yield server
    server.close()


@dataclass
class Running:
    url: str
    app: SandboxApp
    client: httpx.Client

    def dataset(self) -> int:
        project = self.client.post(
            "/v1/tailored-gen/projects",
            json={"project_name": "p", "ip_medium": "illustration", "ip_type": "icons"},
        ).json()
        return int(
            self.client.post(
                "/v1/tailored-gen/datasets", json={"project_id": project["id"], "name": "d"}
            ).json()["id"]
        )

    def upload(self, dataset_id: int, image_url: str) -> httpx.Response:
        return self.client.post(
            f"/v1/tailored-gen/datasets/{dataset_id}/images", json={"image_url": image_url}
        )


@contextmanager
def sandbox(monkeypatch: pytest.MonkeyPatch, **options: Any) -> Iterator[Running]:
    monkeypatch.delenv("BRIA_SANDBOX_FETCH_ALLOW", raising=False)  # the suite's default: test the real one
    monkeypatch.delenv("BRIA_SANDBOX_ALLOWED_HOSTS", raising=False)
    app = create_app(token=TOKEN, training_seconds=0, job_seconds=0, caption_seconds=0, **options)
    with (
        run_sandbox(app=app) as url,
        httpx.Client(base_url=url, headers={"api_token": TOKEN}, timeout=30) as client,
    ):
        yield Running(url, app, client)


# -------------------------------------------------------------------------------------- fetch policy
def test_by_default_only_the_sandbox_own_port_is_fetched(
    monkeypatch: pytest.MonkeyPatch, files: Files
) -> None:
    with sandbox(monkeypatch) as sb:
        assert sb.app.options.fetch_allow == ()
        dataset = sb.dataset()
        refused = sb.upload(dataset, files.add("/a.png", png()))
        assert refused.status_code == 422 and files.requests == []  # not even a connection
        sb.app.store.put_blob("inputs/own.png", png(), "image/png")
        own = sb.upload(dataset, f"{sb.url}/_sandbox/files/inputs/own.png")
        assert own.status_code == 201, own.text
        localhost = sb.url.replace("127.0.0.1", "localhost")
        assert sb.upload(dataset, f"{localhost}/_sandbox/files/inputs/own.png").status_code == 201


def test_the_environment_can_tell_it_more(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    monkeypatch.setenv("BRIA_SANDBOX_FETCH_ALLOW", f"127.0.0.1:{files.port}")
    assert SandboxOptions().fetch_allow == (f"127.0.0.1:{files.port}",)
    assert SandboxOptions(fetch_allow=()).fetch_allow == ()  # an explicit option wins


@pytest.mark.parametrize("form", ["host:port", "host", "prefix"])
def test_fetch_allow_entries(monkeypatch: pytest.MonkeyPatch, files: Files, form: str) -> None:
    entry = {"host:port": f"127.0.0.1:{files.port}", "host": "127.0.0.1", "prefix": f"{files.origin}/ok/"}[
        form
    ]
    with sandbox(monkeypatch, fetch_allow=(entry,)) as sb:
        dataset = sb.dataset()
        assert sb.upload(dataset, files.add("/ok/a.png", png())).status_code == 201
        outside = sb.upload(dataset, files.add("/secret.png", png()))
        assert outside.status_code == (201 if form != "prefix" else 422)
        dotted = sb.upload(dataset, f"{files.origin}/ok/../secret.png")
        assert dotted.status_code == (422 if form == "prefix" else 201)
        assert "/secret.png" in files.requests or form == "prefix"
        if form == "prefix":
            assert files.requests == ["/ok/a.png"]


def test_another_loopback_address_is_not_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, files: Files, other_host: Files
) -> None:
    url = other_host.add("/a.png", png())
    with sandbox(monkeypatch, fetch_allow=("127.0.0.1",)) as sb:
        assert sb.upload(sb.dataset(), url).status_code == 422
        assert other_host.requests == []
    with sandbox(monkeypatch, fetch_allow=(f"127.0.0.2:{other_host.port}",)) as sb:
        assert sb.upload(sb.dataset(), url).status_code == 201
        assert other_host.requests == ["/a.png"]


def test_files_started_later_are_allowed_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox(monkeypatch) as sb:
        later = Files()
        try:
            url = later.add("/a.png", png())
            assert sb.upload(sb.dataset(), url).status_code == 422
            sb.app.allow_fetch(f"127.0.0.1:{later.port}")
            assert sb.upload(sb.dataset(), url).status_code == 201
        finally:
            later.close()


def test_bad_entries_are_refused_up_front() -> None:
    for entry in ("http://", "ftp://host/", "host:port", "host:0", "[::1", "a/b", "*"):
        with pytest.raises(ValueError, match="fetch_allow"):
            SandboxOptions(fetch_allow=(entry,))


# ----------------------------------------------------------------------------------------- redirects
def test_redirects_are_checked_hop_by_hop(
    monkeypatch: pytest.MonkeyPatch, files: Files, other_host: Files
) -> None:
    target = other_host.add("/a.png", png())
    files.redirects["/to-other"] = target
    files.redirects["/to-file"] = "file:///etc/passwd"
    files.redirects["/inside"] = "/ok.png"
    files.redirects["/loop"] = "/loop"
    files.add("/ok.png", png())
    with sandbox(monkeypatch, fetch_allow=(f"127.0.0.1:{files.port}",)) as sb:
        dataset = sb.dataset()
        assert sb.upload(dataset, files.origin + "/to-other").status_code == 422
        assert other_host.requests == []  # refused before the hop
        assert sb.upload(dataset, files.origin + "/to-file").status_code == 422
        assert sb.upload(dataset, files.origin + "/loop").status_code == 422
        assert files.requests.count("/loop") == fetching.MAX_REDIRECTS + 1
        assert sb.upload(dataset, files.origin + "/inside").status_code == 201
    with sandbox(monkeypatch, fetch_allow=(f"127.0.0.1:{files.port}", f"127.0.0.2:{other_host.port}")) as sb:
        assert sb.upload(sb.dataset(), files.origin + "/to-other").status_code == 201
        assert other_host.requests == ["/a.png"]


# --------------------------------------------------------------------------- fetch errors say nothing
class Silent:
    """A port that accepts connections and never answers (what a filtered port looks like, made quick)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]


class NotHttp:
    """A port whose server answers garbage and hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fetch_errors_do_not_reveal_whether_a_port_is_open(
    monkeypatch: pytest.MonkeyPatch, files: Files, other_host: Files
) -> None:
    monkeypatch.setattr(fetching, "FETCH_TIMEOUT", 0.5)
    silent, garbage, closed = Silent(), NotHttp(), _closed_port()
    files.add("/a.png", png())
    other_host.add("/a.png", png())
    targets = {
        "not allowed, open": other_host.origin + "/a.png",
        "not allowed, closed": f"http://127.0.0.2:{_closed_port()}/a.png",
        "closed": f"http://127.0.0.1:{closed}/a.png",
        "silent": f"http://127.0.0.1:{silent.port}/a.png",
        "not http": f"http://127.0.0.1:{garbage.port}/a.png",
        "404": files.origin + "/missing.png",
    }
    allow = (
        f"127.0.0.1:{closed}",
        f"127.0.0.1:{silent.port}",
        f"127.0.0.1:{garbage.port}",
        f"127.0.0.1:{files.port}",
    )
    try:
        with sandbox(monkeypatch, fetch_allow=allow) as sb:
            dataset = sb.dataset()
            answers = {name: sb.upload(dataset, url) for name, url in targets.items()}
            seen = {(r.status_code, r.content) for r in answers.values()}
            assert len(seen) == 1, {name: (r.status_code, r.text) for name, r in answers.items()}
            status, body = seen.pop()
            assert status == 422 and b"could not be fetched" in body
            for port in (closed, silent.port, garbage.port, files.port, other_host.port):
                assert str(port).encode() not in body
            # the same holds for every field the sandbox fetches
            zips, models, schema = _other_fetches(sb, targets["not allowed, open"], targets["closed"])
            assert len({(r.status_code, r.content) for r in zips}) == 1 and zips[0].status_code == 400
            assert len({(r.status_code, r.content) for r in models}) == 1 and models[0].status_code == 422
            assert len({(r.status_code, r.content) for r in schema}) == 1 and schema[0].status_code == 400
    finally:
        silent.sock.close()
        garbage.sock.close()


def _other_fetches(
    sb: Running, *urls: str
) -> tuple[list[httpx.Response], list[httpx.Response], list[httpx.Response]]:
    project = sb.client.post(
        "/v1/tailored-gen/projects",
        json={"project_name": "p", "ip_medium": "illustration", "ip_type": "icons"},
    ).json()
    zips = []
    for url in urls:
        dataset = sb.client.post(
            "/v1/tailored-gen/datasets",
            json={"project_id": project["id"], "name": "z", "upload_type": "advanced"},
        ).json()
        zips.append(
            sb.client.post(
                f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload", json={"zip_url": url}
            )
        )
    models = [
        sb.client.post(
            "/v1/tailored-gen/models/upload_model", json={"model_url": url, "project_id": project["id"]}
        )
        for url in urls
    ]
    schema = [
        sb.client.post("/v1/tailored-gen/generate_visual_schema", json={"images": [url] * 5}) for url in urls
    ]
    return zips, models, schema


def test_allowed_fetches_of_every_kind_still_work(monkeypatch: pytest.MonkeyPatch, files: Files) -> None:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(2):
            zf.writestr(f"{i}.png", png(1024))
    with sandbox(monkeypatch, fetch_allow=(f"127.0.0.1:{files.port}",)) as sb:
        project = sb.client.post(
            "/v1/tailored-gen/projects",
            json={"project_name": "p", "ip_medium": "illustration", "ip_type": "icons"},
        ).json()
        dataset = sb.client.post(
            "/v1/tailored-gen/datasets",
            json={"project_id": project["id"], "name": "z", "upload_type": "advanced"},
        ).json()
        zip_url = files.add("/a.zip", archive.getvalue())
        bulk = sb.client.post(
            f"/v1/tailored-gen/datasets/{dataset['id']}/images/bulk-upload", json={"zip_url": zip_url}
        )
        assert bulk.status_code == 202, bulk.text
        model_url = files.add("/m.safetensors", generate_safetensors("w"))
        uploaded = sb.client.post("/v1/tailored-gen/models/upload_model", json={"model_url": model_url})
        assert uploaded.status_code == 200, uploaded.text
        schema = sb.client.post(
            "/v1/tailored-gen/generate_visual_schema", json={"images": [files.add("/s.png", png())] * 5}
        )
        assert schema.status_code == 200, schema.text


# ------------------------------------------------------------------------------------ Host (rebinding)
@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io", "0.0.0.0:{port}"]
)
def test_foreign_host_headers_are_refused_everywhere(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    with sandbox(monkeypatch) as sb:
        sb.app.store.put_blob("x/y.bin", b"data")
        port = sb.url.rsplit(":", 1)[1]
        header = {"host": host.format(port=port)}
        for path in ("/v1/tailored-gen/projects", "/_sandbox/files/x/y.bin", "/_sandbox/health"):
            response = sb.client.get(path, headers=header)
            assert response.status_code == 421, (path, response.status_code)
        assert sb.client.post("/v1/tailored-gen/projects", headers=header, json={}).status_code == 421


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "127.0.0.1:9"]
)
def test_its_own_host_names_are_answered(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    with sandbox(monkeypatch) as sb:
        port = sb.url.rsplit(":", 1)[1]
        assert (
            sb.client.get("/v1/tailored-gen/projects", headers={"host": host.format(port=port)}).status_code
            == 200
        )


def test_extra_host_names_can_be_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox(
        monkeypatch, allowed_hosts=("sandbox.internal",), public_base_url="http://bria.test:8080"
    ) as sb:
        for host in ("sandbox.internal", "Sandbox.Internal:1234", "bria.test:8080"):
            assert sb.client.get("/v1/tailored-gen/projects", headers={"host": host}).status_code == 200
        assert (
            sb.client.get("/v1/tailored-gen/projects", headers={"host": "other.internal"}).status_code == 421
        )


# -------------------------------------------------------------------------------- body size and depth
def test_oversized_bodies_are_413(monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox(monkeypatch, max_body_bytes=4096) as sb:
        body = json.dumps(
            {"project_name": "x" * 5000, "ip_medium": "illustration", "ip_type": "icons"}
        ).encode()
        declared = sb.client.post("/v1/tailored-gen/projects", content=body)
        assert declared.status_code == 413 and "4096" in declared.json()["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for start in range(0, len(body), 1000):
                yield body[start : start + 1000]

        streamed = sb.client.post("/v1/tailored-gen/projects", content=chunks())
        assert streamed.status_code == 413
        small = json.dumps({"project_name": "x", "ip_medium": "illustration", "ip_type": "icons"})
        assert sb.client.post("/v1/tailored-gen/projects", content=small).status_code == 201


def test_the_default_body_limit_fits_the_largest_image(monkeypatch: pytest.MonkeyPatch) -> None:
    options = SandboxOptions(max_image_bytes=3 * 1024 * 1024)
    assert options.body_limit >= len(base64.b64encode(b"x" * options.max_image_bytes)) + 1024


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_json_is_400(monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    with sandbox(monkeypatch) as sb:
        for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth, "[" * depth):
            response = sb.client.post("/v1/tailored-gen/projects", content=nested)
            assert response.status_code == 400, (depth, response.text[:200])
            assert response.json()["errors"][0]["field_name"] == "body"
        fine = {"project_name": "x", "ip_medium": "illustration", "ip_type": "icons", "n": [[[["ok"]]]]}
        assert sb.client.post("/v1/tailored-gen/projects", json=fine).status_code in (201, 400)
        assert sb.client.get("/_sandbox/health").status_code == 200


def test_brackets_inside_strings_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox(monkeypatch, max_json_depth=4) as sb:
        name = "[{" * 500 + '\\"' + "]}" * 10
        body = '{"project_name": "' + name + '", "ip_medium": "illustration", "ip_type": "icons"}'
        assert sb.client.post("/v1/tailored-gen/projects", content=body).status_code == 201
