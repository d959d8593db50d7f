"""The state manifest of a training run: a small JSON file that makes ``client.train`` resumable.

It records the ids of the project, dataset and model, every uploaded file name → image id, and the last
step finished. It is rewritten atomically (temporary file + rename) after every step and every upload, so
a crash or Ctrl-C leaves either the old or the new version, never a torn one. Before each create call the
run records its *intent* (``creating``); a re-run that finds an intent without an id looks the object up
by name instead of creating a second one.

Only one run may use a manifest at a time: :class:`TrainLock` holds an OS file lock (``filelock``:
``flock`` on POSIX, ``LockFileEx`` on Windows) on ``<state>.lock`` for the whole run, and records who holds
it (pid, host, start time) in ``<state>.lock.json``. A second run fails fast with
:class:`StateLockedError` naming that process, or waits for it (``wait_lock=True``). The OS releases the
lock when its process dies, however it dies; a run that then finds the dead process's record took over a
stale lock (:attr:`TrainLock.took_over`), and the pid check says whether a recorded holder still runs.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final, Literal, TypeAlias, TypedDict, TypeGuard, Unpack

import attrs
import filelock

from ..errors import BriaError, ValidationError

if TYPE_CHECKING:
    from .._operations import UploadTypeValue

VERSION = 1
#: A step of a training run.
Step: TypeAlias = Literal[
    "new", "project", "dataset", "schema", "upload", "captions", "complete", "model", "training", "done"
]
#: The steps of a training run, in order; ``TrainState.step`` is the last one finished.
STEPS: Final[tuple[Step, ...]] = (
    "new",
    "project",
    "dataset",
    "schema",
    "upload",
    "captions",
    "complete",
    "model",
    "training",
    "done",
)
#: What a run creates (and records the id of).
Created: TypeAlias = Literal["project", "dataset", "model"]


class StateChanges(TypedDict, total=False):
    """The fields :meth:`TrainState.update` may change."""

    upload_type: UploadTypeValue | None
    images: dict[str, int]
    bulk_started: bool
    staged_uri: str | None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@attrs.define(eq=False)
class TrainState:
    """What a run has done so far (see the module docstring). ``save`` is thread-safe and atomic."""

    path: Path
    base_url: str
    source: str
    step: Step = "new"
    upload_type: UploadTypeValue | None = None
    project_id: int | None = None
    project_name: str | None = None
    dataset_id: int | None = None
    dataset_name: str | None = None
    model_id: int | None = None
    model_name: str | None = None
    images: dict[str, int] = attrs.field(factory=dict[str, int])
    creating: Created | None = None
    creating_since: float | None = None
    bulk_started: bool = False
    staged_uri: str | None = None
    started_at: str = attrs.field(factory=_now)
    updated_at: str | None = None
    resumed: bool = False
    _lock: threading.RLock = attrs.field(factory=threading.RLock, repr=False)

    _SAVED: ClassVar[tuple[str, ...]] = tuple(
        (
            "base_url source step upload_type project_id project_name dataset_id dataset_name model_id "
            "model_name images creating creating_since bulk_started staged_uri started_at updated_at"
        ).split()
    )

    @classmethod
    def open(cls, path: str | os.PathLike[str], base_url: str, source: str) -> TrainState:
        """Load the manifest at ``path`` (a resumed run) or start a new one; refuse another server's."""
        path = Path(path).expanduser().resolve()
        if not path.exists():
            return cls(path=path, base_url=base_url, source=source)
        try:
            data: object = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidationError("state", str(path), f"is not a readable train state file ({exc})") from None
        if not _is_object(data) or data.get("version") != VERSION or data.get("step") not in STEPS:
            raise ValidationError("state", str(path), "is not a bria-tailored train state file (version 1)")
        if data.get("base_url") != base_url:
            raise ValidationError(
                "state",
                str(path),
                f"records a run against {data.get('base_url')}, not {base_url}; pass another state= path "
                "(or delete this file) to start a new run",
            )
        state = cls(path=path, base_url=base_url, source=source, resumed=True)
        try:
            for key in cls._SAVED:
                if key in data and key not in ("base_url", "images"):
                    setattr(state, key, data[key])  # the file is ours: its fields are what save() wrote
            images: object = data.get("images") or {}
            if not _is_object(images):
                raise TypeError("images must be an object")
            state.images = {str(k): int(str(v)) for k, v in images.items()}
        except (TypeError, ValueError) as exc:
            raise ValidationError("state", str(path), f"is not a readable train state file ({exc})") from None
        return state

    def reached(self, step: Step) -> bool:
        return STEPS.index(self.step) >= STEPS.index(step)

    def finished_ids(self) -> tuple[int, int, int]:
        """The project, dataset and model ids of a finished run."""
        if self.project_id is None or self.dataset_id is None or self.model_id is None:
            raise ValidationError("state", str(self.path), "is marked done but lacks the ids of its run")
        return self.project_id, self.dataset_id, self.model_id

    def finish(self, step: Step) -> None:
        with self._lock:
            if STEPS.index(step) > STEPS.index(self.step):
                self.step = step
            self.save()

    def intend(self, what: Created) -> None:
        """Record that ``what`` (``project``/``dataset``/``model``) is about to be created."""
        with self._lock:
            self.creating, self.creating_since = what, time.time()
            self.save()

    def created(self, what: Created, object_id: int, name: str | None) -> None:
        with self._lock:
            setattr(self, f"{what}_id", object_id)
            if name is not None:
                setattr(self, f"{what}_name", name)
            self.creating, self.creating_since = None, None
            self.save()

    def record_image(self, name: str, image_id: int) -> None:
        with self._lock:
            self.images[name] = image_id
            self.save()

    def update(self, **changes: Unpack[StateChanges]) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self, key, value)
            self.save()

    def as_dict(self) -> dict[str, object]:
        with self._lock:
            out: dict[str, object] = {"version": VERSION}
            out.update({k: getattr(self, k) for k in self._SAVED})
            out["images"] = dict(sorted(self.images.items()))
            return out

    def save(self) -> None:
        """Write the manifest atomically (a temporary file in the same folder, then ``os.replace``)."""
        with self._lock:
            self.updated_at = _now()
            text = json.dumps(self.as_dict(), indent=2) + "\n"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


