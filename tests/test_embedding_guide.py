"""The README's "Embedding" guide, run: every ```py block of that section, as written, against a sandbox
served by another process (``bria-tailored sandbox --port 0``).

- gunicorn: ``tests/embedding_app.py`` holds the README's WSGI block word for word. gunicorn serves it with
  ``--preload`` and 3 sync workers. The master makes a request at import, so its pool holds a connection when
  it forks. 60 concurrent requests for 12 projects must each get their own project's name.
- FastAPI: the README's lifespan app is served as an ASGI server would (lifespan start-up, concurrent
  requests through httpx's ASGITransport, shutdown), under asyncio and trio, twice: each run is a new event
  loop with its own client, closed at shutdown.
- Process pools: the README's initializer block, through a ``ProcessPoolExecutor``, including a 404 that
  reaches the caller as ``NotFoundError``.
- Notebooks: the README's cells, run one by one on one persistent event loop, the way a Jupyter kernel runs
  them (top-level ``await``).
- trio: the README's block under ``trio.run``, generating against a trained sandbox model.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import importlib.util
import inspect
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from bria_tailored import AsyncTailoredClient, TailoredClient, errors
from bria_tailored.cli.demo_art import draw_family

# These tests fork on purpose (gunicorn --preload, process pools): that is the user's situation under
# test. Python 3.12+ warns about forking a process with threads (the sandbox's, the test runner's).
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
APP_MODULE = TESTS / "embedding_app.py"
START_TIMEOUT = 15.0


# ------------------------------------------------------------------------------------ the guide's blocks
def guide_blocks() -> dict[str, str]:
    """The ```py block of each subsection of README's "## Embedding", by the subsection's first word."""
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Embedding\n")
    end = text.index("\n## ", start + 1)
    blocks: dict[str, str] = {}
    for part in text[start:end].split("\n### ")[1:]:
        heading = part.split("\n", 1)[0]
        found = re.findall(r"^```py\n(.*?)^```$", part, flags=re.S | re.M)
        assert len(found) == 1, f"README Embedding/{heading}: expected one ```py block, found {len(found)}"
        blocks[heading.split()[0].rstrip(",:").lower()] = found[0]
    return blocks


BLOCKS = guide_blocks()


