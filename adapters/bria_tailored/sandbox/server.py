"""Running the sandbox: in-process for tests (``run_sandbox``) and in the foreground for the CLI.

``run_sandbox(**options)`` binds 127.0.0.1 on a free port, serves the app with uvicorn in a daemon
thread and yields the base URL; it works as ``with`` and ``async with`` and stops the server (and
closes the SQLite file) on exit. ``serve_forever(port=..., **options)`` is what
``bria-tailored sandbox`` calls (``serve_json`` with ``--json``); ``main(argv)``
(``python -m bria_tailored.sandbox``) is a stand-alone entry point with the same options.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import math
import socket
import sys
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Unpack

import uvicorn

from .app import SandboxApp, create_app
from .options import (
    ALLOWED_HOSTS_ENV,
    FETCH_ALLOW_ENV,
    SandboxOptions,
    SandboxOptionsKwargs,
    check_loopback,
)
from .requestlog import RequestLog

__all__ = ["SandboxServer", "main", "port_in_use_message", "run_sandbox", "serve_forever", "serve_json"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it small responses wait ~40 ms on delayed ACKs
    # (asyncio only sets TCP_NODELAY itself for sockets it creates).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class SandboxServer:
    """A sandbox served by uvicorn in a background thread. Use ``run_sandbox`` to make one."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app: SandboxApp | None = None,
        log_level: str = "warning",
        **options: Unpack[SandboxOptionsKwargs],
    ) -> None:
        self.host = check_loopback(host)
        self.port: int = port
        self.app = app if app is not None else create_app(**options)
        self.log_level = log_level
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def options(self) -> SandboxOptions:
        return self.app.options

    @property
    def request_log(self) -> RequestLog:
        """The requests the sandbox answered (``GET /_sandbox/requests`` in process)."""
        return self.app.request_log

    def allow_fetch(self, *entries: str) -> None:
        """Let the sandbox fetch from more places (see :meth:`SandboxApp.allow_fetch`)."""
        self.app.allow_fetch(*entries)

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; returns the base URL (``http://127.0.0.1:PORT``)."""
        if self._thread is not None:
            return self.base_url
        self._socket = _bind(self.host, self.port)
        self.port = int(self._socket.getsockname()[1])
        self.base_url = _url(self.host, self.port)
        config = uvicorn.Config(
            self.app, log_level=self.log_level, lifespan="off", access_log=False, timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"bria-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server thread exited during startup")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the sandbox server did not start in time")
            time.sleep(0.01)
        return self.base_url

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and release the port and the store."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server, self._thread, self._socket = None, None, None
        self.app.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> str:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    app: SandboxApp | None = None,
    **options: Unpack[SandboxOptionsKwargs],
) -> SandboxServer:
    """A sandbox on loopback: ``with run_sandbox(training_seconds=1) as base_url: ...`` (or ``async with``).

    Keyword arguments are :class:`SandboxOptions` fields; ``port=0`` picks a free port; ``app`` serves
    an app made earlier by :func:`create_app` (to keep a handle on its state).
    """
    return SandboxServer(host=host, port=port, app=app, **options)


