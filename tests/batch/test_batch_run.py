"""``client.batch.generate``: rows in, images + sidecars + manifest out; the journal's states and resume
(including a process killed with SIGKILL); shards; progress events; staying under the limit.

The journal (a SQLite file) is read with :mod:`sqlite3`; a crash's leftovers are made with the journal's
own ``append`` (see ``tests/batch/test_journal.py`` for the journal itself)."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from batch_support import TOKEN, Sandbox, child_env, train

from bria_tailored import AsyncTailoredClient, TailoredClient
from bria_tailored.batch import BatchProgress
from bria_tailored.batch._journal import Journal
from bria_tailored.errors import AuthenticationError, BriaError, ValidationError
from bria_tailored.sandbox import create_app, run_sandbox


def rows(tag: str, count: int) -> list[dict[str, Any]]:
    return [{"id": f"{tag}-{i}", "prompt": f"{tag} mascot {i}", "seed": i} for i in range(count)]


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def manifest(out: Path, name: str = "manifest.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / name).read_text().splitlines()]


def read_journal(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """A read-only connection to a journal (safe while a run writes it: WAL gives readers a snapshot)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return contextlib.closing(db)


def journal_rows(path: Path) -> dict[str, dict[str, Any]]:
    """Every row's latest state in the journal, by id."""
    with read_journal(path) as db:
        return {row["id"]: dict(row) for row in db.execute("SELECT * FROM rows")}


def journal_events(path: Path) -> list[dict[str, Any]]:
    """Every change the journal recorded, in order."""
    with read_journal(path) as db:
        return [dict(row) for row in db.execute("SELECT * FROM events ORDER BY seq")]


