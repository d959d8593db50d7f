"""The token: refused at construction when a header cannot carry it, redacted in every encoding, and sent
only to the API's own origin (never along a redirect)."""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest

from bria_tailored import TailoredClient, errors

TOKEN = "tok-SECRET-4242"


@pytest.mark.parametrize("bad", [TOKEN + "\n", TOKEN + "\r\n", "tok en", "tok\ten", "tok\x00en", "tokén"])
def test_a_token_a_header_cannot_carry_is_refused_naming_its_source(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(errors.ValidationError, match="the api_token argument") as caught:
        TailoredClient(bad, base_url="https://x.test")
    assert bad.strip() not in str(caught.value) and repr(bad)[1:-1] not in str(caught.value)
    if "\x00" in bad:
        return  # an environment variable cannot hold a NUL byte
    monkeypatch.setenv("BRIA_API_TOKEN", bad)
    with pytest.raises(errors.ValidationError, match="BRIA_API_TOKEN"):
        TailoredClient(base_url="https://x.test")


def test_the_token_is_redacted_in_every_encoding_in_messages_body_and_field_errors() -> None:
    encodings = [
        TOKEN,
        urllib.parse.quote(TOKEN),
        base64.b64encode(TOKEN.encode()).decode(),
        repr(TOKEN.encode()),
    ]
    body = {
        "message": " / ".join(encodings),
        "errors": [{"msg": f"bad {TOKEN}", "field_name": "api_token", "field_input": TOKEN}],
    }
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(400, json=body)))
    client = TailoredClient(TOKEN, base_url="https://x.test", http_client=http)
    with pytest.raises(errors.BadRequestError) as caught:
        client.projects.get(1)
    exc = caught.value
    seen = json.dumps([str(exc), repr(exc), exc.body, [vars(e) for e in exc.field_errors]], default=str)
    b64 = base64.b64encode(TOKEN.encode()).decode().rstrip("=")
    for form in (TOKEN, urllib.parse.quote(TOKEN), b64):
        assert form not in seen


@pytest.mark.parametrize("follow", [False, True])
def test_the_token_never_follows_a_redirect_to_another_host(follow: bool) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "x.test":
            return httpx.Response(307, headers={"location": "https://evil.test/steal"})
        return httpx.Response(200, json=[])

    http = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=follow)
    client = TailoredClient(TOKEN, base_url="https://x.test", http_client=http)
    with pytest.raises(errors.ResponseFormatError, match="redirect to 'evil.test' not followed"):
        client.projects.list()
    assert [r.url.host for r in seen] == ["x.test"]
    assert all("api_token" not in r.headers for r in seen if r.url.host != "x.test")


def test_a_status_url_on_another_origin_is_not_followed_with_the_token() -> None:
    from bria_tailored import Job

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"request_id": "r1", "status": "COMPLETED", "result": {"image_url": "https://cdn/i.png"}},
        )

    client = TailoredClient(
        TOKEN, base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client.status.wait(Job("r1", status_url="https://evil.test/v2/status/r1"))
    assert [r.url.host for r in seen] == ["x.test"] and seen[0].headers["api_token"] == TOKEN


def test_an_async_client_behind_a_redirect_keeps_the_token_home() -> None:
    import asyncio

    from bria_tailored import AsyncTailoredClient

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "http://127.0.0.2:9/x"})

    async def main() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True)
        async with AsyncTailoredClient(TOKEN, base_url="https://x.test", http_client=http) as client:
            with pytest.raises(errors.ResponseFormatError):
                await client.projects.list()
        await http.aclose()

    asyncio.run(main())
    assert [r.url.host for r in seen] == ["x.test"]
