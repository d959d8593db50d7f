"""A second, third-party validator over the demo flow: every request the SDK sends and every response the
sandbox gives while training, generating and saving is checked by openapi-core against
generated/openapi.json (independently of the sandbox's own jsonschema validation). 0 violations."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from bria_tailored import TailoredClient
from bria_tailored.cli.demo_art import draw_family
from bria_tailored.sandbox import run_sandbox

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_flow_has_no_spec_violation(tmp_path: Path) -> None:
    from openapi_core import OpenAPI
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    spec = json.loads((ROOT / "generated" / "openapi.json").read_text())
    exchanges: list[httpx.Response] = []

    def record(response: httpx.Response) -> None:
        response.read()
        exchanges.append(response)

    images = tmp_path / "images"
    images.mkdir()
    draw_family(images, 6)
    with run_sandbox(training_seconds=0) as base_url:
        spec["servers"] = [{"url": base_url}]
        api = OpenAPI.from_dict(spec)
        http = httpx.Client(event_hooks={"response": [record]}, timeout=30)
        with TailoredClient("demo-token", base_url=base_url, http_client=http) as client:
            client._engine.sleep = lambda s: None
            trained = client.train(
                images, project="Validated", ip_type="icons", ip_medium="illustration", state=tmp_path / "s.json"
            )
            image = client.generate.image(trained.model.id, "a fox in the snow", seed=3)
            client.generate.structured_prompt(trained.model.id, "a fox")
            client.generate.video(trained.model.id, image)
            client.save(image, tmp_path / "out" / "fox.png")
        http.close()

    api_calls = [r for r in exchanges if r.request.url.path.startswith(("/v1/", "/v2/"))]
    assert len(api_calls) > 20
    violations: list[str] = []
    for response in api_calls:
        request = _Request(response.request, RequestParameters, Headers, ImmutableMultiDict)
        where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
        try:
            api.validate_request(request)
        except Exception as exc:
            violations.append(f"request {where}: {exc}")
        try:
            api.validate_response(request, _Response(response, Headers))
        except Exception as exc:
            violations.append(f"response {where}: {exc}")
    assert violations == [], "\n".join(violations[:20])


class _Request:
    """An httpx request as openapi-core's request protocol."""

    def __init__(self, request: httpx.Request, parameters: type, headers: type, multidict: type) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.full_url_pattern = self.host_url + self.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = parameters(
            query=multidict(list(request.url.params.multi_items())),
            header=headers(dict(request.headers)),
            cookie=multidict(),
        )


class _Response:
    """An httpx response as openapi-core's response protocol."""

    def __init__(self, response: httpx.Response, headers: type) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "application/json").split(";")[0]
        self.headers = headers(dict(response.headers))
        self.data = response.content
