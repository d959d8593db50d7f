"""``bria-tailored sandbox``: serve the local emulator of the API in the foreground (Ctrl-C stops it).

It takes exactly the options of ``python -m bria_tailored.sandbox`` (``bria_tailored.sandbox.server``;
a test keeps the two in step). ``--port 0`` picks a free port and prints it.
"""

from __future__ import annotations

from typing import Annotated, TypedDict

import typer

from ._common import EXIT_ERROR, EXIT_USAGE, JsonOption, Output, handled


class _Options(TypedDict):
    """The sandbox's options this command sets (``bria_tailored.sandbox.SandboxOptions`` fields)."""

    token: str | None
    db_path: str | None
    time_scale: float
    training_seconds: float
    caption_seconds: float
    bulk_seconds: float
    job_seconds: float
    latency_ms: float
    fail_rate: float
    fail_kinds: tuple[str, ...]
    seed: int
    rate_limit: float | None
    public_base_url: str | None
    image_scale: float
    fetch_allow: tuple[str, ...] | None


# Defaults mirror ``bria_tailored.sandbox.server.build_parser`` (a test keeps them in step); they are
# written out so that building the CLI does not import the sandbox's server stack.


def sandbox(
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (0 picks a free one and prints it).")
    ] = 8787,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    token: Annotated[
        str | None, typer.Option("--token", help="Accept only this api_token (default: any non-empty one).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="SQLite file that keeps state across restarts.")
    ] = None,
    time_scale: Annotated[
        float, typer.Option("--time-scale", help="Multiplies every lifecycle duration.")
    ] = 1.0,
    training_seconds: Annotated[
        float, typer.Option("--training-seconds", help="How long training takes.")
    ] = 3.0,
    caption_seconds: Annotated[
        float, typer.Option("--caption-seconds", help="Caption regeneration time.")
    ] = 0.5,
    bulk_seconds: Annotated[float, typer.Option("--bulk-seconds", help="Bulk upload processing time.")] = 1.0,
    job_seconds: Annotated[float, typer.Option("--job-seconds", help="Generation job time.")] = 0.3,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Added latency per request.")] = 0.0,
    fail_rate: Annotated[float, typer.Option("--fail-rate", help="Share of requests that fail (0-1).")] = 0.0,
    fail_kinds: Annotated[
        str, typer.Option("--fail-kinds", help="Injected faults, comma-separated: 429,500,503,drop.")
    ] = "429,500,503,drop",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fault injection.")] = 0,
    rate_limit: Annotated[
        float | None,
        typer.Option(
            "--rate-limit",
            help="Requests per minute per api_token; past it: 429 with Retry-After (status polls count).",
            show_default=False,
        ),
    ] = None,
    public_base_url: Annotated[
        str | None, typer.Option("--public-base-url", help="Base URL written into file links.")
    ] = None,
    image_scale: Annotated[float, typer.Option("--image-scale", help="Output image size factor.")] = 0.5,
    fetch_allow: Annotated[
        str | None,
        typer.Option(
            "--fetch-allow",
            help="Comma-separated places the sandbox may fetch from besides its own port: host, host:port or "
            "URL prefix (default: $BRIA_SANDBOX_FETCH_ALLOW).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Run the local sandbox of the API (no token, no network); point clients at the printed URL."""
    out = Output(json_output)
    if rate_limit is not None and not 0 < rate_limit < float("inf"):
        out.fail(f"--rate-limit must be a number of requests per minute > 0, got {rate_limit:g}", EXIT_USAGE)
    options: _Options = {
        "token": token,
        "db_path": db,
        "time_scale": time_scale,
        "training_seconds": training_seconds,
        "caption_seconds": caption_seconds,
        "bulk_seconds": bulk_seconds,
        "job_seconds": job_seconds,
        "latency_ms": latency_ms,
        "fail_rate": fail_rate,
        "fail_kinds": tuple(k.strip() for k in fail_kinds.split(",") if k.strip()),
        "seed": seed,
        "rate_limit": rate_limit,
        "public_base_url": public_base_url,
        "image_scale": image_scale,
        "fetch_allow": None
        if fetch_allow is None
        else tuple(item.strip() for item in fetch_allow.split(",") if item.strip()),
    }
    with handled(out):
        try:
            from ..sandbox import serve_forever
            from ..sandbox.server import port_in_use_message, serve_json
        except ImportError as exc:
            out.fail(f"the sandbox needs its extra: pip install 'bria-tailored[sandbox]' ({exc})", 1)
        try:
            (serve_json if json_output else serve_forever)(port=port, host=host, **options)
        except KeyboardInterrupt:
            out.note("sandbox stopped")
        except OSError as exc:
            message = port_in_use_message(exc, host, port)
            if message is None:
                raise
            out.fail(message, EXIT_ERROR)
