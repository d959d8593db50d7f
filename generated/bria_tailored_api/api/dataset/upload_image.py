from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset_image import DatasetImage
from ...models.error_message import ErrorMessage
from ...models.image_upload import ImageUpload
from ...types import Response


def _get_kwargs(
    dataset_id: int,
    *,
    body: ImageUpload,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tailored-gen/datasets/{dataset_id}/images".format(
            dataset_id=quote(str(dataset_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetImage | ErrorMessage | str | None:
    if response.status_code == 201:
        response_201 = DatasetImage.from_dict(response.json())

        return response_201

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
) -> Response[DatasetImage | ErrorMessage | str]:
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
    body: ImageUpload,
) -> Response[DatasetImage | ErrorMessage | str]:
    """Upload Image Files

     Upload a new image to a dataset.

    **Image Requirements:**
    - Recommended minimum resolution: 1024x1024 pixels for best quality
      - By default, smaller images (down to 256x256) will be automatically upscaled
    (`increase_resolution=true`)
      - To strictly enforce the 1024x1024 minimum, set `increase_resolution=false`
    - Supported formats: jpg, jpeg, png, webp
    - Preferably use original high-quality assets

    **Dataset Guidelines:**
    - Recommended: 5-50 images for optimal results
    - Maximum supported: 200 images
    - Ensure consistency in style, structure, and visual elements
    - Balance diversity in content while maintaining consistency in key elements

    **For optimal training (especially for characters/objects):**
    - Subject should occupy most of the image area
    - Minimize unnecessary margins around the subject
    - Transparent backgrounds will be converted to black
    - For character datasets: include diverse poses, environments, attires, and interactions

    **Constraints:**
    - Can only be used by "basic" upload type datasets. Use `/v1/tailored-
    gen/datasets/{dataset_id}/images/bulk-upload` for advanced datasets.
    - Dataset must have at least 5 images
    - Dataset cannot exceed 200 images
    - Cannot upload to a completed dataset

    This API endpoint supports content moderation via an optional parameter.

    Args:
        dataset_id (int):
        body (ImageUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetImage | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
    body: ImageUpload,
) -> DatasetImage | ErrorMessage | str | None:
    """Upload Image Files

     Upload a new image to a dataset.

    **Image Requirements:**
    - Recommended minimum resolution: 1024x1024 pixels for best quality
      - By default, smaller images (down to 256x256) will be automatically upscaled
    (`increase_resolution=true`)
      - To strictly enforce the 1024x1024 minimum, set `increase_resolution=false`
    - Supported formats: jpg, jpeg, png, webp
    - Preferably use original high-quality assets

    **Dataset Guidelines:**
    - Recommended: 5-50 images for optimal results
    - Maximum supported: 200 images
    - Ensure consistency in style, structure, and visual elements
    - Balance diversity in content while maintaining consistency in key elements

    **For optimal training (especially for characters/objects):**
    - Subject should occupy most of the image area
    - Minimize unnecessary margins around the subject
    - Transparent backgrounds will be converted to black
    - For character datasets: include diverse poses, environments, attires, and interactions

    **Constraints:**
    - Can only be used by "basic" upload type datasets. Use `/v1/tailored-
    gen/datasets/{dataset_id}/images/bulk-upload` for advanced datasets.
    - Dataset must have at least 5 images
    - Dataset cannot exceed 200 images
    - Cannot upload to a completed dataset

    This API endpoint supports content moderation via an optional parameter.

    Args:
        dataset_id (int):
        body (ImageUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetImage | ErrorMessage | str
    """

    return sync_detailed(
        dataset_id=dataset_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
    body: ImageUpload,
) -> Response[DatasetImage | ErrorMessage | str]:
    """Upload Image Files

     Upload a new image to a dataset.

    **Image Requirements:**
    - Recommended minimum resolution: 1024x1024 pixels for best quality
      - By default, smaller images (down to 256x256) will be automatically upscaled
    (`increase_resolution=true`)
      - To strictly enforce the 1024x1024 minimum, set `increase_resolution=false`
    - Supported formats: jpg, jpeg, png, webp
    - Preferably use original high-quality assets

    **Dataset Guidelines:**
    - Recommended: 5-50 images for optimal results
    - Maximum supported: 200 images
    - Ensure consistency in style, structure, and visual elements
    - Balance diversity in content while maintaining consistency in key elements

    **For optimal training (especially for characters/objects):**
    - Subject should occupy most of the image area
    - Minimize unnecessary margins around the subject
    - Transparent backgrounds will be converted to black
    - For character datasets: include diverse poses, environments, attires, and interactions

    **Constraints:**
    - Can only be used by "basic" upload type datasets. Use `/v1/tailored-
    gen/datasets/{dataset_id}/images/bulk-upload` for advanced datasets.
    - Dataset must have at least 5 images
    - Dataset cannot exceed 200 images
    - Cannot upload to a completed dataset

    This API endpoint supports content moderation via an optional parameter.

    Args:
        dataset_id (int):
        body (ImageUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetImage | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: int,
    *,
    client: AuthenticatedClient,
    body: ImageUpload,
) -> DatasetImage | ErrorMessage | str | None:
    """Upload Image Files

     Upload a new image to a dataset.

    **Image Requirements:**
    - Recommended minimum resolution: 1024x1024 pixels for best quality
      - By default, smaller images (down to 256x256) will be automatically upscaled
    (`increase_resolution=true`)
      - To strictly enforce the 1024x1024 minimum, set `increase_resolution=false`
    - Supported formats: jpg, jpeg, png, webp
    - Preferably use original high-quality assets

    **Dataset Guidelines:**
    - Recommended: 5-50 images for optimal results
    - Maximum supported: 200 images
    - Ensure consistency in style, structure, and visual elements
    - Balance diversity in content while maintaining consistency in key elements

    **For optimal training (especially for characters/objects):**
    - Subject should occupy most of the image area
    - Minimize unnecessary margins around the subject
    - Transparent backgrounds will be converted to black
    - For character datasets: include diverse poses, environments, attires, and interactions

    **Constraints:**
    - Can only be used by "basic" upload type datasets. Use `/v1/tailored-
    gen/datasets/{dataset_id}/images/bulk-upload` for advanced datasets.
    - Dataset must have at least 5 images
    - Dataset cannot exceed 200 images
    - Cannot upload to a completed dataset

    This API endpoint supports content moderation via an optional parameter.

    Args:
        dataset_id (int):
        body (ImageUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetImage | ErrorMessage | str
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            client=client,
            body=body,
        )
    ).parsed
