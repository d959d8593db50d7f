from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.model import Model
from ...models.training_request import TrainingRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    model_id: int,
    *,
    body: TrainingRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tailored-gen/models/{model_id}/start_training".format(
            model_id=quote(str(model_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | str | Model | None:
    if response.status_code == 200:
        response_200 = Model.from_dict(response.json())

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

    if response.status_code == 409:

        def _parse_response_409(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_409 = _parse_response_409(response.json())

        return response_409

    if response.status_code == 412:

        def _parse_response_412(data: object) -> ErrorMessage | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_type_1 = ErrorMessage.from_dict(data)

                return componentsschemas_error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorMessage | str, data)

        response_412 = _parse_response_412(response.json())

        return response_412

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
) -> Response[ErrorMessage | str | Model]:
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
    body: TrainingRequest | Unset = UNSET,
) -> Response[ErrorMessage | str | Model]:
    """Start Training

     Start model training. Training duration is typically 2-4 hours.
    The associated dataset must have a status of 'completed' before training can begin.

    If parameters are not provided, optimal default values are automatically selected based on the
    dataset.

    **Default Training Parameters:**
    * `rank`: 128
    * `learning_rate`: 0.0001
    * `lr_scheduler`: "constant_with_warmup"
    * `total_training_steps`: 750
    * `checkpoint_interval`: 500

    **Constraints:**
    * Advanced training parameters are only supported when the model's `training_mode` is set to
    'expert'.

    Args:
        model_id (int):
        body (TrainingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | Model]
    """

    kwargs = _get_kwargs(
        model_id=model_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    model_id: int,
    *,
    client: AuthenticatedClient,
    body: TrainingRequest | Unset = UNSET,
) -> ErrorMessage | str | Model | None:
    """Start Training

     Start model training. Training duration is typically 2-4 hours.
    The associated dataset must have a status of 'completed' before training can begin.

    If parameters are not provided, optimal default values are automatically selected based on the
    dataset.

    **Default Training Parameters:**
    * `rank`: 128
    * `learning_rate`: 0.0001
    * `lr_scheduler`: "constant_with_warmup"
    * `total_training_steps`: 750
    * `checkpoint_interval`: 500

    **Constraints:**
    * Advanced training parameters are only supported when the model's `training_mode` is set to
    'expert'.

    Args:
        model_id (int):
        body (TrainingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | Model
    """

    return sync_detailed(
        model_id=model_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    model_id: int,
    *,
    client: AuthenticatedClient,
    body: TrainingRequest | Unset = UNSET,
) -> Response[ErrorMessage | str | Model]:
    """Start Training

     Start model training. Training duration is typically 2-4 hours.
    The associated dataset must have a status of 'completed' before training can begin.

    If parameters are not provided, optimal default values are automatically selected based on the
    dataset.

    **Default Training Parameters:**
    * `rank`: 128
    * `learning_rate`: 0.0001
    * `lr_scheduler`: "constant_with_warmup"
    * `total_training_steps`: 750
    * `checkpoint_interval`: 500

    **Constraints:**
    * Advanced training parameters are only supported when the model's `training_mode` is set to
    'expert'.

    Args:
        model_id (int):
        body (TrainingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | Model]
    """

    kwargs = _get_kwargs(
        model_id=model_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    model_id: int,
    *,
    client: AuthenticatedClient,
    body: TrainingRequest | Unset = UNSET,
) -> ErrorMessage | str | Model | None:
    """Start Training

     Start model training. Training duration is typically 2-4 hours.
    The associated dataset must have a status of 'completed' before training can begin.

    If parameters are not provided, optimal default values are automatically selected based on the
    dataset.

    **Default Training Parameters:**
    * `rank`: 128
    * `learning_rate`: 0.0001
    * `lr_scheduler`: "constant_with_warmup"
    * `total_training_steps`: 750
    * `checkpoint_interval`: 500

    **Constraints:**
    * Advanced training parameters are only supported when the model's `training_mode` is set to
    'expert'.

    Args:
        model_id (int):
        body (TrainingRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | Model
    """

    return (
        await asyncio_detailed(
            model_id=model_id,
            client=client,
            body=body,
        )
    ).parsed
