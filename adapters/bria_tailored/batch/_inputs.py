"""The rows of a batch: from a list of dicts or a JSONL/CSV file, streamed, checked, fingerprinted, sharded.

A row is one image: ``prompt`` (or ``structured_prompt`` with ``seed``) and any other field of
``generate.image`` (:data:`FIELDS`), plus an optional ``id`` (default: its 1-based position in the input)
and ``name`` (the output's key without extension; default: the id). Ids and names are unique across the
whole input (every shard), so hosts sharing an output prefix never write the same key.

A file is read line by line, never whole: memory stays flat in the number of rows. :meth:`Source.scan`
reads it once to check every row (before anything is billed) and fingerprint it; the run reads it again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import attrs

from .. import validation
from .._storage_base import validate_key
from ..errors import ValidationError

if TYPE_CHECKING:
    from .._operations import AspectRatioValue

__all__ = ["FIELDS", "Row", "Scan", "Source", "in_shard", "parse_shard"]


def _as_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError("must be true or false")


def _as_int(text: str) -> int:
    return int(text.strip())


def _as_float(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


#: The ``generate.image`` fields a row may carry, with how a CSV cell (text) becomes a value.
FIELDS: Mapping[str, Callable[[str], object]] = {
    "prompt": str,
    "structured_prompt": str,
    "negative_prompt": str,
    "seed": _as_int,
    "aspect_ratio": str,
    "guidance_scale": _as_int,
    "steps_num": _as_int,
    "tailored_model_influence": _as_float,
    "prompt_content_moderation": _as_bool,
    "visual_output_content_moderation": _as_bool,
    "webhook_url": str,
}
_META = ("id", "name")
_MAX_ID = 200


@attrs.frozen
class Row:
    """One row: where it came from, its id and name, and its ``generate.image`` arguments."""

    index: int  # 1-based position in the input
    where: str  # "prompts.jsonl:12", "rows[11]": for messages
    id: str
    name: str | None
    prompt: str | None = None
    structured_prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    aspect_ratio: AspectRatioValue | None = None
    guidance_scale: int | None = None
    steps_num: int | None = None
    tailored_model_influence: float | None = None
    prompt_content_moderation: bool | None = None
    visual_output_content_moderation: bool | None = None
    webhook_url: str | None = None

    @property
    def stem(self) -> str:
        """The output's key without its extension."""
        return self.name or self.id

    def fields(self) -> dict[str, object]:
        """The ``generate.image`` arguments that are set."""
        return {name: getattr(self, name) for name in FIELDS if getattr(self, name) is not None}

    def inputs(self, model_id: str) -> dict[str, str | int | float | None]:
        """What the request asks for, for a result re-attached by request id to carry (as a submit's does)."""
        carried: dict[str, str | int | float | None] = {"model_id": model_id}
        for name in ("prompt", "negative_prompt", "seed", "aspect_ratio"):
            value: object = getattr(self, name)
            if isinstance(value, str | int | float):
                carried[name] = value
        return carried

    def fingerprint(self) -> bytes:
        return json.dumps([self.id, self.name, self.fields()], sort_keys=True, separators=(",", ":")).encode()


@attrs.frozen
class Scan:
    """What one full read of the input found: row counts and the fingerprint of every row."""

    rows: int  # in the whole input
    in_shard: int  # in this shard
    fingerprint: str


def parse_shard(shard: object) -> tuple[int, int] | None:
    """``"I/N"`` (1-based: ``1/4`` ... ``4/4``) as ``(I, N)``; ``None`` for no sharding."""
    if shard is None:
        return None
    if not isinstance(shard, str) or shard.count("/") != 1:
        raise ValidationError("shard", shard, "must be 'I/N' (e.g. '2/4': the second of four shards)")
    left, right = shard.split("/")
    try:
        index, count = int(left), int(right)
    except ValueError:
        raise ValidationError("shard", shard, "must be 'I/N' with whole numbers") from None
    if count < 1 or not 1 <= index <= count:
        raise ValidationError("shard", shard, "needs 1 <= I <= N")
    return index, count


