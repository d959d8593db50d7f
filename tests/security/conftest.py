"""Fixtures of the security tests: a hostile HTTP server on loopback (plain and TLS), and the sandbox.

:class:`HostileServer` is a tiny threaded HTTP server on 127.0.0.1 (port chosen by the OS) whose routes
misbehave on purpose: they trickle bytes, stall after the headers, announce a Content-Length they do not
keep, send no length at all, cut the connection, redirect anywhere (``file://``, ``s3://``, another
scheme or host) or answer JSON like the API would. It records every request it gets. Every response
closes its connection, every handler thread is a daemon and stops trickling when the test ends, so a
misbehaving route never outlives its test.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bria_tailored.plugins import reset_plugin_manager
from bria_tailored.sandbox import run_sandbox


@pytest.fixture(autouse=True)
def fresh_plugin_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test builds the plugin manager from its own environment (and leaves none behind)."""
    monkeypatch.delenv("BRIA_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("BRIA_BASE_URL", raising=False)
    reset_plugin_manager()
    yield
    reset_plugin_manager()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[str]:
    """A fast sandbox (on 127.0.0.1) shared by the security tests that need a real API."""
    with run_sandbox(training_seconds=0.3, caption_seconds=0.1, job_seconds=0.1, bulk_seconds=0.2) as url:
        yield url


# ------------------------------------------------------------------------------- the hostile server
@dataclass
class Route:
    """How the server answers one path.

    ``length``: ``"auto"`` announces the true length; ``None`` announces none (the body ends when the
    connection closes); an ``int`` is announced whatever the body is (a lie when it differs).
    ``cut_after`` sends that many body bytes, then drops the connection. ``trickle`` sends ``piece``
    bytes every ``trickle`` seconds; ``stall`` waits that long after the headers before any byte.
    ``location`` answers a redirect (``status`` 302 unless given) to any URL, whatever its scheme.
    """

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    length: int | str | None = "auto"
    cut_after: int | None = None
    trickle: float = 0.0
    piece: int = 1
    stall: float = 0.0
    location: str | None = None


@dataclass
class HostileServer:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict[str, Route])
    requests: list[tuple[str, str, dict[str, str]]] = field(
        default_factory=list[tuple[str, str, dict[str, str]]]
    )
    stopping: threading.Event = field(default_factory=threading.Event)

    def route(self, path: str, body: bytes = b"", **options: Any) -> str:
        """Serve ``path`` as described by :class:`Route` options; return its absolute URL."""
        self.routes[path] = Route(body, **options)
        return self.base_url + path

    def json(self, path: str, document: object, status: int = 200) -> str:
        """Serve ``path`` as a JSON document, like the API."""
        return self.route(path, json.dumps(document).encode(), status=status, content_type="application/json")

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p.split("?", 1)[0] == path)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer()

    def _answer(self) -> None:
        state: HostileServer = self.server.state
        path = self.path.split("?", 1)[0]
        state.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = state.routes.get(path)
        if route is None:
            route = Route(b'{"message": "not found"}', status=404, content_type="application/json")
        try:
            self._send(state, route)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the client went away: what a hostile server may well cause

    def _send(self, state: HostileServer, route: Route) -> None:
        status = route.status if route.location is None or route.status != 200 else 302
        self.send_response(status)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", route.content_type)
        if route.location is not None:
            self.send_header("Location", route.location)
        if route.length == "auto":
            self.send_header("Content-Length", str(len(route.body)))
        elif isinstance(route.length, int):
            self.send_header("Content-Length", str(route.length))
        self.end_headers()
        self.wfile.flush()
        if not _pause(state, route.stall):
            return
        body = route.body if route.cut_after is None else route.body[: route.cut_after]
        if not route.trickle:
            self.wfile.write(body)
            self.wfile.flush()
        else:
            for start in range(0, len(body), route.piece):
                self.wfile.write(body[start : start + route.piece])
                self.wfile.flush()
                if not _pause(state, route.trickle):
                    return
        self.close_connection = True


def _pause(state: HostileServer, seconds: float) -> bool:
    """Sleep ``seconds`` unless the test ends first (then False)."""
    return not state.stopping.wait(seconds) if seconds > 0 else not state.stopping.is_set()


def _serve(context: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    scheme = "http"
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    state = HostileServer(f"{scheme}://127.0.0.1:{httpd.server_address[1]}")
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A hostile plain-HTTP server on 127.0.0.1."""
    yield from _serve()


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1: ``server`` serves with it, ``client`` trusts it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return Certificate(server, client)


@pytest.fixture
def hostile_tls(certificate: Certificate) -> Iterator[HostileServer]:
    """A hostile HTTPS server on 127.0.0.1 (trust it with ``certificate.client``)."""
    yield from _serve(certificate.server)
