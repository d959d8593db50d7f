from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset_image import DatasetImage
from ...models.error_message import ErrorMessage
from ...types import Response


def _get_kwargs(
    dataset_id: int,
    image_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tailored-gen/datasets/{dataset_id}/images/{image_id}".format(
            dataset_id=quote(str(dataset_id), safe=""),
            image_id=quote(str(image_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetImage | ErrorMessage | str | None:
    if response.status_code == 200:
        response_200 = DatasetImage.from_dict(response.json())

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
) -> Response[DatasetImage | ErrorMessage | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    dataset_id: int,
    image_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[DatasetImage | ErrorMessage | str]:
    """Get Image by ID

     Retrieve full image information.

    Args:
        dataset_id (int):
        image_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetImage | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        image_id=image_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: int,
    image_id: int,
    *,
    client: AuthenticatedClient,
) -> DatasetImage | ErrorMessage | str | None:
    """Get Image by ID

     Retrieve full image information.

    Args:
        dataset_id (int):
        image_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetImage | ErrorMessage | str
    """

    return sync_detailed(
        dataset_id=dataset_id,
        image_id=image_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    dataset_id: int,
    image_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[DatasetImage | ErrorMessage | str]:
    """Get Image by ID

     Retrieve full image information.

    Args:
        dataset_id (int):
        image_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetImage | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        image_id=image_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: int,
    image_id: int,
    *,
    client: AuthenticatedClient,
) -> DatasetImage | ErrorMessage | str | None:
    """Get Image by ID

     Retrieve full image information.

    Args:
        dataset_id (int):
        image_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetImage | ErrorMessage | str
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            image_id=image_id,
            client=client,
        )
    ).parsed
