"""The batch journal on its own: a SQLite database in WAL mode whose rows keep their latest state across
close, reopen and a process killed with SIGKILL; refused for another batch or a file that is not a journal;
one opener at a time."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from batch_support import child_env

from bria_tailored.batch._journal import IDENTITY, KIND, VERSION, Journal, RowState
from bria_tailored.errors import BriaError, ValidationError

HEADER: dict[str, object] = {
    "input": "c0ffee",
    "model": 12,
    "shard": None,
    "out": "/srv/out",
    "rows": 3,
    "source": "a list of 3 rows",
}


def connect(path: Path) -> contextlib.closing[sqlite3.Connection]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    return contextlib.closing(db)


def stored(path: Path) -> dict[str, dict[str, Any]]:
    with connect(path) as db:
        return {row["id"]: dict(row) for row in db.execute("SELECT * FROM rows")}


def reopen(path: Path, header: dict[str, object] = HEADER) -> dict[str, RowState]:
    journal, states = Journal.open(path, header)
    journal.close()
    return states


def test_row_states_persist_across_close_and_reopen_with_the_same_rules_as_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, states = Journal.open(path, HEADER)
    assert states == {} and journal.path == path and not journal.closed
    changes: list[dict[str, object]] = [
        {"id": "a", "state": "submitting"},
        {"id": "a", "state": "submitted", "request_id": "r-a"},
        {"id": "a", "state": "saved", "request_id": "r-a", "uri": "file:///srv/out/a.png", "seed": 42},
        {"id": "b", "state": "submitting"},
        {"id": "b", "state": "submitted", "request_id": "r-b"},
        {"id": "b", "state": "failed", "stage": "job", "error": "boom"},  # keeps its request id
        {"id": "c", "state": "submitting"},
        {"id": "c", "state": "failed", "stage": "submit", "error": "reset", "uncertain": True},
        {"id": "d", "state": "submitting"},
        {"id": "d", "state": "submitted", "request_id": "r-d"},
        {"id": "d", "state": "planned"},  # back to planned: the request id goes
        {"id": "e", "state": "submitted", "request_id": "r-e"},
        {"id": "e", "state": "submitting"},  # submitting again: so does this one
    ]
    expected: dict[str, RowState] = {}
    for change in changes:
        journal.append(change, sync=change["state"] in ("submitting", "submitted"))
        row_id = str(change["id"])
        expected.setdefault(row_id, RowState("planned")).apply(change)
    journal.close()
    assert journal.closed
    journal.close()  # twice is fine

    got = reopen(path)
    assert set(got) == set(expected) == {"a", "b", "c", "d", "e"}
    for row_id, want in expected.items():
        have = got[row_id]
        assert {k: getattr(have, k) for k in RowState.__slots__} == {
            k: getattr(want, k) for k in RowState.__slots__
        }, row_id
    assert (got["a"].state, got["a"].request_id, got["a"].uri, got["a"].seed) == (
        "saved",
        "r-a",
        "file:///srv/out/a.png",
        42,
    )
    assert (got["b"].state, got["b"].request_id, got["b"].stage, got["b"].error) == (
        "failed",
        "r-b",
        "job",
        "boom",
    )
    assert got["c"].uncertain and got["c"].stage == "submit" and not got["a"].uncertain
    assert (got["d"].state, got["d"].request_id) == ("planned", None)
    assert (got["e"].state, got["e"].request_id) == ("submitting", None)

    # The history is kept too, in order; the header is in meta.
    with connect(path) as db:
        events = [
            (row["id"], row["state"]) for row in db.execute("SELECT id, state FROM events ORDER BY seq")
        ]
        meta = {row["key"]: json.loads(row["value"]) for row in db.execute("SELECT key, value FROM meta")}
    assert events == [(str(c["id"]), c["state"]) for c in changes]
    assert meta["kind"] == KIND and meta["version"] == VERSION
    assert {k: meta[k] for k in HEADER} == HEADER and isinstance(meta["created_at"], float)


def test_the_journal_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, _ = Journal.open(path, HEADER)
    try:
        journal.append({"id": "a", "state": "submitting"}, sync=True)
        with connect(path) as db:  # another connection sees the committed change while the run goes on
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("SELECT state FROM rows WHERE id = 'a'").fetchone()[0] == "submitting"
        assert Path(f"{path}-wal").exists()
    finally:
        journal.close()
    with connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # it stays so in the file


@pytest.mark.parametrize("field", IDENTITY)
def test_a_journal_of_another_batch_is_refused_naming_what_differs(tmp_path: Path, field: str) -> None:
    path = tmp_path / "j.sqlite"
    reopen(path)
    other = {**HEADER, field: 13 if field == "model" else "2/4" if field == "shard" else "something else"}
    with pytest.raises(ValidationError) as caught:
        Journal.open(path, other)
    message = str(caught.value)
    assert str(path) in message and f"{field}: " in message and "give a new journal=" in message
    assert caught.value.field == "journal"
    reopen(path)  # the refusal released the lock and changed nothing


def test_files_that_are_not_a_journal_are_refused_and_left_as_they_were(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 10)
    with pytest.raises(ValidationError, match="is not a bria-tailored batch journal") as caught:
        Journal.open(text, HEADER)
    assert str(text) in str(caught.value)
    assert text.read_text() == "not a database at all\n" * 10

    other = tmp_path / "other.db"  # somebody else's SQLite database
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE things (x)")
        db.commit()
    with pytest.raises(ValidationError, match="is not a bria-tailored batch journal"):
        Journal.open(other, HEADER)
    with connect(other) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["things"]

    old = tmp_path / "batch-journal.jsonl"  # the JSONL journal of bria-tailored before SQLite
    old.write_text(json.dumps({"journal": KIND, "version": 1, **HEADER}) + "\n")
    with pytest.raises(ValidationError, match="JSONL batch journal of an earlier bria-tailored"):
        Journal.open(old, HEADER)

    path = tmp_path / "j.sqlite"
    reopen(path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
        db.commit()
    with pytest.raises(ValidationError, match="has version 99, not"):
        Journal.open(path, HEADER)

    empty = tmp_path / "empty.sqlite"  # an empty file is a new journal
    empty.touch()
    assert reopen(empty) == {}


def test_one_opener_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, _ = Journal.open(path, HEADER)
    try:
        with pytest.raises(BriaError, match="in use by another run"):
            Journal.open(path, HEADER)
        child = subprocess.run(
            [sys.executable, "-c", _OPEN, str(path)],
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.returncode == 3 and "in use by another run" in child.stdout
    finally:
        journal.close()
    assert reopen(path) == {}  # closing released it


def test_appends_from_many_threads_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, _ = Journal.open(path, HEADER)

    def lane(n: int) -> None:
        for i in range(25):
            row = f"{n}-{i}"
            journal.append({"id": row, "state": "submitting"}, sync=True)
            journal.append({"id": row, "state": "submitted", "request_id": f"r{row}"}, sync=True)
            journal.append({"id": row, "state": "saved", "request_id": f"r{row}", "uri": f"u{row}"})

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    journal.close()
    with pytest.raises(ValueError, match="closed"):
        journal.append({"id": "late", "state": "planned"})
    rows = stored(path)
    assert len(rows) == 200 and {row["state"] for row in rows.values()} == {"saved"}
    assert all(row["request_id"] == f"r{row_id}" for row_id, row in rows.items())
    with connect(path) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 600


# ------------------------------------------------------------------------------------------ kill -9
_OPEN = """
import sys
from pathlib import Path
from bria_tailored.batch._journal import Journal
from bria_tailored.errors import BriaError
header = {"input": "c0ffee", "model": 12, "shard": None, "out": "/srv/out", "rows": 3, "source": "a list of 3 rows"}
try:
    Journal.open(Path(sys.argv[1]), header)
