"""Small result types of the facade: a submitted job and what generation jobs produce."""

from __future__ import annotations

import json
from typing import Any

import attrs


@attrs.frozen
class Job:
    """A generation request the API accepted (202); wait for it with ``client.status.wait(job)``."""

    request_id: str
    status_url: str | None = None
    kind: str = "image"


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


@attrs.frozen
class UploadFailure:
    """One item of ``images.upload_many`` that failed: which source, and why."""

    source: str
    error: BaseException


@attrs.frozen
class BulkUploadResult:
    """A finished bulk upload: the final status (with ``failed_images``) and the staged object's URI."""

    status: Any
    staged_uri: str | None = None


def coerce_seed(value: Any) -> int | None:
    """The Status Service sometimes sends the seed as a string."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
