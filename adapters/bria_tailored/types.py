"""Small result types of the facade: a submitted job and what generation jobs produce.

Results carry their inputs (model id, prompt, seed, ...) so nothing needs to be passed twice (``save``
writes them into the sidecar), chain into other calls (an ``ImageResult`` is a video's input), and show
themselves: a one-line ``repr``, ``.read()`` for the bytes, ``.to_pil()`` for a Pillow image, and in a
notebook the picture itself (``_repr_png_``/``_repr_html_``, fetched once, lazily). Every type here has
``to_dict()`` and ``to_json()`` for plain data (:func:`to_plain` turns any facade value into it).

Results also record when they were made: ``submitted_at`` (when the API accepted the job, for jobs the SDK
submitted) and ``completed_at`` (when the SDK saw the job finished), both ISO 8601 in UTC; ``save`` writes
them into the sidecar's ``timings``.
"""

from __future__ import annotations

import datetime
import enum
import html
import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, cast

import attrs
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from PIL.Image import Image

    from bria_tailored_api.models import BulkUploadStatus

JobKind: TypeAlias = Literal["image", "structured_prompt", "video"]

#: The longest output ``read()`` fetches into memory (use ``client.save`` to stream bigger ones).
MAX_READ_BYTES = 512 * 1024 * 1024


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _fetch(url: str) -> bytes:
    """GET a result URL (http(s) only: a result never makes the client read a local file or bucket)."""
    import httpx

    if not url.lower().startswith(("https://", "http://")):
        from .errors import UnsafeURLError

        raise UnsafeURLError(f"refusing to read a result URL that is not http(s): {url[:80]!r}", url=url)
    with httpx.stream("GET", url, timeout=60.0, follow_redirects=True) as response:
        response.raise_for_status()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_READ_BYTES:
                raise ValueError(f"output larger than {MAX_READ_BYTES} bytes: use client.save to stream it")
            chunks.append(chunk)
    return b"".join(chunks)