def load_block(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Import a README block as a module of its own, importable by name (process-pool workers need that)."""
    module_name = f"readme_embedding_{name}_{os.getpid()}_{time.monotonic_ns()}"
    path = tmp_path / f"{module_name}.py"
    path.write_text(BLOCKS[name])
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)  # removed again once the test ends
    spec.loader.exec_module(module)
    return module


def test_the_guide_has_a_python_block_for_each_host() -> None:
    assert sorted(BLOCKS) == ["celery", "fastapi", "gunicorn", "notebooks", "trio"]


# -------------------------------------------------------------------------- a sandbox in another process
@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """``bria-tailored sandbox --port 0`` in a child process (so forks here copy no server thread)."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bria_tailored", "sandbox", "--port", "0", "--training-seconds", "0"]
            + ["--caption-seconds", "0", "--job-seconds", "0.05"],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, NO_COLOR="1"),
        )
        try:
            url = ""
            deadline = time.monotonic() + START_TIMEOUT
            while not url:
                assert proc.poll() is None, "the sandbox exited at start-up"
                assert time.monotonic() < deadline, "the sandbox did not start in time"
                time.sleep(0.05)
                out.seek(0)
                found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", out.read())
                url = found.group(1) if found else ""
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(autouse=True)
def bria_env(sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's blocks read ``$BRIA_BASE_URL`` and ``$BRIA_API_TOKEN``, like the client does."""
    monkeypatch.setenv("BRIA_BASE_URL", sandbox_url)
    monkeypatch.setenv("BRIA_API_TOKEN", "sandbox")
    monkeypatch.delenv("BRIA_LOG", raising=False)


@pytest.fixture(scope="module")
def projects(sandbox_url: str) -> dict[int, str]:
    """Project id → name, made on the sandbox beforehand."""
    with TailoredClient("sandbox", base_url=sandbox_url) as client:
        names = [f"guide-{i}" for i in range(12)]
        return {
            client.projects.create(project_name=name, ip_medium="illustration", ip_type="icons").id: name
            for name in names
        }


# ---------------------------------------------------------------------------------- gunicorn --preload
def test_the_wsgi_app_is_the_readme_block() -> None:
    assert BLOCKS["gunicorn"] in APP_MODULE.read_text(), "tests/embedding_app.py must hold the README block"


def _start_gunicorn(log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", "3", "--bind", "127.0.0.1:0"]
        + ["--chdir", str(TESTS), "--graceful-timeout", "5", "embedding_app:app_with_pid"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=dict(os.environ, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1"),
        start_new_session=True,
    )


def test_gunicorn_preload_workers_each_read_their_own_answers(projects: dict[int, str]) -> None:
    with tempfile.TemporaryFile("w+") as log:
        server = _start_gunicorn(log)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            text = ""
            while text.count("Booting worker with pid") < 3:
                assert server.poll() is None, f"gunicorn exited:\n{text}"
                assert time.monotonic() < deadline, f"gunicorn did not start in time:\n{text}"
                time.sleep(0.05)
                log.seek(0)
                text = log.read()
            port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            assert port is not None, text
            base = f"http://127.0.0.1:{port.group(1)}/"
            ids = [list(projects)[i % len(projects)] for i in range(60)]

            def ask(project_id: int) -> tuple[int, str, str, str]:
                with httpx.Client(timeout=10) as http:  # a connection of its own, like a separate user
                    answer = http.get(base, params={"id": project_id})
                answer.raise_for_status()
                return project_id, answer.text, answer.headers["x-worker-pid"], answer.headers["x-import-pid"]

            with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
                answers = list(pool.map(ask, ids))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.seek(0)
            text = log.read()
    wrong = [(project_id, name) for project_id, name, _, _ in answers if name != projects[project_id]]
    assert not wrong, f"{len(wrong)} of {len(answers)} answers named another project: {wrong[:5]}\n{text}"
    workers = {worker for _, _, worker, _ in answers}
    imported_in = {importer for _, _, _, importer in answers}
    assert imported_in == {str(server.pid)}, "with --preload the app (and its client) is made in the master"
    assert str(server.pid) not in workers and len(workers) >= 2, workers  # answered by several forked workers
    assert "Traceback" not in text, text


# ---------------------------------------------------------------------------------- FastAPI lifespan
async def serve_asgi(app: Any, projects: dict[int, str]) -> dict[int, Any]:
    """What an ASGI server does, on the running loop (asyncio or trio): run the lifespan's start-up, serve
    concurrent requests, each with a copy of the lifespan state, then run the shutdown."""
    state: dict[str, Any] = {}
    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_outbox, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)
    lifespan = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}

    async def with_state(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "state": dict(state)}, receive, send)

    answers: dict[int, Any] = {}
    async with anyio.create_task_group() as server:
        server.start_soon(app, lifespan, app_inbox.receive, app_outbox.send)
        await to_app.send({"type": "lifespan.startup"})
        assert (await from_app.receive())["type"] == "lifespan.startup.complete"
        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:

            async def ask(project_id: int) -> None:
                answers[project_id] = await http.get(f"/projects/{project_id}")

            async with anyio.create_task_group() as requests:
                for project_id in projects:
                    requests.start_soon(ask, project_id)
        await to_app.send({"type": "lifespan.shutdown"})
        assert (await from_app.receive())["type"] == "lifespan.shutdown.complete"
    return answers


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_fastapi_lifespan_client(
    backend: str, projects: dict[int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[AsyncTailoredClient] = []
    close = AsyncTailoredClient.close

    async def spy(self: AsyncTailoredClient) -> None:
        closed.append(self)
        await close(self)

    monkeypatch.setattr(AsyncTailoredClient, "close", spy)
    module = load_block("fastapi", tmp_path, monkeypatch)
    for run in (1, 2):  # a second start-up (a new event loop) makes a new client: no cross-loop reuse
        answers = anyio.run(serve_asgi, module.app, projects, backend=backend)
        for project_id, name in projects.items():
            answer = answers[project_id]
            assert answer.status_code == 200 and answer.json() == {"name": name}, answer.text
        assert len(closed) == run, "the lifespan closes its client at shutdown"
    assert closed[0] is not closed[1]
    with pytest.raises(errors.ClientClosedError):
        anyio.run(closed[1].projects.list, backend=backend)


# ------------------------------------------------------------------------------------ process pools
def test_process_pool_with_one_client_per_worker(
    projects: dict[int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_block("celery", tmp_path, monkeypatch)
    ids = list(projects)
    assert module.project_names(ids) == [projects[i] for i in ids]
    with pytest.raises(errors.NotFoundError) as caught:  # the worker's error, as itself
        module.project_names([ids[0], 999_999])
    assert caught.value.status_code == 404 and "999999" in str(caught.value)


# ---------------------------------------------------------------------------------------- notebooks
def test_notebook_cells_on_the_kernel_loop(projects: dict[int, str]) -> None:
    """Each statement of the README's block is a cell, compiled with top-level await and run on one
    persistent loop, as a Jupyter kernel does."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    cells = ast.parse(compile(BLOCKS["notebooks"], "<notebook>", "exec", flags | ast.PyCF_ONLY_AST)).body
    assert len(cells) >= 3
    with asyncio.Runner() as kernel:
        for cell in cells:
            code = compile(ast.Module([cell], []), "<cell>", "exec", flags)
            result = eval(code, namespace)
            if code.co_flags & inspect.CO_COROUTINE:
                kernel.run(result)
        listed = {project.id: project.project_name for project in namespace["projects"]}
        assert projects.items() <= listed.items()
        with pytest.raises(errors.ClientClosedError, match="closed"):  # the last cell closed it
            kernel.run(namespace["client"].projects.list())

    # What the guide says about scripts: a client reused by a second asyncio.run() says what to do.
    client = AsyncTailoredClient()
    asyncio.run(client.projects.list())
    with pytest.raises(errors.ClientClosedError, match="create the client inside the loop"):
        asyncio.run(client.projects.list())


# --------------------------------------------------------------------------------------------- trio
def test_trio_generates_with_the_async_client(
    sandbox_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trio

    draw_family(tmp_path / "pip", count=6, size=256)
    with TailoredClient() as client:
        model = client.train(tmp_path / "pip", project="Pip", ip_type="icons", ip_medium="illustration").model
    module = load_block("trio", tmp_path, monkeypatch)
    prompts = ["Pip on a bicycle", "Pip at the seaside", "Pip reading"]
    urls = trio.run(module.generate, model.id, prompts)
    assert len(urls) == len(prompts) and all(url.startswith(sandbox_url) for url in urls), urls
    assert len(set(urls)) == len(urls)
