"""Suite-wide test configuration: pytest-recording (VCR cassettes) and the ``live`` marker.

Only tests marked ``@pytest.mark.vcr`` (the ``tests/test_cassettes_*.py`` modules) use cassettes; every
other test folder keeps its own fixtures and its loopback servers. What is configured here, once:

- ``vcr_config``: cassettes replay with ``record_mode=none`` (pytest-recording's default unless
  ``--record-mode`` is given), so a missing cassette or an unrecorded request fails instead of reaching the
  network; requests match on method, URL (scheme, host, port, path, query) and body. At record time the
  loopback host of the sandbox becomes ``https://engine.prod.bria-api.com`` (in URLs, request bodies and
  response bodies such as ``status_url`` and ``image_url``), the ``api_token`` header becomes a
  placeholder, ``Authorization`` and presigned-URL signatures are redacted, random request ids are mapped
  to stable ones, and volatile response headers are dropped.
- Network blocking: with ``--block-network`` (or the ``block_network`` mark) cassette tests may reach no
  host at all while replaying; other tests may reach loopback only (sandbox, moto, GCS emulator).
- ``bria_target``: where a cassette test points the client: ``https://engine.prod.bria-api.com`` when
  replaying; while recording (``--record-mode`` other than ``none``) a fresh sandbox per test when
  ``BRIA_RECORD_TARGET=sandbox`` (what ``scripts/record_cassettes.py`` sets), or Bria's live API for tests
  marked ``live``.
- ``live`` tests are skipped unless ``BRIA_API_TOKEN`` is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

PROD_URL = "https://engine.prod.bria-api.com"
FILES_URL = "https://files.example.com"  # where test inputs (zips, weights) "live" in the cassettes
TOKEN_PLACEHOLDER = "<BRIA_API_TOKEN>"
REDACTED = "<REDACTED>"
RECORD_TARGET_ENV = "BRIA_RECORD_TARGET"
LOOPBACK_HOSTS = [r"^127\.0\.0\.1$", r"^localhost$", r"^::1$"]

_LOOPBACK_ORIGIN = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\]):\d+")
_SIGNATURE = re.compile(
    r"((?:X-Amz-Signature|X-Goog-Signature|X-Amz-Security-Token|X-Amz-Credential|X-Goog-Credential"
    r"|Signature|sig)=)[^&\"'\s<>]+",
    re.IGNORECASE,
)
_UUID4_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{12}4[0-9a-f]{19}(?![0-9A-Za-z])")
_ID_NAMESPACE = uuid.UUID("6f1c2b1e-8d0a-5c4e-9b7a-3e2d1c0b9a88")
_DROPPED_RESPONSE_HEADERS = {"date", "server", "set-cookie", "x-amz-request-id", "x-amz-id-2"}
_TEXT_TYPES = ("json", "text", "xml", "javascript", "x-www-form-urlencoded")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's workers ignore SIGINT, and every process they start inherits that: the sandboxes and
    # the CLI the tests start must take Ctrl-C as they do under a user's terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        with contextlib.suppress(ValueError):  # not the main thread: nothing to restore
            signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("live") is not None and not os.environ.get("BRIA_API_TOKEN"):
        pytest.skip("live test: set BRIA_API_TOKEN to run it against Bria's API")


@pytest.fixture(scope="session", autouse=True)
def sandbox_fetches_from_loopback_helpers() -> Iterator[None]:
    """A sandbox fetches only from its own port unless told more; the suite's sandboxes fetch inputs from
    helper servers on 127.0.0.1 started after them (``host_files``, moto, file servers), so they may fetch
    from any port of 127.0.0.1 (tests/security/test_sandbox_safety.py checks the default)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("BRIA_SANDBOX_FETCH_ALLOW", "127.0.0.1")
    yield
    patch.undo()