def journal_append(path: Path, *records: dict[str, object]) -> None:
    """Append changes to a journal as a run would (between runs: as a crash would have left them)."""
    with read_journal(path) as db:
        header = {str(key): json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
    journal, _ = Journal.open(path, header)
    try:
        for record in records:
            journal.append(record)
    finally:
        journal.close()


def saved_rows(path: Path) -> int:
    """Rows saved so far in the journal of a running batch (0 before it is set up)."""
    if not Path(f"{path}-wal").exists():  # not yet in WAL mode: leave it to the run
        return 0
    try:
        with read_journal(path) as db:
            found: int = db.execute("SELECT count(*) FROM rows WHERE state = 'saved'").fetchone()[0]
            return found
    except sqlite3.Error:  # the tables are not there yet
        return 0


# ------------------------------------------------------------------------------------------- a batch
def test_every_row_is_saved_with_its_sidecar_and_listed_in_the_manifest(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    items = rows("basic", 9)
    items[0]["name"] = "hero/first"
    items[1]["aspect_ratio"] = "16:9"
    events: list[BatchProgress] = []
    report = client.batch.generate(
        items, tailored_model_id=sandbox.model, out=tmp_path, on_progress=events.append
    )

    assert report.ok and (report.total, report.saved, report.failed, report.submitted) == (9, 9, 0, 9)
    assert report.uncertain == 0 and report.reattached == 0
    assert (tmp_path / "hero" / "first.png").is_file() and (tmp_path / "basic-8.png").is_file()
    sidecar = json.loads((tmp_path / "basic-3.png.json").read_text())
    assert (
        sidecar["prompt"] == "basic mascot 3"
        and sidecar["seed"] == 3
        and sidecar["batch_row_id"] == "basic-3"
    )
    lines = manifest(tmp_path)
    assert [line["id"] for line in lines] == [item["id"] for item in items]  # input order
    assert {line["status"] for line in lines} == {"saved"}
    assert all(line["request_id"] and line["uri"].startswith("file://") for line in lines)
    assert lines[3]["seed"] == 3 and lines[0]["uri"].endswith("/hero/first.png")
    assert report.manifest == (tmp_path / "manifest.jsonl").as_uri()
    # Every row went planned → submitting → submitted → saved, each change committed on its own.
    journal = tmp_path / "batch-journal.sqlite"
    states = [(event["id"], event["state"]) for event in journal_events(journal)]
    assert [s for i, s in states if i == "basic-4"] == ["submitting", "submitted", "saved"]
    row = journal_rows(journal)["basic-4"]
    assert row["state"] == "saved" and row["request_id"] and row["uri"].endswith("/basic-4.png")
    # Progress: started first, finished last, done counts up to the total, typed events.
    assert events[0].event == "started" and events[-1].event == "finished"
    assert events[-1].done == 9 and events[-1].in_flight == 0 and events[-1].remaining == 0
    done = [e.done for e in events]
    assert done == sorted(done)
    assert any(e.event == "saved" and e.eta is not None for e in events)


async def test_the_async_client_runs_the_same_plan_from_a_jsonl_file(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "rows.jsonl", rows("async", 6))
    async with AsyncTailoredClient(TOKEN, base_url=sandbox.url, requests_per_minute=3000) as client:
        report = await client.batch.generate(source, tailored_model_id=sandbox.model, out=tmp_path / "out")
    assert report.ok and report.saved == 6
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == [f"async-{i}.png" for i in range(6)]


def test_csv_rows_are_typed_and_a_bad_row_is_refused_before_anything_is_submitted(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "id,prompt,seed,tailored_model_influence,prompt_content_moderation\nc1,csv one,5,0.8,true\nc2,csv two,,,\n"
    )
    report = client.batch.generate(good, tailored_model_id=sandbox.model, out=tmp_path / "out")
    assert report.ok and manifest(tmp_path / "out")[0]["seed"] == 5

    before = sum(sandbox.jobs_by_prompt().values())
    bad = tmp_path / "bad.csv"
    bad.write_text("id,prompt,seed\nb1,fine,1\nb2,bad seed,x\n")
    with pytest.raises(ValidationError) as caught:
        client.batch.generate(bad, tailored_model_id=sandbox.model, out=tmp_path / "bad")
    assert "bad.csv:3.seed" in str(caught.value)
    with pytest.raises(ValidationError, match="is not a field of a batch row"):
        client.batch.generate(
            [{"prompt": "x", "colour": "red"}], tailored_model_id=sandbox.model, out=tmp_path / "b2"
        )
    with pytest.raises(ValidationError, match="ids are unique"):
        client.batch.generate(
            [{"id": 1, "prompt": "x"}, {"id": "1", "prompt": "y"}], tailored_model_id=1, out=tmp_path
        )
    with pytest.raises(ValidationError, match="journal"):  # no local output and no input file: say where
        client.batch.generate([{"prompt": "x"}], tailored_model_id=1, out="s3://bucket/prefix/")
    assert sum(sandbox.jobs_by_prompt().values()) == before


# ------------------------------------------------------------------------------------ journal, resume
def test_resume_never_resubmits_a_recorded_submit_and_retries_failed_rows_only_when_asked(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    items = rows("resume", 5)
    out = tmp_path / "out"
    assert client.batch.generate(items, tailored_model_id=sandbox.model, out=out).ok
    journal = out / "batch-journal.sqlite"
    before = journal_rows(journal)
    # Set the rows as a crash would have left them:
    # resume-0 saved; resume-1 submitted (its save cut off); resume-2 cut off while submitting;
    # resume-3 failed at its job; resume-4 saved.
    journal_append(
        journal,
        {"id": "resume-1", "state": "submitted", "request_id": before["resume-1"]["request_id"]},
        {"id": "resume-2", "state": "submitting"},
        {
            "id": "resume-3",
            "state": "failed",
            "stage": "job",
            "request_id": before["resume-3"]["request_id"],
            "error": "boom",
        },
    )
    after = journal_rows(journal)
    assert after["resume-2"]["request_id"] is None and after["resume-1"]["uri"] is None
    (out / "resume-1.png").unlink()

    events: list[BatchProgress] = []
    report = client.batch.generate(items, tailored_model_id=sandbox.model, out=out, on_progress=events.append)
    assert (report.saved, report.failed, report.submitted, report.reattached, report.uncertain) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert events[0].done == 2 and events[0].failed == 1  # what the journal already held
    jobs = sandbox.jobs_by_prompt()
    assert jobs["resume mascot 1"] == 1  # re-attached by its request id, saved again
    assert (out / "resume-1.png").is_file()
    assert jobs["resume mascot 2"] == 2  # the uncertain row: submitted again (counted in the report)
    assert jobs["resume mascot 3"] == 1 and jobs["resume mascot 0"] == 1
    by_id = {line["id"]: line for line in manifest(out)}
    assert by_id["resume-3"]["status"] == "failed" and "boom" in by_id["resume-3"]["error"]

    again = client.batch.generate(items, tailored_model_id=sandbox.model, out=out, retry_failed=True)
    assert again.ok and (again.submitted, again.reattached, again.uncertain) == (1, 0, 0)
    assert sandbox.jobs_by_prompt()["resume mascot 3"] == 2


def test_a_failed_save_is_retried_by_request_id_not_resubmitted(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    items = rows("save", 2)
    assert client.batch.generate(items, tailored_model_id=sandbox.model, out=out).ok
    journal = out / "batch-journal.sqlite"
    request_id = journal_rows(journal)["save-0"]["request_id"]
    failed: dict[str, object] = {
        "id": "save-0",
        "state": "failed",
        "stage": "save",
        "request_id": request_id,
        "error": "disk full",
    }
    journal_append(journal, failed)
    report = client.batch.generate(items, tailored_model_id=sandbox.model, out=out, retry_failed=True)
    assert report.ok and (report.submitted, report.reattached) == (0, 1)
    assert sandbox.jobs_by_prompt()["save mascot 0"] == 1


def test_retrying_a_submit_whose_connection_broke_counts_as_uncertain(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    items = rows("broken", 1)
    assert client.batch.generate(items, tailored_model_id=sandbox.model, out=tmp_path).ok
    journal = tmp_path / "batch-journal.sqlite"
    failed: dict[str, object] = {
        "id": "broken-0",
        "state": "failed",
        "stage": "submit",
        "error": "APIConnectionError",
        "uncertain": True,
    }
    journal_append(journal, failed)
    assert journal_rows(journal)["broken-0"]["uncertain"] == 1
    report = client.batch.generate(items, tailored_model_id=sandbox.model, out=tmp_path, retry_failed=True)
    assert report.ok and (report.submitted, report.uncertain) == (1, 1)


def test_a_journal_resumes_only_its_own_batch(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    items = rows("same", 2)
    client.batch.generate(items, tailored_model_id=sandbox.model, out=tmp_path)
    changed = [dict(items[0]), dict(items[1], prompt="something else")]
    with pytest.raises(ValidationError, match="other input rows"):
        client.batch.generate(changed, tailored_model_id=sandbox.model, out=tmp_path)
    with pytest.raises(ValidationError, match="another model"):
        client.batch.generate(items, tailored_model_id=sandbox.model + 1, out=tmp_path)
    with pytest.raises(ValidationError, match="another output"):
        client.batch.generate(
            items,
            tailored_model_id=sandbox.model,
            out=tmp_path / "x",
            journal=tmp_path / "batch-journal.sqlite",
        )
    journal = tmp_path / "batch-journal.sqlite"
    (tmp_path / "other.jsonl").write_text('{"not": "a journal"}\n')
    with pytest.raises(ValidationError, match="not a bria-tailored batch journal"):
        client.batch.generate(
            items, tailored_model_id=sandbox.model, out=tmp_path, journal=tmp_path / "other.jsonl"
        )
    assert journal.is_file() and (tmp_path / "other.jsonl").read_text() == '{"not": "a journal"}\n'


def test_a_fatal_error_stops_the_batch_and_leaves_nothing_uncertain(tmp_path: Path) -> None:
    app = create_app(
        token="right", job_seconds=0.05, image_scale=0.05, training_seconds=0.1, caption_seconds=0.05
    )
    with run_sandbox(app=app) as url:
        model = train(url, tmp_path / "images", token="right")
        items = rows("fatal", 4)
        with TailoredClient("wrong", base_url=url, requests_per_minute=3000) as wrong:
            with pytest.raises(AuthenticationError):
                wrong.batch.generate(items, tailored_model_id=model, out=tmp_path / "out")
        states = [event["state"] for event in journal_events(tmp_path / "out" / "batch-journal.sqlite")]
        assert states and states[-1] == "planned" and "submitted" not in states  # refused: back to planned
        with TailoredClient("right", base_url=url, requests_per_minute=3000) as right:
            report = right.batch.generate(items, tailored_model_id=model, out=tmp_path / "out")
    assert report.ok and report.uncertain == 0 and report.submitted == 4


def test_unfinished_jobs_are_collected_by_the_next_run_without_paying_again(tmp_path: Path) -> None:
    app = create_app(job_seconds=1.5, image_scale=0.05, training_seconds=0.1, caption_seconds=0.05)
    with run_sandbox(app=app) as url:
        model = train(url, tmp_path / "images")
        items = rows("slow", 3)
        with TailoredClient(TOKEN, base_url=url, requests_per_minute=3000) as client:
            first = client.batch.generate(items, tailored_model_id=model, out=tmp_path / "out", timeout=0.2)
            assert (first.saved, first.unfinished, first.submitted) == (0, 3, 3)
            assert {line["status"] for line in manifest(tmp_path / "out")} == {"unfinished"}
            time.sleep(1.5)
            second = client.batch.generate(items, tailored_model_id=model, out=tmp_path / "out", timeout=10)
        assert second.ok and (second.submitted, second.reattached) == (0, 3)
        assert len(app.sandbox.store.jobs.all()) == 3


def test_one_run_at_a_time_per_journal(client: TailoredClient, sandbox: Sandbox, tmp_path: Path) -> None:
    import filelock

    items = rows("lock", 1)
    with filelock.FileLock(str(tmp_path / "batch-journal.sqlite") + ".lock"):
        with pytest.raises(BriaError, match="in use by another run"):
            client.batch.generate(items, tailored_model_id=sandbox.model, out=tmp_path)
    assert client.batch.generate(items, tailored_model_id=sandbox.model, out=tmp_path).ok


# ------------------------------------------------------------------------------------------ kill -9
_CHILD = """
import sys
from bria_tailored import TailoredClient
url, model, source, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with TailoredClient("batch-token", base_url=url, requests_per_minute=600) as client:
    client.batch.generate(source, tailored_model_id=model, out=out, max_in_flight=6)
"""


def test_sigkill_at_any_point_then_resume_saves_every_row_once(sandbox: Sandbox, tmp_path: Path) -> None:
    items = rows("kill", 40)
    source = write_jsonl(tmp_path / "rows.jsonl", items)
    out = tmp_path / "out"
    journal = out / "batch-journal.sqlite"
    kills = 0
    for target in (6, 16, 26):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, sandbox.url, str(sandbox.model), str(source), str(out)],
            env=child_env(),
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and child.poll() is None:
                if saved_rows(journal) >= target:
                    break
                time.sleep(0.02)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        assert child.returncode == -signal.SIGKILL  # killed mid-run (the journal showed its target)
        assert saved_rows(journal) >= target  # what it had saved is still there: committed before the kill
        kills += 1
    with TailoredClient(TOKEN, base_url=sandbox.url, requests_per_minute=3000) as client:
        report = client.batch.generate(source, tailored_model_id=sandbox.model, out=out)
    assert report.ok and report.saved == 40
    assert report.uncertain <= kills
    jobs = sandbox.jobs_by_prompt()
    submits = [jobs[item["prompt"]] for item in items]
    assert min(submits) == 1  # every row reached the server
    assert sum(submits) - len(items) <= kills  # a duplicate submit only for a row cut off mid-submit
    assert sorted(p.name for p in out.glob("kill-*.png")) == sorted(f"{item['id']}.png" for item in items)
    assert Counter(line["status"] for line in manifest(out)) == {"saved": 40}


# ------------------------------------------------------------------------------------------- shards
def test_shards_split_one_input_between_hosts(
    client: TailoredClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    items = rows("shard", 20)
    source = write_jsonl(tmp_path / "rows.jsonl", items)
    out = tmp_path / "shared"
    reports = [
        client.batch.generate(source, tailored_model_id=sandbox.model, out=out, shard=f"{i}/3")
        for i in (1, 2, 3)
    ]
    assert sum(r.total for r in reports) == 20 and all(r.ok for r in reports)
    ids = [line["id"] for i in (1, 2, 3) for line in manifest(out, f"manifest-{i}of3.jsonl")]
    assert sorted(ids) == sorted(item["id"] for item in items)
    assert (out / "batch-journal-2of3.sqlite").is_file()
    assert all(sandbox.jobs_by_prompt()[item["prompt"]] == 1 for item in items)
    with pytest.raises(ValidationError, match="shard"):
        client.batch.generate(source, tailored_model_id=sandbox.model, out=out, shard="4/3")


# ------------------------------------------------------------------------------------- the rate limit
def test_the_batch_keeps_submits_and_polls_under_the_limit(tmp_path: Path) -> None:
    rpm = 1200.0
    app = create_app(
        rate_limit=rpm, job_seconds=0.05, image_scale=0.05, training_seconds=0.1, caption_seconds=0.05
    )
    with run_sandbox(app=app) as url:
        model = train(url, tmp_path / "images")  # another token: its requests do not count against ours
        statuses: list[int] = []

        def seen(response: httpx.Response) -> None:
            statuses.append(response.status_code)

        http = httpx.Client(timeout=30, event_hooks={"response": [seen]})
        with TailoredClient(TOKEN, base_url=url, requests_per_minute=rpm, http_client=http) as client:
            started = time.monotonic()
            report = client.batch.generate(rows("rate", 40), tailored_model_id=model, out=tmp_path / "out")
            elapsed = time.monotonic() - started
        http.close()
    assert report.ok
    assert app.rate_limit.rejected == 0 and 429 not in statuses
    # Never faster than the limit (a token bucket with a burst of one request).
    assert len(statuses) <= rpm / 60 * elapsed + 1
