"""Small result types of the facade: a submitted job and what generation jobs produce."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias

import attrs
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from bria_tailored_api.models import BulkUploadStatus

JobKind: TypeAlias = Literal["image", "structured_prompt", "video"]


@attrs.frozen
class ImageResult:
    image_url: str
    structured_prompt: str | None = None
    seed: int | None = None
    request_id: str | None = None

    @property
    def structured_prompt_dict(self) -> dict[str, Any] | None:
        return json.loads(self.structured_prompt) if self.structured_prompt else None


@attrs.frozen
class StructuredPromptResult:
    structured_prompt: str
    seed: int | None = None
    request_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.structured_prompt)
        return parsed


@attrs.frozen
class VideoResult:
    video_url: str
    request_id: str | None = None


#: What a finished generation job produces.
GenerationResult: TypeAlias = ImageResult | StructuredPromptResult | VideoResult

#: The result type a :class:`Job` stands for (``Job[ImageResult]`` is an image job).
ResultT = TypeVar("ResultT", bound=GenerationResult, default=GenerationResult, covariant=True)
R = TypeVar("R", bound=GenerationResult, default=GenerationResult)


@attrs.frozen
class Job(Generic[ResultT]):
    """A generation request the API accepted (202); wait for it with ``client.status.wait(job)``.

    ``Job[ImageResult]`` (from ``generate.image(..., wait=False)``) waits into an ``ImageResult``; a
    ``Job`` made from a bare request id (``Job("...")``, kind ``"image"`` unless told) into whatever the
    job produced.
    """

    request_id: str
    status_url: str | None = None
    kind: JobKind = "image"


@attrs.frozen
class UploadFailure:
    """One item of ``images.upload_many`` that failed: which source, and why."""

    source: str
    error: BaseException


@attrs.frozen
class BulkUploadResult:
    """A finished bulk upload: the final status (with ``failed_images``) and the staged object's URI."""

    status: BulkUploadStatus | None  # None when started with wait=False (ask wait_for_bulk_upload)
    staged_uri: str | None = None


def coerce_seed(value: object) -> int | None:
    """The Status Service sometimes sends the seed as a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