def serve_forever(
    port: int = 8787,
    host: str = "127.0.0.1",
    *,
    log_level: str = "info",
    **options: Unpack[SandboxOptionsKwargs],
) -> None:
    """Serve a sandbox in the foreground until interrupted (Ctrl-C); prints the base URL first."""
    check_loopback(host)
    app = create_app(**options)
    sock = _bind(host, port)
    base_url = _url(host, sock.getsockname()[1])
    print(f"Bria Tailored Generation sandbox listening on {base_url}", flush=True)
    print(
        f"  export BRIA_BASE_URL={base_url}  (any non-empty BRIA_API_TOKEN works"
        f"{'' if app.options.token is None else ' only if it matches --token'})",
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.close()


def serve_json(port: int = 8787, host: str = "127.0.0.1", **options: Unpack[SandboxOptionsKwargs]) -> None:
    """Serve a sandbox until interrupted (Ctrl-C), announcing it as one JSON document on stdout
    (``{"base_url", "host", "port"}``) and nothing else; notes go to stderr."""
    with run_sandbox(host=host, port=port, **options) as base_url:
        chosen = int(base_url.rsplit(":", 1)[1])
        sys.stdout.write(json.dumps({"base_url": base_url, "host": host, "port": chosen}) + "\n")
        sys.stdout.flush()
        print(f"sandbox listening on {base_url} (Ctrl-C stops it)", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)


def port_in_use_message(exc: OSError, host: str, port: int) -> str | None:
    """A clear message when the port is taken (another sandbox?); ``None`` for other errors."""
    if exc.errno != errno.EADDRINUSE:
        return None
    return (
        f"{host}:{port} is already in use (another sandbox?): pick another --port, or --port 0 for a free "
        "one (the chosen port is printed)"
    )


EPILOG = f"""\
safe on a laptop:
  The sandbox binds to loopback only and answers only Host names that are loopback addresses or
  localhost (421 otherwise: DNS rebinding). Bodies over the size limit get 413, JSON nested too deep 400.
  It fetches the URLs requests name (image_url, zip_url, model_url, a video's image) only from its own
  port, unless told about more places:

    {FETCH_ALLOW_ENV}=127.0.0.1:9000,files.example.com,https://bucket.s3.amazonaws.com/staging/

  Entries: host (any port), host:port ([::1]:port) or a URL prefix. Redirects are checked hop by hop.
  A URL it may not fetch is answered exactly like one that does not answer, so the sandbox tells
  nobody which ports are open. Webhooks (webhook_url on generation requests, signed like Bria's) go to
  loopback URLs or to those entries. {ALLOWED_HOSTS_ENV}=name,... accepts more Host names
  (e.g. a container or proxy name).

for tests and benchmarks:
  GET /_sandbox/requests (no token) lists the requests that reached the sandbox: {{"requests": [{{"t",
  "method", "path", "operation", "status", "token"}}, ...], "dropped": N}}, where token is the first 16
  hex digits of the api_token's SHA-256 and status 0 a dropped connection; ?since=T returns the entries
  after time T, ?operation=ID those of one operation.
"""

#: ``--rate-limit``'s help (``bria-tailored sandbox`` says the same; a test keeps the flags in step).
RATE_LIMIT_HELP = "requests per minute per api_token; past it: 429 with Retry-After (status polls count)"


def rate_limit_arg(value: str) -> float:
    """``--rate-limit``'s value: a number of requests per minute, > 0."""
    try:
        rpm = float(value)
    except ValueError:
        rpm = math.nan
    if not rpm > 0 or math.isinf(rpm):
        raise argparse.ArgumentTypeError(f"must be a number of requests per minute > 0, got {value!r}")
    return rpm


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bria-tailored-sandbox",
        description="A local, stateful emulator of Bria's Tailored Generation API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (0 picks a free one; default 8787)")
    parser.add_argument("--token", default=None, help="require exactly this api_token")
    parser.add_argument(
        "--db", dest="db_path", default=None, help="SQLite file that keeps state across restarts"
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every lifecycle duration")
    parser.add_argument("--training-seconds", type=float, default=3.0)
    parser.add_argument("--caption-seconds", type=float, default=0.5)
    parser.add_argument("--bulk-seconds", type=float, default=1.0)
    parser.add_argument("--job-seconds", type=float, default=0.3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--fail-kinds", default="429,500,503,drop", help="comma-separated: 429,500,503,drop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rate-limit", type=rate_limit_arg, default=None, metavar="RPM", help=RATE_LIMIT_HELP
    )
    parser.add_argument("--public-base-url", default=None)
    parser.add_argument("--image-scale", type=float, default=0.5)
    parser.add_argument(
        "--fetch-allow",
        default=None,
        help=f"comma-separated places the sandbox may fetch from besides its own port (default: ${FETCH_ALLOW_ENV})",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False,
        help='print {"base_url", "host", "port"} as one JSON line on stdout once listening (notes on stderr)',
    )
    return parser


def options_from_args(args: argparse.Namespace) -> SandboxOptionsKwargs:
    """The ``SandboxOptions`` keyword arguments given by parsed command-line arguments."""
    return {
        "token": args.token,
        "db_path": args.db_path,
        "time_scale": args.time_scale,
        "training_seconds": args.training_seconds,
        "caption_seconds": args.caption_seconds,
        "bulk_seconds": args.bulk_seconds,
        "job_seconds": args.job_seconds,
        "latency_ms": args.latency_ms,
        "fail_rate": args.fail_rate,
        "fail_kinds": tuple(kind.strip() for kind in str(args.fail_kinds).split(",") if kind.strip()),
        "seed": args.seed,
        "rate_limit": args.rate_limit,
        "public_base_url": args.public_base_url,
        "image_scale": args.image_scale,
        "fetch_allow": split_list(args.fetch_allow),
    }


def split_list(value: str | None) -> tuple[str, ...] | None:
    """``"a, b"`` → ``("a", "b")``; ``None`` stays ``None`` (the option's environment variable applies)."""
    if value is None:
        return None
    return tuple(item.strip() for item in value.split(",") if item.strip())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bria_tailored.sandbox [--port N] [--json] [options]``: 0 when stopped with Ctrl-C, 2 for
    a bad option, 1 when the port is taken."""
    args = build_parser().parse_args(argv)
    try:
        options = options_from_args(args)
        if args.json:
            serve_json(port=args.port, host=args.host, **options)
        else:
            serve_forever(port=args.port, host=args.host, **options)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {port_in_use_message(exc, args.host, args.port) or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
