"""The durable journal of a batch: an append-only JSONL file, one line per change of a row's state.

::

    {"journal": "bria-tailored batch", "version": 1, "input": "<sha256 of every row>", "model": "12",
     "shard": "1/4", "out": "s3://b/campaign/", "rows": 2500, "created_at": 1767225600.0}
    {"id": "7", "state": "submitting", "t": ...}
    {"id": "7", "state": "submitted", "request_id": "8d1f...", "t": ...}
    {"id": "7", "state": "saved", "request_id": "8d1f...", "uri": "s3://b/campaign/7.png", "seed": 42, "t": ...}

A row moves planned → submitting → submitted(request_id) → saved | failed (and back to planned when a
submit was refused by the server, which took nothing). The line of a change is written before the next
step starts; ``submitting`` and ``submitted`` are also ``fsync``-ed, so not even a power cut can lose a
submit that was made. The last line wins. A torn last line (a crash in the middle of a write) is cut off on
open; any other unreadable line is an error.

The first line says what the journal is for: the fingerprint of the input rows, the model, the shard and
the output. Opening it for anything else is refused. One run at a time: the journal is locked
(``<journal>.lock``, released by the OS even after ``kill -9``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from io import BufferedWriter
from pathlib import Path
from typing import Literal, TypeAlias

import filelock

from ..errors import BriaError, ValidationError

__all__ = ["KIND", "Journal", "RowState", "State"]

KIND = "bria-tailored batch"
VERSION = 1
#: What must match for a journal to be resumed (the rest of the header is informative).
IDENTITY = ("input", "model", "shard", "out")

State: TypeAlias = Literal["planned", "submitting", "submitted", "saved", "failed"]
Stage: TypeAlias = Literal["submit", "job", "save"]
_STATES = ("planned", "submitting", "submitted", "saved", "failed")


class RowState:
    """The latest state of one row (small: a 10,000-row journal holds 10,000 of these)."""

    __slots__ = ("error", "request_id", "seed", "stage", "state", "uncertain", "uri")

    def __init__(self, state: State) -> None:
        self.state: State = state
        self.request_id: str | None = None
        self.uri: str | None = None
        self.seed: int | None = None
        self.error: str | None = None
        self.stage: Stage | None = None
        self.uncertain = False  # a failed submit that may have reached Bria (the connection broke)

    def apply(self, record: dict[str, object]) -> None:
        state = record.get("state")
        if state in _STATES:
            self.state = state  # type: ignore[assignment]  # one of _STATES
        request_id = record.get("request_id")
        if isinstance(request_id, str):
            self.request_id = request_id
        elif state in ("planned", "submitting"):
            self.request_id = None
        uri, seed, error, stage = (record.get(k) for k in ("uri", "seed", "error", "stage"))
        self.uncertain = record.get("uncertain") is True
        self.uri = uri if isinstance(uri, str) else None
        self.seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
        self.error = error if isinstance(error, str) else None
        self.stage = (
            "submit"
            if stage == "submit"
            else "job"
            if stage == "job"
            else "save"
            if stage == "save"
            else None
        )


class Journal:
    """An open journal: :meth:`open` it, :meth:`append` changes, :meth:`close` it."""

    def __init__(self, path: Path, handle: BufferedWriter, lock: filelock.BaseFileLock) -> None:
        self.path = path
        self._file = handle
        self._lock = lock
        self._write_lock = threading.Lock()
        self.closed = False

    @classmethod
    def open(cls, path: Path, header: dict[str, object]) -> tuple[Journal, dict[str, RowState]]:
        """Open (or create) the journal at ``path`` for ``header``; returns it and every row's state."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(path) + ".lock", timeout=0, thread_local=False)  # released by the last lane
        try:
            lock.acquire()
        except filelock.Timeout:
            raise BriaError(
                f"the batch journal {path} is in use by another run (lock {path}.lock): wait for it to end, "
                "or give this run its own journal= (and shard=, so the two do not overlap)"
            ) from None
        try:
            states = cls._read(path, header) if path.exists() and path.stat().st_size else None
            handle = path.open("ab")
            if states is None:
                states = {}
                handle.write(
                    _line({"journal": KIND, "version": VERSION, **header, "created_at": time.time()})
                )
                handle.flush()
                os.fsync(handle.fileno())
                _fsync_dir(path.parent)
        except BaseException:
            lock.release()
            raise
        return cls(path, handle, lock), states

    @staticmethod
    def _read(path: Path, header: dict[str, object]) -> dict[str, RowState]:
        states: dict[str, RowState] = {}
        good = 0  # bytes of complete, readable lines
        with path.open("rb") as handle:
            first = handle.readline()
            found = _parse(first)
            if found is None or found.get("journal") != KIND:
                raise ValidationError("journal", str(path), "is not a bria-tailored batch journal")
            if found.get("version") != VERSION:
                raise ValidationError(
                    "journal", str(path), f"has version {found.get('version')!r}, not {VERSION}"
                )
            for name in IDENTITY:
                if found.get(name) != header.get(name):
                    what = {
                        "input": "other input rows",
                        "model": "another model",
                        "shard": "another shard",
                        "out": "another output",
                    }[name]
                    raise ValidationError(
                        "journal",
                        str(path),
                        f"was written for {what} ({name}: {found.get(name)!r}, now {header.get(name)!r}): "
                        "a journal resumes the same batch only; give a new journal= for a new batch",
                    )
            good = len(first)
            for raw in handle:
                record = _parse(raw)
                if record is None or not raw.endswith(b"\n"):
                    if handle.read(1):  # not the last line
                        raise BriaError(f"the batch journal {path} has an unreadable line after byte {good}")
                    break  # a torn last line: the write it belonged to never finished
                row_id = record.get("id")
                if isinstance(row_id, str):
                    state = states.get(row_id)
                    if state is None:
                        state = states[row_id] = RowState("planned")
                    state.apply(record)
                good += len(raw)
        if good < path.stat().st_size:
            with path.open("r+b") as handle:
                handle.truncate(good)
        return states

    def append(self, record: dict[str, object], *, sync: bool = False) -> None:
        """Write one change (``sync``: and ``fsync`` it) before the caller goes on."""
        data = _line({**record, "t": round(time.time(), 3)})
        with self._write_lock:
            self._file.write(data)
            self._file.flush()
            if sync:
                os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._write_lock:
            if self.closed:
                return
            self.closed = True
            try:
                self._file.close()
            finally:
                self._lock.release()


def _line(record: dict[str, object]) -> bytes:
    return (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _parse(raw: bytes) -> dict[str, object] | None:
    try:
        value: object = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None  # pyright: ignore[reportUnknownVariableType]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
