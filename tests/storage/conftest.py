"""Fixtures of the storage tests: S3 (moto) and GCS (gcp-storage-emulator) servers and a tiny HTTP server.

Every server listens on 127.0.0.1 with a port chosen by the OS, is started once per session and
stopped at the end. Environment variables that point clients at them are set per test with
``monkeypatch`` (restored afterwards), so nothing leaks into other test packages.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bria_tailored.plugins import reset_plugin_manager

GCS_BUCKET = "bria-test-bucket"


@pytest.fixture(autouse=True)
def fresh_plugin_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test builds the plugin manager from its own environment (and leaves none behind)."""
    monkeypatch.delenv("BRIA_DISABLE_PLUGINS", raising=False)
    reset_plugin_manager()
    yield
    reset_plugin_manager()


# --------------------------------------------------------------------------------------------- S3 (moto)
@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, tmp_path: Any) -> str:
    """Fake credentials, no profile or config files of this machine, and AWS_ENDPOINT_URL → moto."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_S3",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


@pytest.fixture
def s3_client(aws_env: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=aws_env,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A fresh, empty bucket for one test."""
    name = f"bria-test-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


# ------------------------------------------------------------------------------- GCS (gcp-storage-emulator)
@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=GCS_BUCKET)
    server._api.daemon = True  # never keep the interpreter alive if a test run is interrupted
    server.start()
    port = server._api._httpd.server_address[1]  # the emulator has no public accessor for port 0
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs_env(monkeypatch: pytest.MonkeyPatch, gcs_endpoint: str) -> str:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return gcs_endpoint


@pytest.fixture
def gcs_prefix(gcs_env: str) -> str:
    """A fresh prefix in the emulator's bucket for one test."""
    return f"gs://{GCS_BUCKET}/t-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def signing_credentials() -> Any:
    """Service-account credentials built from a locally generated RSA key: for V4 signing only, offline."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "bria-test",
        "private_key_id": "local-test-key",
        "private_key": pem,
        "client_email": "signer@bria-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return service_account.Credentials.from_service_account_info(info)


# ------------------------------------------------------------------------------- a tiny HTTP file server
@dataclass
class ServedFile:
    data: bytes
    cut_after: int | None = None  # the first full GET sends this many body bytes, then drops the connection
    ignore_range: bool = False
    etag: str | None = '"v1"'
    content_type: str = "application/octet-stream"
    cuts_left: int = 1
    change_after_cut: bool = False  # after the drop, the object changes (new ETag, new bytes)


@dataclass
class FileServer:
    base_url: str
    files: dict[str, ServedFile] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, path: str, data: bytes, **options: Any) -> str:
        self.files[path] = ServedFile(data, **options)
        return self.base_url + path


_RANGE = re.compile(r"bytes=(\d+)-$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        state: FileServer = self.server.state
        path = self.path.split("?", 1)[0]
        range_header = self.headers.get("Range")
        state.requests.append((self.path, range_header))
        served = state.files.get(path)
        if served is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data, start = served.data, 0
        match = _RANGE.match(range_header or "")
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range != served.etag:
            match = None  # RFC 9110: a failed If-Range means "send the whole, current representation"
        if match and not served.ignore_range:
            start = int(match.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", served.content_type)
        self.send_header("Accept-Ranges", "bytes")
        if served.etag:
            self.send_header("ETag", served.etag)
        self.end_headers()
        if served.cut_after is not None and served.cuts_left > 0 and start == 0:
            served.cuts_left -= 1
            if served.change_after_cut:
                served.etag = '"v2"'
                served.data = served.data[::-1]
            self.wfile.write(body[: served.cut_after])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body is what these tests are about


@pytest.fixture(scope="session")
def _http_server() -> Iterator[ThreadingHTTPServer]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def file_server(_http_server: ThreadingHTTPServer) -> FileServer:
    """A fresh set of served files (``add(path, data, cut_after=..., ignore_range=...)``) for one test."""
    host, port = _http_server.server_address[:2]
    state = FileServer(base_url=f"http://{host!s}:{port}")
    _http_server.state = state  # type: ignore[attr-defined]
    return state


# --------------------------------------------------------------------- servers in their own processes
# The conformance kit measures the memory of this process while it streams a 64 MiB object: a server
# in a thread of the same process (the fixtures above) would count its own copies. These fixtures run
# moto, the GCS emulator and Azurite as child processes instead.
AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development account key (public, documented by Microsoft; not a secret)
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _child_server(name: str, argv: list[str], port: int, log: Path) -> Iterator[str]:
    """Run ``argv`` (a server listening on 127.0.0.1:``port``) until the block ends, in the folder of
    ``log``, where its output goes."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=log.parent
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}: {log.read_text()[-2000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within 60 s") from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_process_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server in a child process."""
    port = _free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with _child_server("moto", argv, port, tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture
def moto_process_env(aws_env: str, moto_process_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``aws_env`` (fake credentials, no local AWS configuration) pointed at the child-process moto."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_process_endpoint)
    return moto_process_endpoint


@pytest.fixture
def s3_process_bucket(moto_process_env: str) -> str:
    """A fresh, empty bucket in the child-process moto."""
    import boto3

    name = f"bria-kit-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_process_env, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def gcs_process_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gcp-storage-emulator in a child process (in memory, with the bucket ``GCS_BUCKET``)."""
    port = _free_port()
    argv = [sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--in-memory", "--default-bucket", GCS_BUCKET, "--quiet"]
    with _child_server("gcp-storage-emulator", argv, port, tmp_path_factory.mktemp("gcs") / "gcs.log") as url:
        yield url


@pytest.fixture
def gcs_process_prefix(gcs_process_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh prefix in the child-process emulator's bucket (``STORAGE_EMULATOR_HOST`` set for the test)."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_process_endpoint)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return f"gs://{GCS_BUCKET}/kit-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def azurite_blob_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Azurite's Blob service (npm ``azurite``) on 127.0.0.1, in memory, for the session.

    Skipped when azurite is not installed, except under CI (``CI`` set), where ``.ci/run`` installs it.
    """
    executable = shutil.which("azurite-blob")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("azurite-blob is not on PATH: .ci/run installs it with npm install -g azurite")
        pytest.skip("azurite is not installed (npm install -g azurite)")
    port = _free_port()
    workspace = tmp_path_factory.mktemp("azurite")
    argv = [executable, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence"]
    argv += ["--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose"]
    with _child_server("azurite", argv, port, workspace / "azurite.log") as url:
        yield f"{url}/{AZURITE_ACCOUNT}"


@pytest.fixture(scope="session")
def azurite_connection_string(azurite_blob_endpoint: str) -> str:
    """A connection string for Azurite's development account (holds the key, so SAS signing works)."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={azurite_blob_endpoint};"
    )


@pytest.fixture
def azure_container(azurite_connection_string: str) -> Iterator[str]:
    """A fresh container in Azurite for one test (deleted afterwards)."""
    from azure.storage.blob import BlobServiceClient

    name = f"bria-kit-{uuid.uuid4().hex[:12]}"
    with BlobServiceClient.from_connection_string(azurite_connection_string) as service:
        service.create_container(name)
        try:
            yield name
        finally:
            service.delete_container(name)