# --------------------------------------------------------------------------------------------- scrubbing
@dataclass
class CassetteScrubber:
    """Rewrites what is recorded so cassettes read as production traffic and hold no secret.

    Every rewrite is idempotent: vcrpy also runs these hooks on incoming requests while replaying and on
    interactions it loads from a cassette.
    """

    name: str
    token: str | None = None
    origins: dict[str, str] = field(default_factory=dict)  # loopback origin -> public origin
    ids: dict[str, str] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> CassetteScrubber:
        return self  # pytest-recording deep-copies vcr_config; the fixtures must keep sharing this one

    def text(self, value: str) -> str:
        for origin, public in self.origins.items():
            value = value.replace(origin, public)
        value = _LOOPBACK_ORIGIN.sub(PROD_URL, value)
        value = _SIGNATURE.sub(r"\1" + REDACTED, value)
        if self.token and len(self.token) >= 8:
            value = value.replace(self.token, TOKEN_PLACEHOLDER)
        # Random (uuid4) request ids and file names become stable uuid5 ids, numbered by first appearance.
        return _UUID4_HEX.sub(self._stable_id, value)

    def _stable_id(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if found not in self.ids:
            self.ids[found] = uuid.uuid5(_ID_NAMESPACE, f"{self.name}#{len(self.ids) + 1}").hex
        return self.ids[found]

    def _body(self, body: Any) -> Any:
        if not body:
            return body
        raw = body if isinstance(body, bytes) else str(body).encode()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return body
        return self.text(text).encode()

    def request(self, request: Any) -> Any:
        request.uri = self.text(request.uri)
        request.body = self._body(request.body)
        for name in list(request.headers):
            if name.lower() == "host":
                request.headers[name] = request.host
            elif name.lower() == "content-length" and request.body is not None:
                request.headers[name] = str(len(request.body))
            elif name.lower() in ("api_token", "api-token"):
                request.headers[name] = TOKEN_PLACEHOLDER
            elif name.lower() in ("authorization", "proxy-authorization", "cookie", "x-api-key"):
                request.headers[name] = REDACTED
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in _DROPPED_RESPONSE_HEADERS:
                del headers[name]
        content_type = next((v[0] for k, v in headers.items() if k.lower() == "content-type" and v), "")
        body = response.get("body", {}).get("string")
        if body and any(kind in content_type.lower() for kind in _TEXT_TYPES):
            new = self._body(body)
            response["body"]["string"] = new
            for name in headers:
                if name.lower() == "content-length":
                    headers[name] = [str(len(new))]
        for name, values in headers.items():
            if name.lower() == "location":
                headers[name] = [self.text(v) for v in values]
        return response


@pytest.fixture
def cassette_scrubber(request: pytest.FixtureRequest) -> CassetteScrubber:
    return CassetteScrubber(name=request.node.nodeid, token=os.environ.get("BRIA_API_TOKEN"))


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest, cassette_scrubber: CassetteScrubber) -> dict[str, Any]:
    """pytest-recording's configuration for every cassette test (``record_mode`` comes from the CLI)."""
    uses_cassette = request.node.get_closest_marker("vcr") is not None
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "filter_headers": [("api_token", TOKEN_PLACEHOLDER), ("authorization", REDACTED)],
        "before_record_request": cassette_scrubber.request,
        "before_record_response": cassette_scrubber.response,
        "decode_compressed_response": True,
        # Used by --block-network / @pytest.mark.block_network: a replaying cassette test reaches nothing,
        # any other test only loopback (the sandbox and the storage emulators).
        "allowed_hosts": [r"(?!)"] if uses_cassette else LOOPBACK_HOSTS,
    }