except BriaError as exc:
    print(exc)
    sys.exit(3)
"""

# Appends, then kills itself with SIGKILL the moment the last append returns: no close, no atexit.
_APPEND_THEN_DIE = """
import os, signal, sys
from pathlib import Path
from bria_tailored.batch._journal import Journal
header = {"input": "c0ffee", "model": 12, "shard": None, "out": "/srv/out", "rows": 3, "source": "a list of 3 rows"}
journal, states = Journal.open(Path(sys.argv[1]), header)
journal.append({"id": "b", "state": "submitted", "request_id": "r-b"}, sync=True)
journal.append({"id": "c", "state": "saved", "request_id": "r-c", "uri": "u-c"})  # not fsync-ed: still committed
journal.append({"id": "a", "state": "submitting"}, sync=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

# Starts a change of row "a" and is killed before committing it: the change is not there afterwards.
_DIE_MID_TRANSACTION = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE rows SET state = 'saved', request_id = 'torn' WHERE id = 'a'")
db.execute("INSERT INTO events (id, state, record, t) VALUES ('a', 'saved', '{}', 0)")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_change_survives_sigkill_right_after_append_returns(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    child = subprocess.run([sys.executable, "-c", _APPEND_THEN_DIE, str(path)], env=child_env(), timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert Path(f"{path}-wal").exists()  # killed before it could fold the WAL into the database

    states = reopen(path)  # the lock died with the process; the WAL is replayed
    assert (states["a"].state, states["a"].request_id) == ("submitting", None)
    assert (states["b"].state, states["b"].request_id) == ("submitted", "r-b")
    assert (states["c"].state, states["c"].uri) == ("saved", "u-c")

    child = subprocess.run(
        [sys.executable, "-c", _DIE_MID_TRANSACTION, str(path)], env=child_env(), timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    states = reopen(path)
    assert (states["a"].state, states["a"].request_id) == ("submitting", None)  # all or nothing
    with connect(path) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 3
