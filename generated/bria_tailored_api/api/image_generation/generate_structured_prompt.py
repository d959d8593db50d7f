from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.accepted_job import AcceptedJob
from ...models.error_message import ErrorMessage
from ...models.structured_prompt_request import StructuredPromptRequest
from ...models.structured_prompt_result import StructuredPromptResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: StructuredPromptRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v2/structured_prompt/generate/tailored",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AcceptedJob | ErrorMessage | str | StructuredPromptResult | None:
    if response.status_code == 200:
        response_200 = StructuredPromptResult.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = AcceptedJob.from_dict(response.json())

        return response_202

    if response.status_code == 400:

        def _parse_response_400(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:

        def _parse_response_401(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_401 = _parse_response_401(response.json())

        return response_401

    if response.status_code == 403:

        def _parse_response_403(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_403 = _parse_response_403(response.json())

        return response_403

    if response.status_code == 422:

        def _parse_response_422(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_422 = _parse_response_422(response.json())

        return response_422

    if response.status_code == 429:

        def _parse_response_429(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_429 = _parse_response_429(response.json())

        return response_429

    if response.status_code == 500:

        def _parse_response_500(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_500 = _parse_response_500(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AcceptedJob | ErrorMessage | str | StructuredPromptResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: StructuredPromptRequest | Unset = UNSET,
) -> Response[AcceptedJob | ErrorMessage | str | StructuredPromptResult]:
    """Generate Structured Prompt - Tailored Model

     **Description**

    Creates a new detailed, machine-readable structured prompt in JSON format or refines an existing one
    using text inputs and a tailored model's visual schema (backbone).

    This endpoint uses the state-of-the-art **Gemini 2.5 Flash** VLM bridge. The tailored model's visual
    schema is provided as input to Gemini along with the user prompt to generate the structured prompt.

    **It returns ONLY the JSON string and does not generate an image.**

    **Use Cases:**
    * **Control & Auditability:** Inspect or programmatically edit the JSON *before* generating an
    image.
    * **Consistency:** Generate one `structured_prompt` and pass it to `/image/generate/tailored`
    multiple times.
    * **Hybrid Deployment:** Use Bria's VLM bridge via API while hosting the FIBO image model on a
    private cloud.

    **Input Combination Rules**
    The request body must use exactly one of the following combinations:
    * **Text Only**: `prompt`
    * **Structured Prompt and Text**: `structured_prompt` and `prompt` (Refinement)

    Args:
        body (StructuredPromptRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedJob | ErrorMessage | str | StructuredPromptResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: StructuredPromptRequest | Unset = UNSET,
) -> AcceptedJob | ErrorMessage | str | StructuredPromptResult | None:
    """Generate Structured Prompt - Tailored Model

     **Description**

    Creates a new detailed, machine-readable structured prompt in JSON format or refines an existing one
    using text inputs and a tailored model's visual schema (backbone).

    This endpoint uses the state-of-the-art **Gemini 2.5 Flash** VLM bridge. The tailored model's visual
    schema is provided as input to Gemini along with the user prompt to generate the structured prompt.

    **It returns ONLY the JSON string and does not generate an image.**

    **Use Cases:**
    * **Control & Auditability:** Inspect or programmatically edit the JSON *before* generating an
    image.
    * **Consistency:** Generate one `structured_prompt` and pass it to `/image/generate/tailored`
    multiple times.
    * **Hybrid Deployment:** Use Bria's VLM bridge via API while hosting the FIBO image model on a
    private cloud.

    **Input Combination Rules**
    The request body must use exactly one of the following combinations:
    * **Text Only**: `prompt`
    * **Structured Prompt and Text**: `structured_prompt` and `prompt` (Refinement)

    Args:
        body (StructuredPromptRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedJob | ErrorMessage | str | StructuredPromptResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: StructuredPromptRequest | Unset = UNSET,
) -> Response[AcceptedJob | ErrorMessage | str | StructuredPromptResult]:
    """Generate Structured Prompt - Tailored Model

     **Description**

    Creates a new detailed, machine-readable structured prompt in JSON format or refines an existing one
    using text inputs and a tailored model's visual schema (backbone).

    This endpoint uses the state-of-the-art **Gemini 2.5 Flash** VLM bridge. The tailored model's visual
    schema is provided as input to Gemini along with the user prompt to generate the structured prompt.

    **It returns ONLY the JSON string and does not generate an image.**

    **Use Cases:**
    * **Control & Auditability:** Inspect or programmatically edit the JSON *before* generating an
    image.
    * **Consistency:** Generate one `structured_prompt` and pass it to `/image/generate/tailored`
    multiple times.
    * **Hybrid Deployment:** Use Bria's VLM bridge via API while hosting the FIBO image model on a
    private cloud.

    **Input Combination Rules**
    The request body must use exactly one of the following combinations:
    * **Text Only**: `prompt`
    * **Structured Prompt and Text**: `structured_prompt` and `prompt` (Refinement)

    Args:
        body (StructuredPromptRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedJob | ErrorMessage | str | StructuredPromptResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: StructuredPromptRequest | Unset = UNSET,
) -> AcceptedJob | ErrorMessage | str | StructuredPromptResult | None:
    """Generate Structured Prompt - Tailored Model

     **Description**

    Creates a new detailed, machine-readable structured prompt in JSON format or refines an existing one
    using text inputs and a tailored model's visual schema (backbone).

    This endpoint uses the state-of-the-art **Gemini 2.5 Flash** VLM bridge. The tailored model's visual
    schema is provided as input to Gemini along with the user prompt to generate the structured prompt.

    **It returns ONLY the JSON string and does not generate an image.**

    **Use Cases:**
    * **Control & Auditability:** Inspect or programmatically edit the JSON *before* generating an
    image.
    * **Consistency:** Generate one `structured_prompt` and pass it to `/image/generate/tailored`
    multiple times.
    * **Hybrid Deployment:** Use Bria's VLM bridge via API while hosting the FIBO image model on a
    private cloud.

    **Input Combination Rules**
    The request body must use exactly one of the following combinations:
    * **Text Only**: `prompt`
    * **Structured Prompt and Text**: `structured_prompt` and `prompt` (Refinement)

    Args:
        body (StructuredPromptRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedJob | ErrorMessage | str | StructuredPromptResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
