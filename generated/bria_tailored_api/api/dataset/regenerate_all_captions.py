from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset import Dataset
from ...models.error_message import ErrorMessage
from ...types import Response


def _get_kwargs(
    dataset_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/tailored-gen/datasets/{dataset_id}/images".format(
            dataset_id=quote(str(dataset_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Dataset | ErrorMessage | str | None:
    if response.status_code == 202:
        response_202 = Dataset.from_dict(response.json())

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
) -> Response[Dataset | ErrorMessage | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[Dataset | ErrorMessage | str]:
    """Regenerate All Captions

     Regenerate captions for all images in a dataset. This is crucial after updating the visual schema,
    to ensure full compatibility with the new schema.

    This is an asynchronous operation. Once called, poll Get Dataset by ID until
    `captions_update_status` changes to 'completed'.

    Args:
        dataset_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dataset | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
) -> Dataset | ErrorMessage | str | None:
    """Regenerate All Captions

     Regenerate captions for all images in a dataset. This is crucial after updating the visual schema,
    to ensure full compatibility with the new schema.

    This is an asynchronous operation. Once called, poll Get Dataset by ID until
    `captions_update_status` changes to 'completed'.

    Args:
        dataset_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dataset | ErrorMessage | str
    """

    return sync_detailed(
        dataset_id=dataset_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[Dataset | ErrorMessage | str]:
    """Regenerate All Captions

     Regenerate captions for all images in a dataset. This is crucial after updating the visual schema,
    to ensure full compatibility with the new schema.

    This is an asynchronous operation. Once called, poll Get Dataset by ID until
    `captions_update_status` changes to 'completed'.

    Args:
        dataset_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dataset | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
) -> Dataset | ErrorMessage | str | None:
    """Regenerate All Captions

     Regenerate captions for all images in a dataset. This is crucial after updating the visual schema,
    to ensure full compatibility with the new schema.

    This is an asynchronous operation. Once called, poll Get Dataset by ID until
    `captions_update_status` changes to 'completed'.

    Args:
        dataset_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dataset | ErrorMessage | str
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            client=client,
        )
    ).parsed
