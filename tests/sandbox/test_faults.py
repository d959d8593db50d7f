"""Faults, authentication and downloads: deterministic injection under a seed, 429 with Retry-After,
dropped connections, 401 without a token, Range requests and a download cut mid-stream once."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import TOKEN, Running, trained_model


def _outcomes(sb: Running, count: int) -> list[str]:
    out = []
    for _ in range(count):
        try:
            response = sb.client.get("/v1/tailored-gen/projects")
            out.append(str(response.status_code))
            if response.status_code == 429:
                assert 0 <= int(response.headers["Retry-After"]) <= 1
            if response.status_code >= 400:
                assert "message" in response.json()
        except httpx.TransportError:
            out.append("drop")
    return out


def test_faults_are_deterministic_under_seed(make_sandbox) -> None:
    first = _outcomes(make_sandbox(fail_rate=0.3, seed=7), 60)
    second = _outcomes(make_sandbox(fail_rate=0.3, seed=7), 60)
    other = _outcomes(make_sandbox(fail_rate=0.3, seed=8), 60)
    assert first == second and first != other
    # get-projects documents 429 and 500 but not 503: a drawn 503 is answered 500
    assert {"200", "429", "500", "drop"} == set(first)
    assert 0.1 < sum(kind != "200" for kind in first) / 60 < 0.5


def test_faults_are_statuses_the_operation_documents(make_sandbox) -> None:
    from bria_tailored.sandbox.spec import load_spec

    spec = load_spec()
    status_op, checkpoints = spec.operations["get-status"], spec.operations["list-checkpoints"]
    sb = make_sandbox(fail_rate=1.0, fail_kinds=("429", "500", "503"))
    answers = {sb.client.get("/v2/status/nope").status_code for _ in range(20)}
    expected = {k for k in (429, 500, 503) if status_op.documents(k)} or {404}
    assert answers == expected
    answers = {sb.client.get("/v1/tailored-gen/models/1/checkpoints").status_code for _ in range(20)}
    assert answers == ({k for k in (429, 500, 503) if checkpoints.documents(k)} or {404})
    # no configured kind it documents: no fault at all
    only_503 = make_sandbox(fail_rate=1.0, fail_kinds=("503",))
    projects = spec.operations["get-projects"]
    assert only_503.client.get("/v1/tailored-gen/projects").status_code == (
        503 if projects.documents(503) else 200
    )


def test_dropped_connection_sends_no_response(make_sandbox) -> None:
    sb = make_sandbox(fail_rate=1.0, fail_kinds=("drop",))
    with pytest.raises(httpx.RemoteProtocolError):
        sb.client.get("/v1/tailored-gen/projects")
    # the server is still healthy afterwards
    assert sb.client.get("/_sandbox/health").status_code == 200


def test_retries_carry_a_get_workload(make_sandbox) -> None:
    sb = make_sandbox(fail_rate=0.2, retry_after=0, seed=3)
    successes = 0
    for _ in range(50):
        for _attempt in range(10):
            try:
                if sb.client.get("/v1/tailored-gen/projects").status_code == 200:
                    successes += 1
                    break
            except httpx.TransportError:
                continue
    assert successes == 50


def test_missing_or_wrong_token_is_401(make_sandbox) -> None:
    sb = make_sandbox(token=TOKEN)
    assert httpx.get(sb.url("/v1/tailored-gen/projects")).status_code == 401
    wrong = httpx.get(sb.url("/v1/tailored-gen/projects"), headers={"api_token": "nope"})
    assert wrong.status_code == 401 and wrong.json()["message"]
    assert sb.client.get("/v1/tailored-gen/projects").status_code == 200
    open_sb = make_sandbox()
    assert (
        httpx.get(open_sb.url("/v1/tailored-gen/projects"), headers={"api_token": "anything"}).status_code
        == 200
    )
    assert httpx.get(open_sb.url("/v2/status/x")).status_code == 401


def test_faults_spare_downloads_unless_asked(make_sandbox) -> None:
    sb = make_sandbox()
    model = trained_model(sb)
    url = sb.client.get(f"/v1/tailored-gen/models/{model['id']}/download").json()["download_url"]
    faulty = make_sandbox(fail_rate=1.0, fail_kinds=("500",))
    faulty.app.store.put_blob("x/y.bin", b"0123456789")
    assert httpx.get(faulty.url("/_sandbox/files/x/y.bin")).content == b"0123456789"
    assert faulty.client.get("/v1/tailored-gen/projects").status_code == 500
    also_downloads = make_sandbox(fail_rate=1.0, fail_kinds=("503",), fault_downloads=True)
    also_downloads.app.store.put_blob("x/y.bin", b"0123456789")
    assert httpx.get(also_downloads.url("/_sandbox/files/x/y.bin")).status_code == 503
    assert httpx.get(url).status_code == 200


def test_range_requests(sb: Running) -> None:
    sb.app.store.put_blob("r/data.bin", bytes(range(100)))
    url = sb.url("/_sandbox/files/r/data.bin")
    full = httpx.get(url)
    assert full.headers["content-length"] == "100" and full.headers["accept-ranges"] == "bytes"
    part = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == bytes(range(10, 20))
    assert part.headers["content-range"] == "bytes 10-19/100"
    assert httpx.get(url, headers={"Range": "bytes=90-"}).content == bytes(range(90, 100))
    assert httpx.get(url, headers={"Range": "bytes=-5"}).content == bytes(range(95, 100))
    bad = httpx.get(url, headers={"Range": "bytes=200-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == "bytes */100"
    assert httpx.head(url).headers["content-length"] == "100"
    assert httpx.get(sb.url("/_sandbox/files/nope")).status_code == 404


def test_download_cut_once_then_resumed(make_sandbox) -> None:
    sb = make_sandbox(drop_download_after_bytes=300_000)
    payload = bytes(range(256)) * 4000  # 1 MB
    sb.app.store.put_blob("big/file.bin", payload)
    url = sb.url("/_sandbox/files/big/file.bin")
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url) as response:
        assert response.headers["content-length"] == str(len(payload))
        for chunk in response.iter_bytes():
            received.extend(chunk)
    assert len(received) == 300_000
    rest = httpx.get(url, headers={"Range": f"bytes={len(received)}-"})
    assert rest.status_code == 206
    assert bytes(received) + rest.content == payload
    assert httpx.get(url).content == payload  # only once
