from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.status_not_found import StatusNotFound
from ...models.status_response import StatusResponse
from ...models.status_service_error import StatusServiceError
from ...types import Response


def _get_kwargs(
    request_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v2/status/{request_id}".format(
            request_id=quote(str(request_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError | None:
    if response.status_code == 200:
        response_200 = StatusResponse.from_dict(response.json())

        return response_200

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

    if response.status_code == 404:
        response_404 = StatusNotFound.from_dict(response.json())

        return response_404

    if 500 <= response.status_code <= 599:
        response_5xx = StatusServiceError.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    request_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError]:
    """Get Status

     Status Service: poll the job a 202 response pointed to (`status_url`). Answers 200 even for failed
    jobs: `status` is `IN_PROGRESS`, then `COMPLETED` (with `result`), `ERROR` (with `error`) or
    `UNKNOWN`. Unknown or expired ids answer 404 `{"status": "NOT_FOUND"}`.

    Args:
        request_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError]
    """

    kwargs = _get_kwargs(
        request_id=request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    request_id: str,
    *,
    client: AuthenticatedClient,
) -> ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError | None:
    """Get Status

     Status Service: poll the job a 202 response pointed to (`status_url`). Answers 200 even for failed
    jobs: `status` is `IN_PROGRESS`, then `COMPLETED` (with `result`), `ERROR` (with `error`) or
    `UNKNOWN`. Unknown or expired ids answer 404 `{"status": "NOT_FOUND"}`.

    Args:
        request_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError
    """

    return sync_detailed(
        request_id=request_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    request_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError]:
    """Get Status

     Status Service: poll the job a 202 response pointed to (`status_url`). Answers 200 even for failed
    jobs: `status` is `IN_PROGRESS`, then `COMPLETED` (with `result`), `ERROR` (with `error`) or
    `UNKNOWN`. Unknown or expired ids answer 404 `{"status": "NOT_FOUND"}`.

    Args:
        request_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError]
    """

    kwargs = _get_kwargs(
        request_id=request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    request_id: str,
    *,
    client: AuthenticatedClient,
) -> ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError | None:
    """Get Status

     Status Service: poll the job a 202 response pointed to (`status_url`). Answers 200 even for failed
    jobs: `status` is `IN_PROGRESS`, then `COMPLETED` (with `result`), `ERROR` (with `error`) or
    `UNKNOWN`. Unknown or expired ids answer 404 `{"status": "NOT_FOUND"}`.

    Args:
        request_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | StatusNotFound | StatusResponse | StatusServiceError
    """

    return (
        await asyncio_detailed(
            request_id=request_id,
            client=client,
        )
    ).parsed
