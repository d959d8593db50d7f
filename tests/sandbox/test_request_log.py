"""The sandbox's request log (``GET /_sandbox/requests``, ``app.request_log``) and its ``--rate-limit``
flag: what really reached the server, answered or not, with the token hashed and never shown."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_support import TOKEN, Running

from bria_tailored.__main__ import main as cli_main
from bria_tailored.sandbox import RequestLog, token_hash
from bria_tailored.sandbox.server import build_parser, options_from_args
from bria_tailored.sandbox.server import main as server_main

PROJECTS = "/v1/tailored-gen/projects"
ENTRY_KEYS = {"t", "method", "path", "operation", "status", "token"}


def logged(sb: Running, **params: Any) -> dict[str, Any]:
    response = sb.client.get("/_sandbox/requests", params=params, headers={"api_token": ""})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    assert set(document) == {"requests", "dropped"}
    return document


def test_entries_carry_operation_status_and_a_hash_of_the_token(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox()
    assert (
        sb.client.post(PROJECTS, json={"project_name": "P", "ip_medium": "illustration"}).status_code == 400
    )
    created = sb.client.post(
        PROJECTS, json={"project_name": "P", "ip_medium": "illustration", "ip_type": "stylized_scene"}
    )
    assert created.status_code == 201
    assert sb.client.get(f"{PROJECTS}/999999").status_code == 404
    assert sb.client.get(PROJECTS, headers={"api_token": ""}).status_code == 401
    assert sb.client.get("/v1/no-such-thing").status_code == 404

    document = logged(sb)
    entries = document["requests"]
    assert document["dropped"] == 0 and all(set(entry) == ENTRY_KEYS for entry in entries)
    hashed = hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
    assert token_hash(TOKEN) == hashed
    assert [(e["method"], e["path"], e["operation"], e["status"], e["token"]) for e in entries] == [
        ("POST", PROJECTS, "create-project", 400, hashed),
        ("POST", PROJECTS, "create-project", 201, hashed),
        ("GET", f"{PROJECTS}/999999", "get-project", 404, hashed),
        ("GET", PROJECTS, "get-projects", 401, None),
        ("GET", "/v1/no-such-thing", None, 404, hashed),
    ]
    times = [entry["t"] for entry in entries]
    assert all(isinstance(t, float) for t in times) and times == sorted(set(times))
    raw = sb.client.get("/_sandbox/requests").text
    assert TOKEN not in raw and hashed in raw
    assert sb.app.request_log.entries() == entries  # the same entries in process


def test_rate_limited_and_dropped_requests_are_logged(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox(rate_limit=2)
    statuses = [sb.client.get(PROJECTS).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = sb.client.get(PROJECTS, headers={"api_token": "another-token"})
    assert other.status_code == 200
    entries = sb.app.request_log.entries()
    assert [(e["status"], e["token"]) for e in entries] == [
        (200, token_hash(TOKEN)),
        (200, token_hash(TOKEN)),
        (429, token_hash(TOKEN)),
        (200, token_hash("another-token")),
    ]

    dropping = make_sandbox(fail_rate=1.0, fail_kinds=("drop",))
    with pytest.raises(httpx.TransportError):
        dropping.client.get(PROJECTS)
    assert [(e["operation"], e["status"]) for e in dropping.app.request_log.entries()] == [
        ("get-projects", 0)
    ]


def test_since_and_operation_filter_the_log(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox()
    for _ in range(3):
        sb.client.get(PROJECTS)
    cursor = logged(sb)["requests"][-1]["t"]
    sb.client.get(f"{PROJECTS}/1")
    sb.client.get(PROJECTS)

    newer = logged(sb, since=cursor)["requests"]
    assert [e["operation"] for e in newer] == ["get-project", "get-projects"]
    assert all(e["t"] > cursor for e in newer)
    assert sb.app.request_log.entries(since=cursor) == newer
    assert logged(sb, since=newer[-1]["t"])["requests"] == []
    assert len(logged(sb, operation="get-projects")["requests"]) == 4
    assert len(logged(sb, operation=["get-projects", "get-project"])["requests"]) == 5
    assert [e["path"] for e in logged(sb, operation="get-project", since=cursor)["requests"]] == [
        f"{PROJECTS}/1"
    ]
    assert sb.app.request_log.entries(operation="get-project")[0]["status"] == 404


def test_the_log_is_bounded_and_counts_what_it_dropped(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox(request_log_size=3)
    for index in range(5):
        sb.client.get(f"{PROJECTS}/{index}")
    document = logged(sb)
    assert document["dropped"] == 2 and sb.app.request_log.dropped == 2 and len(sb.app.request_log) == 3
    assert [e["path"] for e in document["requests"]] == [f"{PROJECTS}/{i}" for i in (2, 3, 4)]

    ticks = iter([10.0, 11.0, 9.0, 11.0])  # a clock that steps back: t still increases
    log = RequestLog(2, clock=lambda: next(ticks))
    for status in (200, 201, 202, 203):
        log.record("GET", "/x", None, status, None)
    entries = log.entries()
    assert [e["status"] for e in entries] == [202, 203] and log.dropped == 2
    assert 11.0 < entries[0]["t"] < entries[1]["t"] < 11.001
    with pytest.raises(ValueError, match="request_log_size"):
        make_sandbox(request_log_size=-1)


def test_the_log_endpoint_is_read_only_and_not_logged(make_sandbox: Callable[..., Running]) -> None:
    sb = make_sandbox()
    for _ in range(3):
        logged(sb)
    assert sb.client.get("/_sandbox/health").status_code == 200
    assert sb.client.post("/_sandbox/requests").status_code == 405
    assert sb.client.delete("/_sandbox/requests").status_code == 405
    typo = sb.client.get("/_sandbox/requests", params={"sinse": "1"})
    assert typo.status_code == 400 and "sinse" in typo.json()["message"]
    for bad in ("yesterday", "nan", "inf"):
        response = sb.client.get("/_sandbox/requests", params={"since": bad})
        assert response.status_code == 400 and "since" in response.json()["message"]
    assert logged(sb) == {"requests": [], "dropped": 0} and len(sb.app.request_log) == 0


def test_rate_limit_flag_is_checked_on_both_entry_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert options_from_args(build_parser().parse_args([])).get("rate_limit") is None
    assert options_from_args(build_parser().parse_args(["--rate-limit", "5"])).get("rate_limit") == 5.0
    for bad in ("0", "-3", "many"):
        with pytest.raises(SystemExit) as exited:
            server_main(["--rate-limit", bad])
        assert exited.value.code == 2
        assert "--rate-limit" in capsys.readouterr().err
        assert cli_main(["sandbox", "--rate-limit", bad]) == 2
        assert "--rate-limit" in capsys.readouterr().err


@pytest.fixture(
    params=[["bria_tailored.sandbox"], ["bria_tailored", "sandbox"]], ids=["python-m", "bria-tailored"]
)
def rate_limited(request: pytest.FixtureRequest) -> Iterator[str]:
    """A sandbox started from the command line with ``--rate-limit 5``; yields its base URL."""
    entry: list[str] = request.param
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", *entry, "--port", "0", "--json", "--rate-limit", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())["base_url"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_rate_limit_flag_answers_429_per_token_and_the_log_shows_it(rate_limited: str) -> None:
    with httpx.Client(base_url=rate_limited, timeout=10.0) as client:
        first = [client.get(PROJECTS, headers={"api_token": "token-one"}) for _ in range(6)]
        assert [r.status_code for r in first] == [200] * 5 + [429]
        assert int(first[-1].headers["Retry-After"]) >= 1
        assert client.get(PROJECTS, headers={"api_token": "token-two"}).status_code == 200
        entries = client.get("/_sandbox/requests").json()["requests"]
    assert [(e["status"], e["token"]) for e in entries] == [(200, token_hash("token-one"))] * 5 + [
        (429, token_hash("token-one")),
        (200, token_hash("token-two")),
    ]
