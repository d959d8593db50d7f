"""``sqlite:///path/objects.db``: objects in one SQLite database file, streamed in chunks, written atomically.

How it keeps the ``StorageBackend`` contract (what ``bria_tailored.testing`` checks):

* ``put`` streams the source into chunk rows under a fresh upload id, then one short transaction points
  the key at the new upload and drops the old one's chunks. Readers never see half an object; a put that
  fails deletes its chunks and leaves an existing object as it was.
* ``open_read`` streams chunk by chunk inside a read transaction (a snapshot of the WAL-mode database),
  so an overwrite landing meanwhile does not mix two versions.
* Keys go through ``validate_key``: empty, absolute and ``..`` keys raise ``InvalidKeyError`` (a
  ``StorageError``). sha256 and size are computed while streaming (``HashingReader``).
* ``public_url`` raises ``NotPubliclyAddressableError``: nobody outside this machine can read the file.
* SQLite errors become ``StorageError`` (chained to the original); a missing key ``ObjectNotFoundError``;
  an error of the source reaches the caller unchanged.

Each call opens its own connection (SQLite connections are cheap), so one storage serves many threads.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bria_tailored.errors import NotPubliclyAddressableError, ObjectNotFoundError, StorageError
from bria_tailored.storage import (
    HashingReader,
    SourceLike,
    StorageBackend,
    StoredObject,
    guess_content_type,
    open_source,
    validate_key,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["SQLiteStorage"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY,
    upload TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    upload TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (upload, seq)
);
"""


class SQLiteStorage(StorageBackend):
    """Objects in the SQLite file named by ``sqlite:///abs/path/objects.db`` (created on first use)."""

    schemes = ("sqlite",)

    def __init__(self, uri: str, /, *, chunk_size: int = 1024 * 1024, timeout: float = 30.0) -> None:
        if not uri.lower().startswith("sqlite://") or not uri[len("sqlite://") :]:
            raise StorageError(f"a SQLite storage URI looks like sqlite:///path/objects.db, not {uri!r}")
        self.path = Path(uri[len("sqlite://") :]).expanduser().resolve()
        self._chunk_size = chunk_size
        self._timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._errors("open"), self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")  # readers see a snapshot while writers go on
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def _errors(self, action: str) -> _SQLiteErrors:
        return _SQLiteErrors(f"cannot {action} {self.uri('')}")

    def uri(self, key: str) -> str:
        return f"sqlite://{self.path}/{validate_key(key)}" if key else f"sqlite://{self.path}"

    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        key = validate_key(key)
        ctype = content_type or guess_content_type(key) or "application/octet-stream"
        upload = uuid.uuid4().hex
        with open_source(source) as src, self._errors(f"put {key!r} into"), self._connect() as con:
            reader = HashingReader(src.stream)
            try:
                seq = 0
                while chunk := reader.read(self._chunk_size):  # a source error propagates as it is
                    con.execute("INSERT INTO chunks VALUES (?, ?, ?)", (upload, seq, chunk))
                    seq += 1
                con.execute("BEGIN IMMEDIATE")  # publish: point the key at the complete upload
                old = con.execute("SELECT upload FROM objects WHERE key = ?", (key,)).fetchone()
                con.execute(
                    "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                    (key, upload, reader.size, reader.hexdigest(), ctype),
                )
                if old is not None:
                    con.execute("DELETE FROM chunks WHERE upload = ?", (old[0],))
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                con.execute("DELETE FROM chunks WHERE upload = ?", (upload,))  # the failed upload's chunks
                raise
        return StoredObject(self.uri(key), key, reader.size, reader.hexdigest(), ctype)

    def open_read(self, key: str) -> _ChunkReader:
        key = validate_key(key)
        with self._errors(f"read {key!r} from"):
            con = self._connect()
            try:
                con.execute("BEGIN")  # a read transaction: the snapshot this reader sees
                row = con.execute("SELECT upload FROM objects WHERE key = ?", (key,)).fetchone()
            except BaseException:
                con.close()
                raise
        if row is None:
            con.close()
            raise ObjectNotFoundError(f"no object at {self.uri(key)}")
        return _ChunkReader(con, str(row[0]))

    def exists(self, key: str) -> bool:
        key = validate_key(key)
        with self._errors("look up"), self._connect() as con:
            return con.execute("SELECT 1 FROM objects WHERE key = ?", (key,)).fetchone() is not None

    def delete(self, key: str) -> None:
        key = validate_key(key)
        with self._errors(f"delete {key!r} from"), self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            row = con.execute("SELECT upload FROM objects WHERE key = ?", (key,)).fetchone()
            if row is not None:  # deleting a missing key is not an error
                con.execute("DELETE FROM objects WHERE key = ?", (key,))
                con.execute("DELETE FROM chunks WHERE upload = ?", (row[0],))
            con.execute("COMMIT")

    def list(self, prefix: str = "") -> Iterator[str]:
        if prefix:  # a prefix follows the rules of keys (and may end with "/")
            validate_key(prefix.removesuffix("/"), field="prefix")
        with self._errors("list"), self._connect() as con:
            rows = con.execute(
                "SELECT key FROM objects WHERE substr(key, 1, ?) = ? ORDER BY key", (len(prefix), prefix)
            ).fetchall()
        return iter([str(row[0]) for row in rows])

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        raise NotPubliclyAddressableError(
            f"{self.uri(validate_key(key))} is in a SQLite file on this machine: Bria's servers cannot fetch "
            "it; stage files through s3:// or gs:// storage instead"
        )


class _SQLiteErrors:
    """``with`` block turning ``sqlite3.Error`` into ``StorageError`` (chained)."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"{self.action}: {exc}") from exc


class _ChunkReader(io.RawIOBase):
    """An object read chunk by chunk in its own connection and read transaction; ``close()`` ends both."""

    def __init__(self, con: sqlite3.Connection, upload: str) -> None:
        super().__init__()
        self._con, self._upload = con, upload
        self._seq, self._buffer = 0, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        parts: list[bytes] = []
        wanted = -1 if size is None or size < 0 else size
        while wanted != 0:
            if not self._buffer:
                row = self._con.execute(
                    "SELECT data FROM chunks WHERE upload = ? AND seq = ?", (self._upload, self._seq)
                ).fetchone()
                if row is None:
                    break
                self._buffer, self._seq = bytes(row[0]), self._seq + 1
            take = len(self._buffer) if wanted < 0 else min(wanted, len(self._buffer))
            parts.append(self._buffer[:take])
            self._buffer = self._buffer[take:]
            wanted = -1 if wanted < 0 else wanted - take
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._con.close()  # ends the read transaction too
        super().close()
