from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.project import Project
from ...models.project_create import ProjectCreate
from ...types import Response


def _get_kwargs(
    *,
    body: ProjectCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tailored-gen/projects",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | str | Project | None:
    if response.status_code == 201:
        response_201 = Project.from_dict(response.json())

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
) -> Response[ErrorMessage | str | Project]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ProjectCreate,
) -> Response[ErrorMessage | str | Project]:
    """Create Project

     Create a new project within the organization.

    The following IP types are supported:

    **Defined Character**
    A specific character that maintains consistent identity and unique traits while being reproduced in
    different poses, situations, and actions.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_dog.png"
    alt="Example of defined character in different poses, photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/defined_character.png" alt="Example of defined character
    in different poses, illustrative medium" />

    **Stylized Scene**
    Complete environments or scenes created with a consistent visual style, look, and feel.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_scene.png" alt="Example of stylized scene,
    photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/stylized_scene.png"
    alt="Example of stylized scene, illustrative medium" />

    **Multi-Object Set**
    A collection of different objects sharing a common style, design language, or color scheme. Objects
    are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/multi_object_set.png" alt="Example of multi-object set" />

    **Object Variants**
    Multiple variations of the same object type, maintaining consistent style and structure while
    showing different interpretations. Objects are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/object_variants.png"
    alt="Example of object variants" />

    **Icons**
    A collection of cohesive, small-scale illustrations or symbols designed to represent concepts,
    actions, or objects in interfaces and applications.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/icons.png"
    alt="Example of icon set" />

    **Character Variants**
    Multiple characters sharing the same fundamental structure, style, and color palette, allowing
    creation of new characters that fit within the established design system.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/character_variants.png" alt="Example of character
    variants" />

    Args:
        body (ProjectCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | Project]
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
    body: ProjectCreate,
) -> ErrorMessage | str | Project | None:
    """Create Project

     Create a new project within the organization.

    The following IP types are supported:

    **Defined Character**
    A specific character that maintains consistent identity and unique traits while being reproduced in
    different poses, situations, and actions.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_dog.png"
    alt="Example of defined character in different poses, photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/defined_character.png" alt="Example of defined character
    in different poses, illustrative medium" />

    **Stylized Scene**
    Complete environments or scenes created with a consistent visual style, look, and feel.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_scene.png" alt="Example of stylized scene,
    photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/stylized_scene.png"
    alt="Example of stylized scene, illustrative medium" />

    **Multi-Object Set**
    A collection of different objects sharing a common style, design language, or color scheme. Objects
    are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/multi_object_set.png" alt="Example of multi-object set" />

    **Object Variants**
    Multiple variations of the same object type, maintaining consistent style and structure while
    showing different interpretations. Objects are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/object_variants.png"
    alt="Example of object variants" />

    **Icons**
    A collection of cohesive, small-scale illustrations or symbols designed to represent concepts,
    actions, or objects in interfaces and applications.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/icons.png"
    alt="Example of icon set" />

    **Character Variants**
    Multiple characters sharing the same fundamental structure, style, and color palette, allowing
    creation of new characters that fit within the established design system.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/character_variants.png" alt="Example of character
    variants" />

    Args:
        body (ProjectCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | Project
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ProjectCreate,
) -> Response[ErrorMessage | str | Project]:
    """Create Project

     Create a new project within the organization.

    The following IP types are supported:

    **Defined Character**
    A specific character that maintains consistent identity and unique traits while being reproduced in
    different poses, situations, and actions.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_dog.png"
    alt="Example of defined character in different poses, photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/defined_character.png" alt="Example of defined character
    in different poses, illustrative medium" />

    **Stylized Scene**
    Complete environments or scenes created with a consistent visual style, look, and feel.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_scene.png" alt="Example of stylized scene,
    photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/stylized_scene.png"
    alt="Example of stylized scene, illustrative medium" />

    **Multi-Object Set**
    A collection of different objects sharing a common style, design language, or color scheme. Objects
    are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/multi_object_set.png" alt="Example of multi-object set" />

    **Object Variants**
    Multiple variations of the same object type, maintaining consistent style and structure while
    showing different interpretations. Objects are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/object_variants.png"
    alt="Example of object variants" />

    **Icons**
    A collection of cohesive, small-scale illustrations or symbols designed to represent concepts,
    actions, or objects in interfaces and applications.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/icons.png"
    alt="Example of icon set" />

    **Character Variants**
    Multiple characters sharing the same fundamental structure, style, and color palette, allowing
    creation of new characters that fit within the established design system.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/character_variants.png" alt="Example of character
    variants" />

    Args:
        body (ProjectCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | str | Project]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ProjectCreate,
) -> ErrorMessage | str | Project | None:
    """Create Project

     Create a new project within the organization.

    The following IP types are supported:

    **Defined Character**
    A specific character that maintains consistent identity and unique traits while being reproduced in
    different poses, situations, and actions.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_dog.png"
    alt="Example of defined character in different poses, photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/defined_character.png" alt="Example of defined character
    in different poses, illustrative medium" />

    **Stylized Scene**
    Complete environments or scenes created with a consistent visual style, look, and feel.

    Medium: Photography

    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/photogrpahy_scene.png" alt="Example of stylized scene,
    photography medium" />

    Medium: Illustration

    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/stylized_scene.png"
    alt="Example of stylized scene, illustrative medium" />

    **Multi-Object Set**
    A collection of different objects sharing a common style, design language, or color scheme. Objects
    are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/multi_object_set.png" alt="Example of multi-object set" />

    **Object Variants**
    Multiple variations of the same object type, maintaining consistent style and structure while
    showing different interpretations. Objects are typically isolated on solid backgrounds.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/object_variants.png"
    alt="Example of object variants" />

    **Icons**
    A collection of cohesive, small-scale illustrations or symbols designed to represent concepts,
    actions, or objects in interfaces and applications.
    <img src="https://bria-datasets.s3.us-east-1.amazonaws.com/api_doc/tailored_gen/icons.png"
    alt="Example of icon set" />

    **Character Variants**
    Multiple characters sharing the same fundamental structure, style, and color palette, allowing
    creation of new characters that fit within the established design system.
    <img src="https://bria-datasets.s3.us-
    east-1.amazonaws.com/api_doc/tailored_gen/character_variants.png" alt="Example of character
    variants" />

    Args:
        body (ProjectCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | str | Project
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
