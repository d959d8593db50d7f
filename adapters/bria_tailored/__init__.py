"""bria-tailored: the Python SDK and command line for Bria's Tailored Generation API.

::

    from bria_tailored import TailoredClient
    with TailoredClient() as client:              # token from $BRIA_API_TOKEN
        project = client.projects.create(project_name="Mascot", ip_medium="illustration", ip_type="icons")
"""

from typing import TYPE_CHECKING, Any

from . import errors
from ._version import __version__
from .types import ImageResult, Job, StructuredPromptResult, UploadFailure, VideoResult

if TYPE_CHECKING:
    from .client import AsyncTailoredClient, TailoredClient

__all__ = [
    "AsyncTailoredClient",
    "ImageResult",
    "Job",
    "StructuredPromptResult",
    "TailoredClient",
    "UploadFailure",
    "VideoResult",
    "__version__",
    "errors",
]


def __getattr__(name: str) -> Any:
    # The clients import httpx and the generated package; load them on first use to keep import light.
    if name in ("TailoredClient", "AsyncTailoredClient"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module 'bria_tailored' has no attribute {name!r}")
