"""The ASGI application: every operation of the spec routed to its handler, behind one pipeline.

Every request, on every route: the ``Host`` check (421 for a name that is not the sandbox's: DNS
rebinding; see ``guards.py``). Pipeline of an API request: fault injection (``fail_rate``/``latency_ms``;
only statuses the operation documents) → ``api_token`` check (401) → lifecycle settling (the accelerated
clock) → the body, read up to ``max_body_bytes`` (413) and checked for nesting depth (400) → parameter
and body validation against the spec (400 ``{"errors": [...]}``; an operation's preparer may first adjust
the parsed body) → the operation's handler → JSON. File downloads (``/_sandbox/files/...``) skip
authentication and, unless ``fault_downloads`` is set, faults. ``/_sandbox/health`` answers ``ok``.

Every request outside ``/_sandbox/`` is recorded in the request log as its answer starts, before the client
can see it, or as its connection is dropped (``requestlog.py``);
``GET /_sandbox/requests`` reads it (``?since=T``, ``?operation=ID``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Unpack

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError
from .faults import DROPPED_KEY, ON_DROP_KEY, RAW_SEND_KEY, FaultInjector, RateLimit, drop_connection
from .files import FILES_PREFIX, serve_file
from .guards import HostGuard, check_json_depth, host_header, read_body
from .handlers import HANDLERS, PREPARERS, Call, Handler
from .handlers.base import JSONBody
from .json_types import JSON
from .options import SandboxOptions, SandboxOptionsKwargs
from .requestlog import OPERATION_KEY, RequestLog, api_token_of
from .service import Sandbox
from .spec import Operation, Spec, load_spec
from .state import Store
from .validation import validate_body, validate_params

__all__ = ["SandboxApp", "create_app"]

log = logging.getLogger("bria_tailored.sandbox")

#: Paths of the sandbox's own endpoints (health, files, the request log): never in the request log.
SANDBOX_PREFIX = "/_sandbox/"

FAULT_BODIES = {
    "429": {"message": "Request limit exceeded (sandbox fault injection). Retry later."},
    "500": {"message": "Internal server error (sandbox fault injection)."},
    "503": {"message": "Service unavailable (sandbox fault injection)."},
}


class SandboxApp:
    """The sandbox as an ASGI app; ``.sandbox`` holds the state, ``.spec`` the served spec and
    ``.request_log`` (a :class:`RequestLog`) the requests it answered."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.spec: Spec = load_spec(options.spec_path)
        self.store = Store(options.db_path)
        self.sandbox = Sandbox(options, self.store)
        self.faults = FaultInjector(options)
        self.rate_limit = RateLimit(options)
        self.hosts = HostGuard(options)
        self.request_log = RequestLog(options.request_log_size)
        missing = sorted(op.operation_id for op in self.spec if op.operation_id not in HANDLERS)
        if missing:
            log.warning("sandbox: no handler for %s (answered with 501)", ", ".join(missing))
        routes = [Route(op.path, self._endpoint(op), methods=[op.method]) for op in self.spec]
        routes.append(Route(FILES_PREFIX + "{key:path}", _RawEndpoint(self._files), methods=["GET", "HEAD"]))
        routes.append(Route("/_sandbox/health", self._health, methods=["GET"]))
        routes.append(Route("/_sandbox/requests", self._requests, methods=["GET"]))
        self.starlette = Starlette(routes=routes, exception_handlers={HTTPException: self._http_error})
        # Bria does not redirect "/path/" to "/path"; an unknown path is a JSON 404 like any other.
        self.starlette.router.redirect_slashes = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.starlette(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(SANDBOX_PREFIX):
            await self._serve(scope, receive, send)
            return
        # Recorded as the answer starts (before the client can see it) or as the connection is dropped;
        # a request that ends with neither is recorded with status 0 at the end.
        recorded = False

        def note(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                operation = scope.get(OPERATION_KEY)
                token = api_token_of(scope.get("headers", []))
                self.request_log.record(scope["method"], path, operation, status, token)

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                note(0 if scope.get(DROPPED_KEY) else message["status"])
            await send(message)

        scope[ON_DROP_KEY] = lambda: note(0)
        try:
            await self._serve(scope, receive, send_and_note, raw_send=send)
        finally:
            note(0)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, raw_send: Send | None = None) -> None:
        if not self.hosts.allows(host_header(scope.get("headers", []))):
            body = {"message": "Misdirected request: this sandbox does not answer for that Host"}
            await JSONResponse(body, status_code=421)(scope, receive, send)
            return
        self.sandbox.fetcher.policy.saw_server(scope.get("server"))
        scope[RAW_SEND_KEY] = send if raw_send is None else raw_send
        await self.starlette(scope, receive, send)

    def allow_fetch(self, *entries: str) -> None:
        """Let the sandbox fetch from more places from now on (``host``, ``host:port`` or a URL prefix, as
        in ``fetch_allow``): for a file server started after the sandbox."""
        self.sandbox.fetcher.allow(*entries)

    def close(self) -> None:
        self.store.close()

    # --- routes ----------------------------------------------------------------------------------

    async def _files(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.options.fault_downloads:
            await self.faults.delay()
            kind = self.faults.decide()
            if kind is not None:
                await self._fault(scope, send, kind)
                return
        await serve_file(scope, receive, send, self.store, self.faults)

    async def _fault(self, scope: Scope, send: Send, kind: str) -> None:
        if kind == "drop":
            await drop_connection(scope)
            return
        headers = {"Retry-After": str(self.options.retry_after)} if kind == "429" else {}
        await JSONResponse(FAULT_BODIES[kind], status_code=int(kind), headers=headers)(
            scope, _noop_receive, send
        )

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "operations": len(self.spec.operations)})

    async def _requests(self, request: Request) -> Response:
        query = request.query_params
        unknown = sorted(set(query) - {"since", "operation"})
        if unknown:
            message = f"unknown query parameter(s): {', '.join(unknown)} (known: since, operation)"
            return JSONResponse({"message": message}, status_code=400)
        since: float | None = None
        if "since" in query:
            try:
                since = float(query["since"])
            except ValueError:
                since = math.nan
            if not math.isfinite(since):
                message = f"since must be a time in epoch seconds, got {query['since']!r}"
                return JSONResponse({"message": message}, status_code=400)
        operations = query.getlist("operation")
        entries, dropped = self.request_log.read(since, operations or None)
        return JSONResponse({"requests": entries, "dropped": dropped})

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status, detail = (exc.status_code, exc.detail) if isinstance(exc, HTTPException) else (500, "error")
        text = {404: "Not found", 405: "Method not allowed"}.get(status, str(detail))
        return JSONResponse({"message": text}, status_code=status)

    def base_url(self, request: Request) -> str:
        if self.options.public_base_url:
            return self.options.public_base_url
        return str(request.base_url).rstrip("/")

    def _endpoint(self, op: Operation) -> Callable[[Request], Awaitable[Response]]:
        handler = HANDLERS.get(op.operation_id)

        async def endpoint(request: Request) -> Response:
            request.scope[OPERATION_KEY] = op.operation_id
            await self.faults.delay()
            kind = self.faults.decide(op.documents)
            if kind is not None:
                if kind == "drop":
                    await drop_connection(request.scope)
                    return Response(status_code=500)
                headers = {"Retry-After": str(self.options.retry_after)} if kind == "429" else {}
                return JSONResponse(FAULT_BODIES[kind], status_code=int(kind), headers=headers)
            token = request.headers.get("api_token")
            if not token:
                return JSONResponse(
                    {"message": "Unauthorized: the api_token header is missing"}, status_code=401
                )
            if self.options.token is not None and token != self.options.token:
                return JSONResponse({"message": "Unauthorized: invalid api_token"}, status_code=401)
            wait = self.rate_limit.admit(token)
            if wait is not None:
                body = {
                    "message": f"Request limit exceeded ({self.options.rate_limit:g} per minute). Retry later."
                }
                return JSONResponse(body, status_code=429, headers={"Retry-After": str(wait)})
            if handler is None:
                return JSONResponse(
                    {"message": f"{op.operation_id} is not implemented by the sandbox"}, status_code=501
                )
            try:
                return await self._handle(op, handler, request)
            except ApiError as exc:
                return _json(exc.status, exc.body, exc.headers)
            except Exception:
                log.exception("sandbox: %s failed", op.operation_id)
                return _json(500, {"message": f"sandbox internal error in {op.operation_id}"})

        endpoint.__name__ = op.operation_id.replace("-", "_")
        return endpoint

    async def _handle(self, op: Operation, handler: Handler[JSON], request: Request) -> Response:
        now = self.sandbox.now()
        self.sandbox.lifecycle.settle(now)
        params, errors = validate_params(op, dict(request.path_params), dict(request.query_params))
        raw = await read_body(request, self.options.body_limit) if op.body_schema is not None else b""
        if op.operation_id == "start-training" and not raw.strip():
            raw = b"{}"
        check_json_depth(raw, self.options.max_json_depth)
        body, body_errors = validate_body(op, raw, PREPARERS.get(op.operation_id))
        errors += body_errors
        if errors:
            return _json(400, {"errors": errors})
        call = Call(
            params=params,
            body=body,
            base_url=self.base_url(request),
            now=now,
            api_token=request.headers.get("api_token", ""),
        )
        reply = await handler(self.sandbox, call)
        return _json(reply.status, reply.body, reply.headers)


class _RawEndpoint:
    """Wraps a raw ASGI callable so Starlette routes to it as an app, not as a request handler."""

    def __init__(self, func: ASGIApp) -> None:
        self.func = func

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.func(scope, receive, send)


def _json(status: int, body: JSONBody, headers: dict[str, str] | None = None) -> Response:
    if status == 204 or body is None and status != 200:
        return Response(status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(options: SandboxOptions | None = None, **kwargs: Unpack[SandboxOptionsKwargs]) -> SandboxApp:
    """Build the sandbox ASGI app (see :class:`SandboxOptions` for the keyword arguments)."""
    return SandboxApp(SandboxOptions.build(options, **kwargs))
