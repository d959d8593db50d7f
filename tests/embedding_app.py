"""The README's WSGI app (section "gunicorn and uWSGI with --preload"), served by gunicorn in
``tests/test_embedding_guide.py``: ``gunicorn --preload --workers 3 embedding_app:app_with_pid``.

The block between the markers is the README's block, word for word (the test checks it). The client reads
``$BRIA_BASE_URL`` (the test's sandbox) and ``$BRIA_API_TOKEN``. It is made at import, so with ``--preload``
it is made in the master. Its start-up request leaves an open connection in the master's pool, which every
forked worker inherits. ``app_with_pid`` adds the answering worker's pid to each response, so the test can
see that the answers came from several workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

# --- README block ---
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

from bria_tailored import TailoredClient

client = TailoredClient()  # imported once, in the master, before the workers are forked
client.projects.list()  # a start-up check: the master's pool now holds an open connection


def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    project_id = int(parse_qs(environ["QUERY_STRING"])["id"][0])
    project = client.projects.get(project_id)  # in a worker: over that worker's own connections
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [project.project_name.encode()]


# --- end of README block ---


MASTER_PID = os.getpid()  # the process that imported this module: gunicorn's master under --preload


def app_with_pid(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """``app``, with the pids of the worker that answered and of the process that imported the app."""

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Callable[[bytes], object]:
        extra = [("X-Worker-Pid", str(os.getpid())), ("X-Import-Pid", str(MASTER_PID))]
        return start_response(status, [*headers, *extra], *exc_info)

    return app(environ, start)
