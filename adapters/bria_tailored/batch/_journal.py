"""The durable journal of a batch: what a re-run after a crash, ``kill -9`` or Ctrl-C resumes from.

It is one SQLite database (stdlib :mod:`sqlite3`, WAL mode): by default ``batch-journal.sqlite`` in a
local output folder, else ``<inputs>.bria-batch.sqlite`` beside the input file, or ``journal=``.

**Schema.**

``meta (key TEXT PRIMARY KEY, value TEXT)``
    What the journal is for, one JSON value per key: ``kind`` (``"bria-tailored batch"``), ``version``,
    ``input`` (the sha256 fingerprint of every row), ``model``, ``shard``, ``out``, ``rows``,
    ``source`` and ``created_at``. Written once, in the transaction that creates the tables.
``rows (id TEXT PRIMARY KEY, state, request_id, uri, seed, error, stage, uncertain, updated_at)``
    The latest state of each row (a row never written is ``planned``). This is what a re-run reads.
``events (seq INTEGER PRIMARY KEY, id, state, record, t)``
    Every change in order (``record`` is its JSON): history for a person, never read back.

A row moves planned → submitting → submitted(request_id) → saved | failed (and back to planned when a
submit was refused by the server, which took nothing). Each :meth:`Journal.append` is one transaction (an
UPSERT of the row with :meth:`RowState.apply`'s rules, plus its event) committed before it returns, so
before the batch takes the next step: the change survives the process dying right after (``kill -9``,
a crash, Ctrl-C), and the next open replays the WAL. A change is whole or absent, never torn.

**Durability.** ``synchronous=NORMAL`` for ordinary changes, ``FULL`` for ``sync=True`` ones
(``submitting`` and ``submitted``): their commit ``fsync``-s the WAL, so not even a power cut can lose a
submit that was made. The WAL is written in order, so that ``fsync`` also makes every earlier change
durable. A power cut (not a process kill) can lose only the changes since the last synced one, and each
of those is redone safely: a lost ``saved`` or ``failed`` leaves the row ``submitted`` (re-attached by its
request id, saved again to the same key); a lost ``planned`` or submit ``failed`` leaves it ``submitting``
(submitted again and counted uncertain). An ``fsync`` for every ``saved`` would only slow the lanes down.

The journal must be on a local file system (WAL needs shared memory between the processes of one host;
SQLite does not support it over NFS or SMB). Opening a journal for another input, model, shard or output
is refused, and so is a file that is not a journal (which is then left untouched). One run at a time: the
journal is locked (``<journal>.lock``, released by the OS even after ``kill -9``); other processes may read
it while a run goes on (``sqlite3 batch-journal.sqlite "select state, count(*) from rows group by 1"``):
WAL gives them a consistent snapshot without holding the run back.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal, TypeAlias, cast

import filelock

from ..errors import BriaError, ValidationError

__all__ = ["KIND", "Journal", "RowState", "State"]

KIND = "bria-tailored batch"
VERSION = 2  # 1 was the JSONL journal
#: What must match for a journal to be resumed (the rest of the header is informative).
IDENTITY = ("input", "model", "shard", "out")

State: TypeAlias = Literal["planned", "submitting", "submitted", "saved", "failed"]
Stage: TypeAlias = Literal["submit", "job", "save"]
_STATES: tuple[State, ...] = ("planned", "submitting", "submitted", "saved", "failed")
_STAGES: tuple[Stage, ...] = ("submit", "job", "save")

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE rows (id TEXT PRIMARY KEY, state TEXT NOT NULL, request_id TEXT, uri TEXT, seed INTEGER,"
    " error TEXT, stage TEXT, uncertain INTEGER NOT NULL DEFAULT 0, updated_at REAL)",
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, state TEXT, record TEXT NOT NULL,"
    " t REAL NOT NULL)",
)
# RowState.apply in SQL: the state only when the change names one; the request id kept unless the change
# gives one or moves the row back to planned/submitting; everything else is the change's.
_UPSERT = """
INSERT INTO rows (id, state, request_id, uri, seed, error, stage, uncertain, updated_at)
VALUES (:id, coalesce(:state, 'planned'), :request_id, :uri, :seed, :error, :stage, :uncertain, :t)
ON CONFLICT (id) DO UPDATE SET
    state = coalesce(:state, state),
    request_id = CASE
        WHEN :request_id IS NOT NULL THEN :request_id
        WHEN :state IN ('planned', 'submitting') THEN NULL
        ELSE request_id
    END,
    uri = :uri, seed = :seed, error = :error, stage = :stage, uncertain = :uncertain, updated_at = :t
