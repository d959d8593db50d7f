from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.accepted_job import AcceptedJob
from ...models.error_message import ErrorMessage
from ...models.video_generation_request import VideoGenerationRequest
from ...types import Response


def _get_kwargs(
    *,
    body: VideoGenerationRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v2/video/generate/tailored/image-to-video",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AcceptedJob | ErrorMessage | str | None:
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
) -> Response[AcceptedJob | ErrorMessage | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: VideoGenerationRequest,
) -> Response[AcceptedJob | ErrorMessage | str]:
    """Generate Video from Tailored Image (Beta)

     (Beta)
    Initiates an asynchronous job to generate a 5-second MP4 video file animating a source image created
    by a tailored model.

    **Asynchronous Requests and the Status Service** Bria API endpoints process requests asynchronously
    by default. When you make an asynchronous request, the API immediately returns a `request_id` and a
    `status_url` instead of the final result. Use the Status Service to track the request's progress
    until it reaches a completed state.

    See the full guide at [Status Service Documentation](https://docs.bria.ai/status) for complete
    details and usage examples.

    On successful initiation, this endpoint returns a 202 Accepted response. Poll the `status_url` or
    use the Status Service with the `request_id` to check for job completion.
    Once 'Completed', the status response will contain the URL to the generated MP4 video.

    Args:
        body (VideoGenerationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedJob | ErrorMessage | str]
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
    body: VideoGenerationRequest,
) -> AcceptedJob | ErrorMessage | str | None:
    """Generate Video from Tailored Image (Beta)

     (Beta)
    Initiates an asynchronous job to generate a 5-second MP4 video file animating a source image created
    by a tailored model.

    **Asynchronous Requests and the Status Service** Bria API endpoints process requests asynchronously
    by default. When you make an asynchronous request, the API immediately returns a `request_id` and a
    `status_url` instead of the final result. Use the Status Service to track the request's progress
    until it reaches a completed state.

    See the full guide at [Status Service Documentation](https://docs.bria.ai/status) for complete
    details and usage examples.

    On successful initiation, this endpoint returns a 202 Accepted response. Poll the `status_url` or
    use the Status Service with the `request_id` to check for job completion.
    Once 'Completed', the status response will contain the URL to the generated MP4 video.

    Args:
        body (VideoGenerationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedJob | ErrorMessage | str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: VideoGenerationRequest,
) -> Response[AcceptedJob | ErrorMessage | str]:
    """Generate Video from Tailored Image (Beta)

     (Beta)
    Initiates an asynchronous job to generate a 5-second MP4 video file animating a source image created
    by a tailored model.

    **Asynchronous Requests and the Status Service** Bria API endpoints process requests asynchronously
    by default. When you make an asynchronous request, the API immediately returns a `request_id` and a
    `status_url` instead of the final result. Use the Status Service to track the request's progress
    until it reaches a completed state.

    See the full guide at [Status Service Documentation](https://docs.bria.ai/status) for complete
    details and usage examples.

    On successful initiation, this endpoint returns a 202 Accepted response. Poll the `status_url` or
    use the Status Service with the `request_id` to check for job completion.
    Once 'Completed', the status response will contain the URL to the generated MP4 video.

    Args:
        body (VideoGenerationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcceptedJob | ErrorMessage | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: VideoGenerationRequest,
) -> AcceptedJob | ErrorMessage | str | None:
    """Generate Video from Tailored Image (Beta)

     (Beta)
    Initiates an asynchronous job to generate a 5-second MP4 video file animating a source image created
    by a tailored model.

    **Asynchronous Requests and the Status Service** Bria API endpoints process requests asynchronously
    by default. When you make an asynchronous request, the API immediately returns a `request_id` and a
    `status_url` instead of the final result. Use the Status Service to track the request's progress
    until it reaches a completed state.

    See the full guide at [Status Service Documentation](https://docs.bria.ai/status) for complete
    details and usage examples.

    On successful initiation, this endpoint returns a 202 Accepted response. Poll the `status_url` or
    use the Status Service with the `request_id` to check for job completion.
    Once 'Completed', the status response will contain the URL to the generated MP4 video.

    Args:
        body (VideoGenerationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcceptedJob | ErrorMessage | str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