def now_iso() -> str:
    """The current time as ISO 8601 in UTC, to the millisecond (``2025-01-02T03:04:05.678Z``)."""
    moment = datetime.datetime.now(datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_plain(value: object) -> object:
    """``value`` as plain JSON data: the facade's types and the API models (through their ``to_dict``),
    attrs classes (public fields), enums (their value), dates (ISO 8601), paths (text), exceptions
    (``{"type", "message"}``), mappings and sequences; anything else becomes its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        items = cast("Mapping[object, object]", value)
        return {str(k): to_plain(v) for k, v in items.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        members = cast("list[object] | tuple[object, ...] | set[object] | frozenset[object]", value)
        return [to_plain(v) for v in members]
    if isinstance(value, BaseException):
        return {"type": type(value).__name__, "message": str(value)}
    to_dict: object = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_plain(to_dict())
    if attrs.has(type(value)):
        return _fields_of(value)
    return str(value)


def _fields_of(value: object) -> dict[str, object]:
    """The public fields of an attrs instance, as plain data."""
    cls = cast("type[attrs.AttrsInstance]", type(value))
    return {a.name: to_plain(getattr(value, a.name)) for a in attrs.fields(cls) if not a.name.startswith("_")}


class ToDict:
    """``to_dict()``/``to_json()`` for the facade's attrs classes: their public fields as plain data."""

    def to_dict(self) -> dict[str, object]:
        """This object as plain data (JSON types only)."""
        return _fields_of(self)

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (``kwargs`` go to ``json.dumps``, e.g. ``indent=2``)."""
        return json.dumps(self.to_dict(), **kwargs)


class _Output(ToDict):
    """What image and video results share: plain data, a short repr, lazy bytes."""

    def to_dict(self) -> dict[str, object]:
        """The result as plain data (the structured prompt as a JSON object)."""
        data = super().to_dict()
        prompt = data.get("structured_prompt")
        if isinstance(prompt, str):
            try:
                data["structured_prompt"] = json.loads(prompt)
            except ValueError:
                pass
        return data

    def __repr__(self) -> str:
        shown = [
            f"{a.name}={_short(getattr(self, a.name))}"
            for a in attrs.fields(type(self))  # type: ignore[arg-type]
            if a.repr and getattr(self, a.name) is not None and a.name != "structured_prompt"
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


@attrs.frozen(repr=False)
class ImageResult(_Output):
    """A generated image: its URL and what made it."""

    image_url: str
    structured_prompt: str | None = None
    seed: int | None = None
    request_id: str | None = None
    model_id: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    aspect_ratio: str | None = None
    submitted_at: str | None = attrs.field(default=None, eq=False, repr=False)
    completed_at: str | None = attrs.field(factory=now_iso, eq=False, repr=False)
    _bytes: list[bytes] = attrs.field(factory=lambda: [], eq=False, repr=False, alias="_bytes")

    @property
    def url(self) -> str:
        return self.image_url

    @property
    def structured_prompt_dict(self) -> dict[str, Any] | None:
        return json.loads(self.structured_prompt) if self.structured_prompt else None

    def read(self) -> bytes:
        """The image's bytes (fetched once, then kept)."""
        if not self._bytes:
            self._bytes.append(_fetch(self.image_url))
        return self._bytes[0]

    def to_pil(self) -> Image:
        """The image as a Pillow ``Image`` (needs Pillow: ``pip install 'bria-tailored[cli]'``)."""
        import io

        from PIL import Image as PILImage

        return PILImage.open(io.BytesIO(self.read()))

    def _repr_png_(self) -> bytes | None:
        try:
            data = self.read()
        except Exception:  # a notebook falls back to the text repr
            return None
        return data if data.startswith(b"\x89PNG") else None

    def _repr_html_(self) -> str:
        caption = html.escape(f"{self.prompt or ''} (seed {self.seed})" if self.seed is not None else self.prompt or "")
        return (
            f'<figure style="margin:0"><img src="{html.escape(self.image_url)}" style="max-width:512px">'
            f"<figcaption>{caption}</figcaption></figure>"
        )


@attrs.frozen(repr=False)
class StructuredPromptResult(_Output):
    """A structured (JSON) prompt the model made from a prompt."""

    structured_prompt: str
    seed: int | None = None
    request_id: str | None = None
    model_id: str | None = None
    prompt: str | None = None
    submitted_at: str | None = attrs.field(default=None, eq=False, repr=False)
    completed_at: str | None = attrs.field(factory=now_iso, eq=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.structured_prompt)
        return parsed

    def __repr__(self) -> str:
        return f"StructuredPromptResult(structured_prompt={_short(self.structured_prompt)}, seed={self.seed!r})"


@attrs.frozen(repr=False)
class VideoResult(_Output):
    """A generated video: its URL and what made it."""

    video_url: str
    request_id: str | None = None
    model_id: str | None = None
    seed: int | None = None
    source_image: str | None = None
    submitted_at: str | None = attrs.field(default=None, eq=False, repr=False)
    completed_at: str | None = attrs.field(factory=now_iso, eq=False, repr=False)
    _bytes: list[bytes] = attrs.field(factory=lambda: [], eq=False, repr=False, alias="_bytes")

    @property
    def url(self) -> str:
        return self.video_url

    def read(self) -> bytes:
        """The video's bytes (fetched once, then kept)."""
        if not self._bytes:
            self._bytes.append(_fetch(self.video_url))
        return self._bytes[0]

    def _repr_html_(self) -> str:
        return f'<video src="{html.escape(self.video_url)}" controls style="max-width:512px"></video>'


#: What a finished generation job produces.
GenerationResult: TypeAlias = ImageResult | StructuredPromptResult | VideoResult

#: The result type a :class:`Job` stands for (``Job[ImageResult]`` is an image job).
ResultT = TypeVar("ResultT", bound=GenerationResult, default=GenerationResult, covariant=True)
R = TypeVar("R", bound=GenerationResult, default=GenerationResult)


@attrs.frozen
class Job(ToDict, Generic[ResultT]):
    """A generation request the API accepted (202); wait for it with ``client.status.wait(job)``.

    ``Job[ImageResult]`` (from ``generate.image(..., wait=False)``) waits into an ``ImageResult``; a
    ``Job`` made from a bare request id (``Job("...")``, kind ``"image"`` unless told) into whatever the
    job produced. ``inputs`` are what the request asked for (model id, prompt, seed, ...) and, for a job
    the SDK submitted, ``submitted_at`` (when it was accepted): the result carries them.
    """

    request_id: str
    status_url: str | None = None
    kind: JobKind = "image"
    inputs: dict[str, str | int | float | None] = attrs.field(factory=lambda: {}, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.inputs and "submitted_at" not in self.inputs:  # submitted by the SDK just now
            self.inputs["submitted_at"] = now_iso()


@attrs.frozen
class UploadFailure(ToDict):
    """One item of ``images.upload_many`` that failed: which source, and why (``to_dict`` gives the error
    as ``{"type", "message"}``)."""

    source: str
    error: BaseException


@attrs.frozen
class BulkUploadResult(ToDict):
    """A finished bulk upload: the final status (with ``failed_images``) and the staged object's URI."""

    status: BulkUploadStatus | None  # None when started with wait=False (ask wait_for_bulk_upload)
    staged_uri: str | None = None


def coerce_seed(value: object) -> int | None:
    """The Status Service sometimes sends the seed as a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # "x", "1.5", inf
        return None