"""
_EVENT = "INSERT INTO events (id, state, record, t) VALUES (:id, :state, :record, :t)"


class _Fields:
    """The fields of one change, each ``None`` unless the change gives it with the right type."""

    __slots__ = ("error", "request_id", "seed", "stage", "state", "uncertain", "uri")

    def __init__(self, record: dict[str, object]) -> None:
        state, request_id, uri, seed, error, stage = (
            record.get(k) for k in ("state", "request_id", "uri", "seed", "error", "stage")
        )
        self.state: State | None = _state(state)
        self.request_id = request_id if isinstance(request_id, str) else None
        self.uri = uri if isinstance(uri, str) else None
        self.seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
        self.error = error if isinstance(error, str) else None
        self.stage: Stage | None = _stage(stage)
        self.uncertain = record.get("uncertain") is True


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
        """Apply one change (the journal's UPSERT follows the same rules)."""
        fields = _Fields(record)
        if fields.state is not None:
            self.state = fields.state
        if fields.request_id is not None:
            self.request_id = fields.request_id
        elif fields.state in ("planned", "submitting"):
            self.request_id = None
        self.uncertain = fields.uncertain
        self.uri = fields.uri
        self.seed = fields.seed
        self.error = fields.error
        self.stage = fields.stage


class Journal:
    """An open journal: :meth:`open` it, :meth:`append` changes, :meth:`close` it."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock: filelock.BaseFileLock) -> None:
        self.path = path
        self._db = db
        self._lock = lock
        self._write_lock = threading.Lock()
        self._synchronous = "NORMAL"
        self.closed = False

    @classmethod
    def open(cls, path: Path, header: dict[str, object]) -> tuple[Journal, dict[str, RowState]]:
        """Open (or create) the journal at ``path`` for ``header``; returns it and every row's state."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the lane that closes the journal (the last one out) releases the lock.
        lock = filelock.FileLock(str(path) + ".lock", timeout=0, thread_local=False)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise BriaError(
                f"the batch journal {path} is in use by another run (lock {path}.lock): wait for it to end, "
                "or give this run its own journal= (and shard=, so the two do not overlap)"
            ) from None
        try:
            db = _connect(path)
            try:
                states = _load(db, path, header)
            except BaseException:
                db.close()
                raise
        except BaseException:
            lock.release()
            raise
        return cls(path, db, lock), states

    def append(self, record: dict[str, object], *, sync: bool = False) -> None:
        """Commit one change of a row (``record["id"]``) before the caller goes on; ``sync``: and ``fsync``
        it (with every change before it)."""
        fields = _Fields(record)
        row_id = record.get("id")
        if not isinstance(row_id, str):
            raise TypeError(f"a journal record needs a str id, not {row_id!r}")
        t = round(time.time(), 3)
        params: dict[str, object] = {
            "id": row_id,
            "state": fields.state,
            "request_id": fields.request_id,
            "uri": fields.uri,
            "seed": fields.seed,
            "error": fields.error,
            "stage": fields.stage,
            "uncertain": int(fields.uncertain),
            "t": t,
        }
        change = {k: v for k, v in record.items() if k != "id"}
        event = {"id": row_id, "state": fields.state, "record": json.dumps(change, default=str), "t": t}
        synchronous = "FULL" if sync else "NORMAL"
        with self._write_lock:
            if self.closed:
                raise ValueError(f"the batch journal {self.path} is closed")
            try:
                if synchronous != self._synchronous:  # read at commit time: set between transactions
                    self._db.execute(f"PRAGMA synchronous={synchronous}")
                    self._synchronous = synchronous
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute(_UPSERT, params)
                    self._db.execute(_EVENT, event)
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise BriaError(f"could not write the batch journal {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the database (the last connection folds the WAL into it) and release the lock."""
        with self._write_lock:
            if self.closed:
                return
            self.closed = True
            try:
                self._db.close()
            finally:
                self._lock.release()


def _connect(path: Path) -> sqlite3.Connection:
    try:
        # isolation_level=None: no implicit transactions (append commits its own); one connection shared by
        # the lanes' threads, every use under Journal._write_lock (or before the Journal exists).
        return sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise BriaError(f"could not open the batch journal {path}: {exc}") from exc


def _load(db: sqlite3.Connection, path: Path, header: dict[str, object]) -> dict[str, RowState]:
    """Check (or write) the journal's meta, put it in WAL mode, and read every row's state."""
    try:
        tables = {
            name for (name, kind) in db.execute("SELECT name, type FROM sqlite_master") if kind == "table"
        }
        fresh = not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
            if _is_jsonl_journal(path):
                raise ValidationError(
                    "journal",
                    str(path),
                    "is a JSONL batch journal of an earlier bria-tailored, which this version cannot "
                    "resume: finish the batch with that version, or give a new journal= (every row is "
                    "submitted again)",
                ) from None
            raise ValidationError("journal", str(path), "is not a bria-tailored batch journal") from None
        raise BriaError(f"could not read the batch journal {path}: {exc}") from exc
    if not fresh:
        _check(db, path, header, tables)  # before anything is written: a file that is not a journal is kept
    try:
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise BriaError(f"the batch journal {path} cannot use SQLite's WAL mode (it is in {mode!r} mode)")
        db.execute("PRAGMA synchronous=NORMAL")
        if fresh:
            meta = {"kind": KIND, "version": VERSION, **header, "created_at": time.time()}
            db.execute("PRAGMA synchronous=FULL")  # the journal exists once its tables and meta are durable
            db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                db.execute(statement)
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(key, json.dumps(value, default=str)) for key, value in meta.items()],
            )
            db.execute("COMMIT")
            db.execute("PRAGMA synchronous=NORMAL")
            _fsync_dir(path.parent)
            return {}
        states: dict[str, RowState] = {}
        query = "SELECT id, state, request_id, uri, seed, error, stage, uncertain FROM rows"
        for row_id, state, request_id, uri, seed, error, stage, uncertain in db.execute(query):
            known = _state(state)
            if not isinstance(row_id, str) or known is None:
                raise BriaError(f"the batch journal {path} has an unreadable row: {row_id!r} in {state!r}")
            row = states[row_id] = RowState(known)
            row.request_id = request_id if isinstance(request_id, str) else None
            row.uri = uri if isinstance(uri, str) else None
            row.seed = seed if isinstance(seed, int) else None
            row.error = error if isinstance(error, str) else None
            row.stage = _stage(stage)
            row.uncertain = bool(uncertain)
        return states
    except sqlite3.Error as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise BriaError(f"could not open the batch journal {path}: {exc}") from exc


