from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkpoint_list import CheckpointList
from ...models.error_message import ErrorMessage
from ...types import Response


def _get_kwargs(
    model_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tailored-gen/models/{model_id}/checkpoints".format(
            model_id=quote(str(model_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckpointList | ErrorMessage | str | None:
    if response.status_code == 200:
        response_200 = CheckpointList.from_dict(response.json())

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

    if response.status_code == 404:

        def _parse_response_404(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_404 = _parse_response_404(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CheckpointList | ErrorMessage | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    model_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[CheckpointList | ErrorMessage | str]:
    """List Checkpoints

     Retrieve a list of all available checkpoints for a model. This is only available for models trained
    in `expert` mode.

    Args:
        model_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointList | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        model_id=model_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    model_id: int,
    *,
    client: AuthenticatedClient,
) -> CheckpointList | ErrorMessage | str | None:
    """List Checkpoints

     Retrieve a list of all available checkpoints for a model. This is only available for models trained
    in `expert` mode.

    Args:
        model_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointList | ErrorMessage | str
    """

    return sync_detailed(
        model_id=model_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    model_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[CheckpointList | ErrorMessage | str]:
    """List Checkpoints

     Retrieve a list of all available checkpoints for a model. This is only available for models trained
    in `expert` mode.

    Args:
        model_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointList | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        model_id=model_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    model_id: int,
    *,
    client: AuthenticatedClient,
) -> CheckpointList | ErrorMessage | str | None:
    """List Checkpoints

     Retrieve a list of all available checkpoints for a model. This is only available for models trained
    in `expert` mode.

    Args:
        model_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointList | ErrorMessage | str
    """

    return (
        await asyncio_detailed(
            model_id=model_id,
            client=client,
        )
    ).parsed
