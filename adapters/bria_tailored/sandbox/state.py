"""The sandbox's store: typed tables of records, binary blobs, id counters; optionally in SQLite.

Records are plain JSON-able dicts (see ``records.py``; the lifecycle keeps its timestamps in them, so a
restarted sandbox resumes where it stopped). Every mutation goes through :class:`Store` under one
re-entrant lock: uvicorn serves requests on one event loop in a background thread, and bulk uploads
extract zips in worker threads. With ``db_path`` every write goes straight to SQLite (autocommit);
without it, everything lives in memory and dies with the process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Generic, TypeVar

from .records import BulkRecord, DatasetRecord, ImageRecord, JobRecord, ModelRecord, ProjectRecord

__all__ = ["Database", "Store", "Table"]

R = TypeVar("R", bound=Mapping[str, object])

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, content_type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Database:
    """The SQLite file behind a persistent store (autocommit); once closed, writes are dropped."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection: sqlite3.Connection | None = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None
        )
        self.connection.executescript(_SCHEMA)

    def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if self.connection is None:
            return []
        return [tuple(row) for row in self.connection.execute(sql, parameters).fetchall()]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Table(Generic[R]):
    """The records of one kind, by id (ids are kept as text, like the SQLite column)."""

    def __init__(self, kind: str, lock: threading.RLock, db: Database | None) -> None:
        self.kind = kind
        self.lock = lock
        self.db = db
        self.rows: dict[str, R] = {}
        if db is not None:
            for key, data in db.execute("SELECT id, data FROM records WHERE kind = ?", (kind,)):
                self.rows[str(key)] = json.loads(str(data))  # written by put() from an R

    def get(self, key: object) -> R | None:
        with self.lock:
            return self.rows.get(str(key))

    def all(self) -> list[R]:
        """Every record, ordered by id (numeric ids numerically)."""
        with self.lock:
            values = list(self.rows.items())
        values.sort(key=lambda item: (0, int(item[0]), "") if item[0].isdigit() else (1, 0, item[0]))
        return [record for _, record in values]

    def put(self, key: object, record: R) -> R:
        with self.lock:
            self.rows[str(key)] = record
            if self.db is not None:
                self.db.execute(
                    "INSERT OR REPLACE INTO records (kind, id, data) VALUES (?, ?, ?)",
                    (self.kind, str(key), json.dumps(record)),
                )
            return record

    def delete(self, key: object) -> None:
        with self.lock:
            self.rows.pop(str(key), None)
            if self.db is not None:
                self.db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (self.kind, str(key)))


class Store:
    """Records by kind, blobs and id counters, in memory and (optionally) persisted to SQLite."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self.lock = threading.RLock()
        self._db = None if db_path is None else Database(db_path)
        self._blobs: dict[str, tuple[str, bytes]] = {}
        self._counters: dict[str, int] = {}
        if self._db is not None:
            for name, value in self._db.execute("SELECT name, value FROM counters"):
                self._counters[str(name)] = int(str(value))
        self.projects: Table[ProjectRecord] = Table("project", self.lock, self._db)
        self.datasets: Table[DatasetRecord] = Table("dataset", self.lock, self._db)
        self.images: Table[ImageRecord] = Table("image", self.lock, self._db)
        self.models: Table[ModelRecord] = Table("model", self.lock, self._db)
        self.bulks: Table[BulkRecord] = Table("bulk", self.lock, self._db)  # by dataset id
        self.jobs: Table[JobRecord] = Table("job", self.lock, self._db)  # by request id

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()  # the tables' writes now stay in memory, and so do blobs
                self._db = None

    def next_id(self, kind: str, start: int = 1) -> int:
        """A new integer id for ``kind`` (ids are never reused, also across restarts)."""
        with self.lock:
            value = max(self._counters.get(kind, start - 1) + 1, start)
            self._counters[kind] = value
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (kind, value))
            return value

    # --- blobs -----------------------------------------------------------------------------------

    def put_blob(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        with self.lock:
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO blobs (key, content_type, data) VALUES (?, ?, ?)",
                    (key, content_type, sqlite3.Binary(data)),
                )
            else:
                self._blobs[key] = (content_type, bytes(data))
            return key

    def get_blob(self, key: str) -> tuple[str, bytes] | None:
        """``(content_type, data)`` or ``None``."""
        with self.lock:
            if self._db is not None:
                rows = self._db.execute("SELECT content_type, data FROM blobs WHERE key = ?", (key,))
                return (str(rows[0][0]), _as_bytes(rows[0][1])) if rows else None
            return self._blobs.get(key)

    def delete_blob(self, key: str) -> None:
        with self.lock:
            if self._db is not None:
                self._db.execute("DELETE FROM blobs WHERE key = ?", (key,))
            else:
                self._blobs.pop(key, None)


def _as_bytes(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray):  # sqlite3 returns BLOB columns as bytes
        raise TypeError(f"a blob must be bytes, not {type(value).__name__}")
    return bytes(value)
