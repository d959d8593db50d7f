"""The sandbox's store: records by kind and id, binary blobs, counters; optionally in SQLite.

Records are plain JSON-able dicts (the lifecycle keeps its timestamps in them, so a restarted sandbox
resumes where it stopped). Every mutation goes through :class:`Store` under one re-entrant lock:
uvicorn serves requests on one event loop in a background thread, and bulk uploads extract zips in
worker threads. With ``db_path`` every write goes straight to SQLite (autocommit); without it,
everything lives in memory and dies with the process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

__all__ = ["Store"]

Record = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, content_type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    """Records, blobs and id counters, in memory and (optionally) persisted to SQLite."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self.lock = threading.RLock()
        self._records: dict[str, dict[str, Record]] = {}
        self._blobs: dict[str, tuple[str, bytes]] = {}
        self._counters: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None
        if db_path is not None:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
            self._db.executescript(_SCHEMA)
            for kind, key, data in self._db.execute("SELECT kind, id, data FROM records"):
                self._records.setdefault(kind, {})[key] = json.loads(data)
            for name, value in self._db.execute("SELECT name, value FROM counters"):
                self._counters[name] = int(value)

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # --- records ---------------------------------------------------------------------------------

    def next_id(self, kind: str, start: int = 1) -> int:
        """A new integer id for ``kind`` (ids are never reused, also across restarts)."""
        with self.lock:
            value = max(self._counters.get(kind, start - 1) + 1, start)
            self._counters[kind] = value
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (kind, value))
            return value

    def get(self, kind: str, key: object) -> Record | None:
        with self.lock:
            return self._records.get(kind, {}).get(str(key))

    def all(self, kind: str) -> list[Record]:
        """Every record of a kind, ordered by id (numeric ids numerically)."""
        with self.lock:
            values = list(self._records.get(kind, {}).items())
        values.sort(key=lambda item: (0, int(item[0]), "") if item[0].isdigit() else (1, 0, item[0]))
        return [record for _, record in values]

    def put(self, kind: str, key: object, record: Record) -> Record:
        with self.lock:
            self._records.setdefault(kind, {})[str(key)] = record
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO records (kind, id, data) VALUES (?, ?, ?)",
                    (kind, str(key), json.dumps(record)),
                )
            return record

    def delete(self, kind: str, key: object) -> None:
        with self.lock:
            self._records.get(kind, {}).pop(str(key), None)
            if self._db is not None:
                self._db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, str(key)))

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
                row = self._db.execute(
                    "SELECT content_type, data FROM blobs WHERE key = ?", (key,)
                ).fetchone()
                return (row[0], bytes(row[1])) if row else None
            return self._blobs.get(key)

    def delete_blob(self, key: str) -> None:
        with self.lock:
            if self._db is not None:
                self._db.execute("DELETE FROM blobs WHERE key = ?", (key,))
            else:
                self._blobs.pop(key, None)
