"""Embedding the client in other programs: forked workers, process pools, closed clients, other event
loops, pickling, and logging that prints each record once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bria_tailored import AsyncTailoredClient, TailoredClient, errors
from bria_tailored.sandbox import run_sandbox

# These tests fork on purpose (gunicorn --preload, process pools): that is the user's situation under
# test. Python 3.12+ warns about forking a process with threads (the sandbox's, the test runner's).
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with run_sandbox(training_seconds=1) as url:
        yield url


# ------------------------------------------------------------------------------------------------ fork
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")
def test_forked_children_each_get_their_own_answers(sandbox_url: str) -> None:
    """After the parent has pooled connections, children forked from it must never read each other's
    (or the parent's) responses: every child gets a fresh pool before its first request."""
    client = TailoredClient("t", base_url=sandbox_url)
    names = [f"fork-{i}" for i in range(6)]
    ids = {
        name: client.projects.create(project_name=name, ip_medium="illustration", ip_type="icons").id
        for name in names
    }
    for _round in range(4):
        client.projects.list()  # the pool holds a live keep-alive connection at fork time
        pids: list[tuple[int, int, str]] = []
        for name in names:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # child
                os.close(read)
                try:
                    got = [client.projects.get(ids[name]).project_name for _ in range(5)]
                    ok = all(g == name for g in got)
                    os.write(write, json.dumps({"ok": ok, "got": got}).encode())
                finally:
                    os._exit(0)
            os.close(write)
            pids.append((pid, read, name))
        # the parent keeps working on its own pool meanwhile
        assert client.projects.get(ids[names[0]]).project_name == names[0]
        for pid, read, name in pids:
            with os.fdopen(read) as pipe:
                report = json.loads(pipe.read() or '{"ok": false, "got": "nothing"}')
            os.waitpid(pid, 0)
            assert report["ok"], (name, report["got"])
    client.close()


def test_a_caller_http_client_is_refused_after_fork_with_advice() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])))
    client = TailoredClient("t", base_url="https://x.test", http_client=http)
    client.projects.list()
    client._pool.pid = -1  # what a forked child sees: another pid than the creator's
    with pytest.raises(errors.ClientClosedError, match="build the client .* in each process"):
        client.projects.list()


# ------------------------------------------------------------------------------------ process pools
def _get_missing_project(base_url: str) -> str:
    with TailoredClient("t", base_url=base_url) as client:
        client.projects.get(999_999)
    return "unreachable"


def test_a_404_in_a_process_pool_job_arrives_as_the_typed_error(sandbox_url: str) -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        failing = pool.submit(_get_missing_project, sandbox_url)
        sibling = pool.submit(os.getpid)
        with pytest.raises(errors.NotFoundError) as caught:
            failing.result(timeout=60)
        assert caught.value.status_code == 404 and "/projects/999999" in str(caught.value)
        assert isinstance(sibling.result(timeout=60), int)  # the pool is not broken


def _every_error_class() -> list[type[errors.BriaError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.BriaError) and cls.__module__ == errors.__name__
    ]


def _instance(cls: type[errors.BriaError]) -> errors.BriaError:
    response = httpx.Response(404, json={"message": "no"}, request=httpx.Request("GET", "https://x/y"))
    samples: dict[str, dict[str, object]] = {
        "field": {"field": "seed", "value": -1, "rule": "must be >= 0"},
        "problems": {"problems": [("a.png", "too small")]},
        "failures": {"failures": [("a.png", errors.BriaError("boom"))], "state_path": Path("s.json")},
    }
    params = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, object] = {}
    for name, param in list(params.items())[1:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        for sample in samples.values():
            if name in sample:
                kwargs[name] = sample[name]
        if name in kwargs:
            continue
        kwargs[name] = {
            "message": f"{cls.__name__} happened",
            "status_code": 404,
            "response": response,
            "body": {"message": "no"},
            "request_id": "req-1",
            "status": "ERROR",
            "what": "model 3",
            "url": "file:///etc/passwd",
            "model_id": 3,
        }.get(name, param.default if param.default is not param.empty else "x")
    positional = [kwargs.pop(n) for n, p in list(params.items())[1:] if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty and n in kwargs]
    return cls(*positional, **kwargs)


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda c: c.__name__)
def test_every_error_pickles_with_its_attributes(cls: type[errors.BriaError]) -> None:
    error = _instance(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls and str(copy) == str(error)
    for name, value in vars(error).items():
        if name == "response":
            continue
        assert getattr(copy, name) == value or repr(getattr(copy, name)) == repr(value), name


# ----------------------------------------------------------------------------- closed, loops, pickle
def test_a_closed_client_raises_client_closed_error() -> None:
    client = TailoredClient("t", base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[]))))
    client.close()
    with pytest.raises(errors.ClientClosedError, match="closed"):
        client.projects.list()


def test_an_async_client_reused_across_asyncio_runs_says_to_create_it_inside_the_loop(sandbox_url: str) -> None:
    client = AsyncTailoredClient("t", base_url=sandbox_url)
    assert isinstance(asyncio.run(client.projects.list()), list)
    with pytest.raises(errors.ClientClosedError, match="create the client inside the loop"):
        asyncio.run(client.projects.list())


@pytest.mark.parametrize("make", [lambda: TailoredClient("t"), lambda: AsyncTailoredClient("t")])
def test_pickling_a_client_says_build_one_per_process(make: object) -> None:
    client = make()  # type: ignore[operator]
    with pytest.raises(TypeError, match="one client per process"):
        pickle.dumps(client)


# ------------------------------------------------------------------------------------------- logging
def test_bria_log_prints_each_record_once_even_when_the_app_configures_logging(sandbox_url: str) -> None:
    script = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format='APP %(name)s %(message)s')\n"
        "from bria_tailored import TailoredClient\n"
        f"c = TailoredClient('secret-token-123', base_url={sandbox_url!r})\n"
        "c.projects.list()\n"
    )
    env = dict(os.environ, BRIA_LOG="debug")
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if "GET /v1/tailored-gen/projects" in line]
    assert len(lines) == 1, run.stderr
    assert "-> 200" in lines[0] and " ms " in lines[0] and "attempt 1" in lines[0]
    assert "secret-token-123" not in run.stderr


def test_bria_log_prints_to_stderr_when_the_app_configures_nothing(sandbox_url: str) -> None:
    script = (
        "from bria_tailored import TailoredClient\n"
        f"c = TailoredClient('secret-token-123', base_url={sandbox_url!r})\n"
        "c.projects.list()\n"
    )
    env = dict(os.environ, BRIA_LOG="debug")
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if "GET /v1/tailored-gen/projects" in line]
    assert len(lines) == 1, run.stderr


def test_logs_go_through_the_logging_module_without_duplicates(caplog: pytest.LogCaptureFixture) -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])))
    client = TailoredClient("t", base_url="https://x.test", http_client=http)
    with caplog.at_level(logging.DEBUG, logger="bria_tailored"):
        client.projects.list()
    records = [
        r for r in caplog.records if r.name.startswith("bria_tailored") and "/v1/tailored-gen/projects" in r.getMessage()
    ]
    assert len(records) == 1