def in_shard(row_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether a row belongs to shard ``I/N``: by a hash of its id, so every host splits one file the same
    way whatever the order of its lines."""
    if shard is None or shard[1] == 1:
        return True
    digest = hashlib.sha256(row_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shard[1] == shard[0] - 1


class Source:
    """The rows of a batch: a JSONL or CSV file (read line by line), or a list of mappings."""

    def __init__(self, inputs: object) -> None:
        self.path: Path | None = None
        self.items: Sequence[object] | None = None
        if isinstance(inputs, str | os.PathLike):
            raw: object = os.fspath(cast("str | os.PathLike[str]", inputs))
            if not isinstance(raw, str) or not raw.strip():
                raise ValidationError("inputs", raw, "must be a JSONL or CSV file, or a list of dicts")
            if "://" in raw:
                raise ValidationError("inputs", raw, "must be a local JSONL or CSV file (copy it here first)")
            path = Path(raw)
            if path.suffix.lower() not in (".jsonl", ".ndjson", ".csv"):
                raise ValidationError(
                    "inputs", raw, "must be a .jsonl (one JSON object per line) or .csv file (a header row)"
                )
            self.path = path
            self.description = str(path)
        elif isinstance(inputs, Sequence) and not isinstance(inputs, bytes | bytearray):
            self.items = cast("Sequence[object]", inputs)
            self.description = f"a list of {len(self.items)} rows"
        else:
            raise ValidationError(
                "inputs", type(inputs).__name__, "must be a JSONL or CSV file, or a list of dicts"
            )

    # ------------------------------------------------------------------ reading
    def _raw(self) -> Iterator[tuple[str, object, bool]]:
        """(where, the row as read, whether its values are CSV text)."""
        if self.items is not None:
            for i, item in enumerate(self.items):
                yield f"rows[{i}]", item, False
            return
        assert self.path is not None
        if not self.path.is_file():
            raise ValidationError("inputs", str(self.path), "is not a file")
        name = self.path.name
        if self.path.suffix.lower() == ".csv":
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                for record in reader:
                    cells = {k: v for k, v in record.items() if k is not None and v not in (None, "")}
                    if None in record:
                        raise ValidationError(
                            f"{name}:{reader.line_num}", None, "has more cells than the header"
                        )
                    yield f"{name}:{reader.line_num}", cells, True
            return
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    parsed: object = json.loads(line)
                except ValueError:
                    raise ValidationError(f"{name}:{number}", line.strip()[:80], "is not JSON") from None
                yield f"{name}:{number}", parsed, False

    def rows(self, model_id: str, *, check: bool = True) -> Iterator[Row]:
        """Every row, in input order (``check``: against the spec's ``ImageGenerationRequest`` too)."""
        index = 0
        for where, item, text in self._raw():
            index += 1
            yield _row(index, where, item, text, model_id, check)

    def scan(self, model_id: str, shard: tuple[int, int] | None) -> Scan:
        """Read every row once: check it, refuse duplicate ids and names, fingerprint the whole input."""
        digest = hashlib.sha256()
        ids: set[str] = set()
        stems: set[str] = set()
        total = mine = 0
        for row in self.rows(model_id):
            if row.id in ids:
                raise ValidationError(
                    f"{row.where}.id", row.id, "is the id of an earlier row (ids are unique)"
                )
            if row.stem in stems:
                raise ValidationError(
                    f"{row.where}.name", row.stem, "is the output name of an earlier row (names are unique)"
                )
            ids.add(row.id)
            stems.add(row.stem)
            digest.update(row.fingerprint() + b"\n")
            total += 1
            mine += in_shard(row.id, shard)
        if total == 0:
            raise ValidationError("inputs", self.description, "holds no rows")
        return Scan(total, mine, digest.hexdigest())


def _row(index: int, where: str, item: object, text: bool, model_id: str, check: bool) -> Row:
    if not isinstance(item, Mapping):
        raise ValidationError(
            where, type(item).__name__, "must be a JSON object (a dict) of generate.image fields"
        )
    values: dict[str, object] = {}
    for key, value in cast("Mapping[object, object]", item).items():
        if not isinstance(key, str):
            raise ValidationError(where, key, "has a key that is not a string")
        if key not in FIELDS and key not in _META:
            known = ", ".join([*_META, *FIELDS])
            raise ValidationError(f"{where}.{key}", value, f"is not a field of a batch row ({known})")
        if value is None:
            continue
        if text and isinstance(value, str) and key in FIELDS:
            try:
                value = FIELDS[key](value)
            except ValueError as exc:
                raise ValidationError(f"{where}.{key}", value, str(exc) or "has the wrong type") from None
        if key == "structured_prompt" and isinstance(value, Mapping):
            value = json.dumps(value)
        values[key] = value
    row_id = _text_id(where, values.pop("id", None), index)
    name = values.pop("name", None)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValidationError(f"{where}.name", name, "must be a non-empty string")
    stem = name if isinstance(name, str) else row_id
    try:
        validate_key(stem + ".png", f"{where}.name" if name is not None else f"{where}.id")
    except ValidationError as exc:
        raise ValidationError(exc.field, stem, f"cannot name an output file: {exc.rule}") from None
    if check:
        try:
            validation.check_generation_inputs(
                values.get("prompt"), values.get("structured_prompt"), values.get("seed")
            )
            validation.check_seed("seed", values.get("seed"))
            if "webhook_url" in values:
                validation.check_http_url("webhook_url", values["webhook_url"])
            body = {"tailored_model_id": model_id, **values}
            validation.check_body("ImageGenerationRequest", body)
        except ValidationError as exc:
            raise ValidationError(f"{where}.{exc.field}", exc.value, exc.rule) from None
    for key, value in values.items():
        if not _typed(key, value):
            raise ValidationError(f"{where}.{key}", value, "has the wrong type")
    return Row(index, where, row_id, name if isinstance(name, str) else None, **values)  # type: ignore[arg-type]  # types checked above


def _typed(key: str, value: object) -> bool:
    kind = FIELDS[key]
    if kind is str:
        return isinstance(value, str)
    if kind is _as_bool:
        return isinstance(value, bool)
    if kind is _as_int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text_id(where: str, value: object, index: int) -> str:
    if value is None:
        return str(index)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f"{where}.id", value, "must be a string or a whole number")
    text = str(value)
    if not text.strip() or len(text) > _MAX_ID or not text.isprintable():
        raise ValidationError(f"{where}.id", value, f"must be 1-{_MAX_ID} printable characters")
    return text