def _is_object(value: object) -> TypeGuard[dict[str, object]]:
    return isinstance(value, dict)


# ------------------------------------------------------------------------------------------- the lock
#: The OS lock file of a manifest: ``<state>.lock`` beside it.
LOCK_SUFFIX = ".lock"
#: Who holds the lock (pid, host, start time): ``<state>.lock.json`` beside it.
HOLDER_SUFFIX = ".lock.json"
#: Seconds between two tries of a run that waits for the lock (``wait_lock=True``).
LOCK_POLL_SECONDS = 0.5


def _pid_alive(pid: int) -> bool | None:
    """Whether process ``pid`` of this host runs (None: cannot tell on this platform)."""
    if os.name == "nt":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    except OSError:
        return None
    return True


@attrs.frozen
class LockHolder:
    """The run recorded as holding a manifest's lock. ``alive`` is the pid check (same host only: None
    for another host, or where it cannot be told)."""

    pid: int
    host: str
    started_at: str
    source: str | None = None
    alive: bool | None = None

    def describe(self) -> str:
        running = {True: "", False: " (no longer running)", None: ""}[self.alive]
        return f"process {self.pid} on {self.host}{running}, started {self.started_at}"


class StateLockedError(BriaError):
    """Another ``train`` run holds the lock of the same state manifest (see :class:`TrainLock`).

    ``holder`` names it (pid, host, start time), or is None when it recorded nothing yet. Wait for it to
    finish (``wait_lock=True``, ``--wait-lock``) or pass another ``state=`` path.
    """

    def __init__(self, state_path: Path, holder: LockHolder | None) -> None:
        self.state_path = state_path
        self.holder = holder
        who = holder.describe() if holder else "a process that has not recorded itself yet"
        hint = ""
        if holder is not None and holder.alive is False:
            hint = " (a process it started may still hold the lock)"
        super().__init__(
            f"another train run is using {state_path}: {who}{hint}. Wait for it to finish (wait_lock=True "
            "or --wait-lock waits), or pass another state= path to start a separate run"
        )


class TrainLock:
    """The OS file lock that makes a run the only user of its manifest (see the module docstring).

    ``acquire()`` never blocks: it returns False when another run holds the lock (``holder`` then names
    it). ``release()`` removes the holder record and frees the lock. The lock belongs to the object, not
    to a thread, so a run may take and free it from different worker threads.
    """

    def __init__(self, state_path: str | os.PathLike[str], source: str | None = None) -> None:
        self.state_path = Path(state_path).expanduser().resolve()
        self.path = self.state_path.with_name(self.state_path.name + LOCK_SUFFIX)
        self.holder_path = self.state_path.with_name(self.state_path.name + HOLDER_SUFFIX)
        self.source = source
        self.holder: LockHolder | None = None
        self.took_over: LockHolder | None = None
        self._lock = filelock.FileLock(str(self.path), thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> bool:
        """Take the lock if it is free and record this process as its holder; else False (and ``holder``)."""
        if self._lock.is_locked:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            self.holder = self._current_holder()
            return False
        try:
            self.took_over = self.read_holder()  # a record left behind: its run died holding the lock
            self.holder = None
            self._write_holder()
        except BaseException:
            self._lock.release()
            raise
        return True

    def release(self) -> None:
        """Forget the holder record and free the lock (a no-op when not held)."""
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def read_holder(self) -> LockHolder | None:
        """The holder recorded in ``<state>.lock.json``, with the pid check; None without a readable one."""
        try:
            data: object = json.loads(self.holder_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not _is_object(data):
            return None
        pid, host, started = data.get("pid"), data.get("host"), data.get("started_at")
        if not isinstance(pid, int) or not isinstance(host, str) or not isinstance(started, str):
            return None
        source = data.get("source")
        alive = _pid_alive(pid) if host == socket.gethostname() else None
        return LockHolder(pid, host, started, source if isinstance(source, str) else None, alive)

    def _current_holder(self) -> LockHolder | None:
        # The holder writes its record just after taking the lock: give it a moment when none (or a dead
        # process's, which it is about to replace) is there yet.
        for _ in range(5):
            holder = self.read_holder()
            if holder is not None and holder.alive is not False:
                return holder
            time.sleep(0.05)
        return self.read_holder()

    def _write_holder(self) -> None:
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": _now(),
            "source": self.source,
            "state": str(self.state_path),
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.holder_path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(record, indent=2) + "\n")
            os.replace(tmp, self.holder_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