def _check(db: sqlite3.Connection, path: Path, header: dict[str, object], tables: set[str]) -> None:
    """Refuse a database that is not a journal, a journal of another version, or of another batch."""
    found: dict[str, object] = {}
    if {"meta", "rows", "events"} <= tables:
        try:
            for key, value in db.execute("SELECT key, value FROM meta"):
                found[str(key)] = json.loads(value) if isinstance(value, str) else None
        except (sqlite3.Error, ValueError):
            found = {}
    if found.get("kind") != KIND:
        raise ValidationError("journal", str(path), "is not a bria-tailored batch journal")
    if found.get("version") != VERSION:
        raise ValidationError("journal", str(path), f"has version {found.get('version')!r}, not {VERSION}")
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


def _is_jsonl_journal(path: Path) -> bool:
    """Whether ``path`` is a JSONL journal (version 1, before SQLite): its first line names the kind."""
    try:
        with path.open("rb") as handle:
            first: object = json.loads(handle.readline(65536))
    except (OSError, ValueError):
        return False
    return isinstance(first, dict) and cast("dict[str, object]", first).get("journal") == KIND


def _state(value: object) -> State | None:
    for state in _STATES:
        if value == state:
            return state
    return None


def _stage(value: object) -> Stage | None:
    for stage in _STAGES:
        if value == stage:
            return stage
    return None


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