# ------------------------------------------------------------------------------------------ the target
@dataclass
class BriaTarget:
    """Where a cassette test sends its requests, and the requests its clients sent."""

    base_url: str
    token: str
    mode: str  # "replay", "sandbox" or "live"
    scrubber: CassetteScrubber
    sent: list[httpx.Request] = field(default_factory=list)
    _servers: list[ThreadingHTTPServer] = field(default_factory=list)

    @property
    def recording(self) -> bool:
        return self.mode != "replay"

    def client(self, **kwargs: Any) -> Any:
        from bria_tailored import TailoredClient

        http = httpx.Client(timeout=60.0, event_hooks={"request": [self.sent.append]})
        return TailoredClient(self.token, base_url=self.base_url, http_client=http, **kwargs)

    def async_client(self, **kwargs: Any) -> Any:
        from bria_tailored import AsyncTailoredClient

        async def keep(request: httpx.Request) -> None:
            self.sent.append(request)

        http = httpx.AsyncClient(timeout=60.0, event_hooks={"request": [keep]})
        return AsyncTailoredClient(self.token, base_url=self.base_url, http_client=http, **kwargs)

    def host_files(self, files: dict[str, bytes]) -> str:
        """Serve ``files`` for the API to fetch; returns their base URL (``FILES_URL`` in cassettes)."""
        if self.mode != "sandbox":
            return FILES_URL
        server = _serve_files(files)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        self.scrubber.origins = {origin: FILES_URL, **self.scrubber.origins}
        self._servers.append(server)
        return origin

    def requests(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.sent if r.method == method and r.url.path == path]

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def _serve_files(files: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            data = files.get(self.path.lstrip("/").split("?", 1)[0])
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


_SANDBOX_DEFAULTS: dict[str, Any] = {
    "training_seconds": 0.3,
    "caption_seconds": 0.1,
    "job_seconds": 0.1,
    "bulk_seconds": 0.3,
    "sync_seconds": 0.1,
    "stop_seconds": 0.1,
    "image_scale": 0.1,
    "retry_after": 0,
    "seed": 7,
}
_SANDBOX_MAIN = (
    "import json, sys\n"
    "from bria_tailored.sandbox import serve_forever\n"
    "serve_forever(port=0, log_level='warning', **json.loads(sys.argv[1]))\n"
)


def _start_sandbox(options: dict[str, Any]) -> tuple[subprocess.Popen[str], str]:
    """A fresh sandbox in its own process (so its own fetches are not recorded); returns its URL."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-c", _SANDBOX_MAIN, json.dumps({**_SANDBOX_DEFAULTS, **options})],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    return process, match.group(1)


@pytest.fixture
def bria_target(
    request: pytest.FixtureRequest, record_mode: str, cassette_scrubber: CassetteScrubber
) -> Iterator[BriaTarget]:
    """The API a cassette test talks to: production host names when replaying, the sandbox or live API
    while recording (see the module docstring)."""
    live = request.node.get_closest_marker("live") is not None
    if record_mode == "none":
        if live:
            cassette = os.path.join(
                request.getfixturevalue("vcr_cassette_dir"),
                request.getfixturevalue("default_cassette_name") + ".yaml",
            )
            if not os.path.exists(cassette):
                pytest.skip("live test without a cassette: record it with --record-mode=rewrite")
        target = BriaTarget(PROD_URL, TOKEN_PLACEHOLDER, "replay", cassette_scrubber)
        yield target
        return
    if live:
        token = os.environ["BRIA_API_TOKEN"]  # live tests are skipped without it
        base_url = os.environ.get("BRIA_BASE_URL", PROD_URL)
        target = BriaTarget(base_url, token, "live", cassette_scrubber)
        yield target
        target.close()
        return
    if os.environ.get(RECORD_TARGET_ENV) != "sandbox":
        pytest.fail(
            f"recording {request.node.nodeid} needs {RECORD_TARGET_ENV}=sandbox: "
            "re-record with `python scripts/record_cassettes.py` (live tests: mark them `live`)"
        )
    marker = request.node.get_closest_marker("sandbox_options")
    process, url = _start_sandbox(dict(marker.kwargs) if marker else {})
    cassette_scrubber.origins[url] = PROD_URL
    target = BriaTarget(url, "sandbox-token", "sandbox", cassette_scrubber)
    try:
        yield target
    finally:
        target.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stdout is not None:
            process.stdout.close()
