from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.visual_schema_request import VisualSchemaRequest
from ...models.visual_schema_result import VisualSchemaResult
from ...types import Response


def _get_kwargs(
    *,
    body: VisualSchemaRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tailored-gen/generate_visual_schema",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | str | VisualSchemaResult | None:
    if response.status_code == 200:
        response_200 = VisualSchemaResult.from_dict(response.json())

        return response_200

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

    if response.status_code == 415:

        def _parse_response_415(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_415 = _parse_response_415(response.json())

        return response_415

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
) -> Response[ErrorMessage | str | VisualSchemaResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: VisualSchemaRequest,
) -> Response[ErrorMessage | str | VisualSchemaResult]:
    """Generate Visual Schema

     Generates a structured JSON visual schema (backbone) based on the provided sample images.

    The visual schema represents mutual characteristics (style, IP, colors, etc.) across training images
    and is used for:
    1. Caption generation during image upload.
    2. Prompt translation (user text → structured prompt) during generation.

    **Usage:**
    - Provide 5-10 representative images of your style/IP.
    - The returned `visual_schema` string must be added to your dataset using `PUT /tailored-
    gen/datasets/{dataset_id}`.

    This endpoint supports content moderation via an optional parameter.

    Args:
        body (VisualSchemaRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | VisualSchemaResult]
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
    body: VisualSchemaRequest,
) -> ErrorMessage | str | VisualSchemaResult | None:
    """Generate Visual Schema

     Generates a structured JSON visual schema (backbone) based on the provided sample images.

    The visual schema represents mutual characteristics (style, IP, colors, etc.) across training images
    and is used for:
    1. Caption generation during image upload.
    2. Prompt translation (user text → structured prompt) during generation.

    **Usage:**
    - Provide 5-10 representative images of your style/IP.
    - The returned `visual_schema` string must be added to your dataset using `PUT /tailored-
    gen/datasets/{dataset_id}`.

    This endpoint supports content moderation via an optional parameter.

    Args:
        body (VisualSchemaRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | VisualSchemaResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: VisualSchemaRequest,
) -> Response[ErrorMessage | str | VisualSchemaResult]:
    """Generate Visual Schema

     Generates a structured JSON visual schema (backbone) based on the provided sample images.

    The visual schema represents mutual characteristics (style, IP, colors, etc.) across training images
    and is used for:
    1. Caption generation during image upload.
    2. Prompt translation (user text → structured prompt) during generation.

    **Usage:**
    - Provide 5-10 representative images of your style/IP.
    - The returned `visual_schema` string must be added to your dataset using `PUT /tailored-
    gen/datasets/{dataset_id}`.

    This endpoint supports content moderation via an optional parameter.

    Args:
        body (VisualSchemaRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | VisualSchemaResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: VisualSchemaRequest,
) -> ErrorMessage | str | VisualSchemaResult | None:
    """Generate Visual Schema

     Generates a structured JSON visual schema (backbone) based on the provided sample images.

    The visual schema represents mutual characteristics (style, IP, colors, etc.) across training images
    and is used for:
    1. Caption generation during image upload.
    2. Prompt translation (user text → structured prompt) during generation.

    **Usage:**
    - Provide 5-10 representative images of your style/IP.
    - The returned `visual_schema` string must be added to your dataset using `PUT /tailored-
    gen/datasets/{dataset_id}`.

    This endpoint supports content moderation via an optional parameter.

    Args:
        body (VisualSchemaRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | VisualSchemaResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
