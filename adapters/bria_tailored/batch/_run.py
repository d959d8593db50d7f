"""The batch run, as one plan (sync and async clients run the same code).

**Pipeline.** ``max_in_flight`` lanes (threads or tasks, through ``Gather``) each take the next row from
the input (streamed: only the rows in flight are in memory), submit it (``generate.image(wait=False)``),
wait for it with the Status Service waiter and save it with its sidecar, then take the next row. Submits
and polls all pass the client's rate limiter, so the batch runs at the limit (and the limiter slows down
on 429s). The first poll of a job waits about as long as the recent jobs took, so polls are not spent on
jobs that cannot have finished.

**Journal and resume** (see :mod:`bria_tailored.batch._journal`: a SQLite database in WAL mode). A row's
``submitting`` change is committed and fsync-ed before its submit is sent, and ``submitted`` (with the
request id) before it is waited for; every other change is committed before the next step.
Running the same batch again (same input, model, shard and output):

* rows ``saved`` are skipped, rows ``failed`` too (``retry_failed=True`` retries them: a failed save is
  re-attached by its request id, a failed submit or job is submitted again; a submit whose connection
  broke may have reached Bria, so retrying it counts as ``uncertain``);
* rows ``submitted`` are re-attached: waited for by request id, then saved (an interrupted save is done
  again, to the same key), never submitted again;
* a row left ``submitting`` was cut off between sending its submit and recording the answer: the submit
  may or may not have reached Bria, which has no idempotency keys and no way to look a job up by its
  inputs. **Such a row is submitted again**, and counted in ``BatchReport.uncertain``: it may have been
  billed twice. Submits are serialized (``max_submitting=1`` by default), so this is at most one row per
  crash, ``kill -9`` or Ctrl-C.

**Stopping.** Ctrl-C (or a fatal error: authentication, permission, unknown model, closed client,
unreachable limiter with ``on_error=fail``) stops taking rows; rows in flight keep their journal state,
so the next run picks them up.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Literal

from .. import _locations as locations
from .. import validation
from .._plan import Blocking, Plan, Sleep, blocking, gather
from ..errors import (
    APIConnectionError,
    AuthenticationError,
    BriaError,
    ClientClosedError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ..ratelimit import RateLimiter, RateLimiterUnavailableError
from ..resources.generate import GeneratePlans
from ..resources.status import wait_plan
from ..saving import save_result
from ..storage import StorageBackend, StoredObject, open_storage, scheme_of
from ..transport import Connection
from ..types import ImageResult, Job
from . import BatchEvent, BatchProgress, BatchReport
from ._inputs import Row, Scan, Source, in_shard, parse_shard
from ._journal import Journal, RowState

__all__ = ["batch_plan", "default_lanes"]

#: Errors that would fail every row the same way: the batch stops instead.
FATAL: tuple[type[BriaError], ...] = (
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    ClientClosedError,
    RateLimiterUnavailableError,
)
#: The longest a job's first poll is held back after its submit.
MAX_FIRST_POLL_DELAY = 30.0


class _Stopped(Exception):
    """The run is stopping: leave the row as the journal has it."""


class _Prepaid(RateLimiter):
    """The limiter of one submit whose turn its lane already took: the first reservation is free; a retry
    (after a 429) waits its turn like any request, and 429s reach the real limiter."""

    blocking = True  # the real limiter may do I/O

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.per_minute = limiter.per_minute
        self.paid = True

    @classmethod
    def from_url(cls, url: str, *, requests_per_minute: float, key: str) -> RateLimiter:
        raise TypeError("a prepaid limiter is made by the batch run, not from a URL")

    def reserve(self) -> float:
        if self.paid:
            self.paid = False
            return 0.0
        return self.limiter.reserve()

    def throttled(self, retry_after: float | None) -> None:
        self.limiter.throttled(retry_after)


def default_lanes(conn: Connection) -> int:
    """Rows in flight by default: enough to keep the limiter busy while jobs run (a job takes ~10-30 s and
    2-4 requests), i.e. ``requests_per_minute / 6`` within 4..256; 16 without a limit."""
    if conn.limiter is None:
        return 16
    return max(4, min(256, math.ceil(conn.limiter.per_minute / 6)))


def _message(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:497] + "..."


class _Item:
    __slots__ = ("reattach", "request_id", "row")

    def __init__(self, row: Row, request_id: str | None, reattach: bool) -> None:
        self.row = row
        self.request_id = request_id
        self.reattach = reattach


class _Run:
    """The shared state of one run: counters, the row stream, the submit gate, the journal."""

    def __init__(
        self,
        *,
        conn: Connection,
        model_id: str,
        source: Source,
        shard: tuple[int, int] | None,
        scan: Scan,
        journal: Journal,
        states: dict[str, RowState],
        storage: StorageBackend,
        retry_failed: bool,
        max_submitting: int,
        timeout: float | None,
        on_progress: Callable[[BatchProgress], object] | None,
        lanes: int,
    ) -> None:
        self.conn = conn
        self.generate = GeneratePlans(conn)
        self.model_id = model_id
        self.source = source
        self.shard = shard
        self.total = scan.in_shard
        self.journal = journal
        self.states = states
        self.storage = storage
        self.retry_failed = retry_failed
        self.max_submitting = max_submitting
        self.timeout = timeout
        self.on_progress = on_progress
        self.lock = threading.Lock()
        self.stopping = False
        self.rows = (row for row in source.rows(model_id, check=False) if in_shard(row.id, shard))
        self.done = sum(1 for s in states.values() if s.state == "saved")
        self.failed = sum(1 for s in states.values() if s.state == "failed")
        self.in_flight = 0
        self.unfinished = 0
        self.finished = 0  # rows that ended (saved, failed, unfinished) in this run
        self.submitted = 0
        self.reattached = 0
        self.uncertain = 0
        self.submitting = 0
        self.first_poll = 0.0  # seconds from a submit to its job's first poll (tuned as jobs finish)
        self.started = time.monotonic()
        self.alive = 1  # the main plan and the lanes that started: the last one out closes the journal

    # ------------------------------------------------------------------ rows
    def next_item(self) -> _Item | None:
        """The next row to work on (skipping rows already done), or None at the end (or when stopping)."""
        with self.lock:
            while not self.stopping:
                row = next(self.rows, None)
                if row is None:
                    return None
                item = self._classify(row)
                if item is not None:
                    self.in_flight += 1
                    return item
            return None

    def _classify(self, row: Row) -> _Item | None:
        state = self.states.get(row.id)
        if state is None or state.state == "planned":
            return _Item(row, None, False)
        if state.state == "submitted" and state.request_id:
            self.reattached += 1
            return _Item(row, state.request_id, True)
        if state.state == "submitting":
            self.uncertain += 1
            return _Item(row, None, False)
        if state.state == "failed" and self.retry_failed:
            self.failed -= 1
            if state.stage == "save" and state.request_id:
                self.reattached += 1
                return _Item(row, state.request_id, True)
            if state.uncertain:
                self.uncertain += 1
            return _Item(row, None, False)
        return None  # saved, or failed without retry_failed

    def record(self, row_id: str, record: dict[str, object], sync: bool = False) -> None:
        """Journal a change of the row (and keep it in memory for the manifest)."""
        self.journal.append({"id": row_id, **record}, sync=sync)
        with self.lock:
            state = self.states.get(row_id)
            if state is None:
                state = self.states[row_id] = RowState("planned")
            state.apply(record)

    def _ended(
        self, outcome: Literal["saved", "failed", "unfinished"], row_id: str, error: str | None = None
    ) -> None:
        with self.lock:
            self.in_flight -= 1
            self.finished += 1
            if outcome == "saved":
                self.done += 1
            elif outcome == "failed":
                self.failed += 1
            else:
                self.unfinished += 1
                state = self.states.get(row_id)
                if state is not None:
                    state.error = error
        self.emit(outcome, row_id)

    def _left(self) -> None:
        """A row left as the journal has it (the run is stopping): no longer in flight."""
        with self.lock:
            self.in_flight -= 1

    # ------------------------------------------------------------------ progress
    def snapshot(self, event: BatchEvent, row_id: str | None) -> BatchProgress:
        with self.lock:
            elapsed = time.monotonic() - self.started
            remaining = max(0, self.total - self.done - self.failed - self.in_flight - self.unfinished)
            rate = self.finished / elapsed if elapsed > 0 else 0.0
            eta = (remaining + self.in_flight) / rate if self.finished and rate > 0 else None
            return BatchProgress(
                event=event,
                total=self.total,
                done=self.done,
                failed=self.failed,
                in_flight=self.in_flight,
                unfinished=self.unfinished,
                remaining=remaining,
                elapsed=elapsed,
                rows_per_minute=rate * 60.0,
                eta=eta,
                row_id=row_id,
            )

    def emit(self, event: BatchEvent, row_id: str | None = None) -> None:
        if self.on_progress is not None:
            self.on_progress(self.snapshot(event, row_id))

    # ------------------------------------------------------------------ the submit gate
    def enter_gate(self) -> Plan[None]:
        """Wait for a submit slot: at most ``max_submitting`` rows are between ``submitting`` and
        ``submitted`` at once, which bounds the rows a crash can leave uncertain."""
        delay = 0.001
        while True:
            with self.lock:
                if self.stopping:
                    raise _Stopped
                if self.submitting < self.max_submitting:
                    self.submitting += 1
                    return
            yield Sleep(delay)
            delay = min(0.005, delay * 2)

    def leave_gate(self) -> None:
        with self.lock:
            self.submitting -= 1

    def check_stop(self, status: object) -> None:
        """The waiter's progress callback: leave a job's wait when the run stops."""
        if self.stopping:
            raise _Stopped

    def tune(self, used: float, first_poll_hit: bool) -> None:
        """Polls count against the limit: hold a job's first poll back until it has most likely finished.
        A first poll that found its job finished (after ``used`` seconds) makes the next ones a little
        earlier; one that did not, half as long again (about 9 first polls in 10 then find their job
        finished). Relative to the delay the row used, so a wave of rows that all missed counts once."""
        with self.lock:
            if first_poll_hit:
                self.first_poll = min(self.first_poll, used * 0.97)
            else:
                self.first_poll = max(self.first_poll, min(MAX_FIRST_POLL_DELAY, max(0.2, used * 1.5)))

    def first_poll_delay(self) -> float:
        with self.lock:
            delay = self.first_poll
        return delay if self.timeout is None else min(delay, self.timeout)

    # ------------------------------------------------------------------ one row
    def lane(self) -> Plan[None]:
        with self.lock:
            self.alive += 1  # (a lane the engine never starts, after an error, never counts)
        try:
            while True:
                item = yield from blocking(self.next_item)
                if item is None:
                    return
                yield from self.process(item)
        finally:
            self.release()

    def process(self, item: _Item) -> Plan[None]:
        row = item.row
        job: Job[ImageResult]
        first_poll = 0.0
        if item.request_id is None:
            # The submit's turn at the rate limit is taken before the gate, so that the gate (which bounds
            # the rows a crash can leave uncertain) is held only for the journal writes and the POST.
            generate = self.generate
            limiter = self.conn.limiter
            if limiter is not None:
                wait: float = (yield Blocking(limiter.reserve)) if limiter.blocking else limiter.reserve()
                if wait > 0:
                    yield Sleep(wait)
                generate = GeneratePlans(dataclasses.replace(self.conn, limiter=_Prepaid(limiter)))
            try:
                yield from self.enter_gate()
            except _Stopped:
                self._left()  # back to where it was: not in flight
                return
            try:
                yield from blocking(self.record, row.id, {"state": "submitting"}, True)
                try:
                    job = yield from generate.image(
                        self.model_id,
                        row.prompt,
                        structured_prompt=row.structured_prompt,
                        negative_prompt=row.negative_prompt,
                        seed=row.seed,
                        aspect_ratio=row.aspect_ratio,
                        guidance_scale=row.guidance_scale,
                        steps_num=row.steps_num,
                        tailored_model_influence=row.tailored_model_influence,
                        prompt_content_moderation=row.prompt_content_moderation,
                        visual_output_content_moderation=row.visual_output_content_moderation,
                        webhook_url=row.webhook_url,
                        wait=False,
                    )
                except FATAL:
                    # The server refused the submit (it took nothing): the row goes back to planned.
                    yield from blocking(self.record, row.id, {"state": "planned"})
                    self.stopping = True
                    self._left()
                    raise
                except BriaError as exc:
                    failed: dict[str, object] = {"state": "failed", "stage": "submit", "error": _message(exc)}
                    if isinstance(exc, APIConnectionError):  # it may have reached Bria before the line broke
                        failed["uncertain"] = True
                    yield from blocking(self.record, row.id, failed)
                    self._ended("failed", row.id)
                    return
                yield from blocking(
                    self.record, row.id, {"state": "submitted", "request_id": job.request_id}, True
                )
            finally:
                self.leave_gate()
            with self.lock:
                self.submitted += 1
            self.emit("submitted", row.id)
            first_poll = self.first_poll_delay()
            if first_poll > 0:
                yield Sleep(first_poll)
        else:
            job = Job(item.request_id, None, "image", row.inputs(self.model_id))
        request_id = job.request_id
        try:
            checks: list[object] = []

            def progress(status: object) -> None:
                checks.append(status)
                self.check_stop(status)

            result: ImageResult = yield from wait_plan(self.conn, job, self.timeout, progress, None)
        except _Stopped:
            self._left()
            return
        except JobFailedError as exc:
            error = {"state": "failed", "stage": "job", "request_id": request_id, "error": _message(exc)}
            yield from blocking(self.record, row.id, error)
            self._ended("failed", row.id)
            return
        except FATAL:
            self.stopping = True
            self._left()
            raise
        except BriaError as exc:  # the wait's deadline, or a poll that kept failing: the job may still end
            self._ended("unfinished", row.id, _message(exc))
            return
        if not item.reattach:
            self.tune(first_poll, len(checks) == 1)
        try:
            stored = yield from blocking(self.save, row, result, request_id)
        except Exception as exc:  # any storage failure: the job is paid for, a retry re-attaches to it
            error = {"state": "failed", "stage": "save", "request_id": request_id, "error": _message(exc)}
            yield from blocking(self.record, row.id, error)
            self._ended("failed", row.id)
            return
        saved = {"state": "saved", "request_id": request_id, "uri": stored.uri, "seed": result.seed}
        yield from blocking(self.record, row.id, saved)
        self._ended("saved", row.id)

    def save(self, row: Row, result: ImageResult, request_id: str) -> StoredObject:
        suffix = PurePosixPath(urllib.parse.urlsplit(result.image_url).path).suffix or ".png"
        return save_result(
            result,
            self.storage,
            row.stem + suffix.lower(),
            model_id=self.model_id,
            prompt=row.prompt,
            request_id=request_id,
            api_base_url=self.conn.base_url,
            batch_row_id=row.id,
            batch_row_name=row.name,
        )

    def wind_down(self, patience: float = 60.0) -> Plan[None]:
        """Wait (at most ``patience`` seconds) for the lanes that are still running to leave."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            with self.lock:
                if self.alive <= 1:
                    return
            yield Sleep(0.02)

    def release(self) -> None:
        """A lane (or the main plan) is done; the last one closes the journal."""
        with self.lock:
            self.alive -= 1
            last = self.alive == 0
        if last:
            self.journal.close()

    # ------------------------------------------------------------------ the end
    def write_manifest(self, key: str) -> tuple[str, dict[str, int]]:
        """Write the summary manifest (one JSON line per row, input order) into the output; returns its URI
        and the rows per status."""
        counts = {"saved": 0, "failed": 0, "unfinished": 0, "not started": 0}
        fd, tmp = tempfile.mkstemp(prefix="bria-batch-manifest-", suffix=".jsonl")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for row in self.source.rows(self.model_id, check=False):
                    if not in_shard(row.id, self.shard):
                        continue
                    state = self.states.get(row.id)
                    status = _status(state)
                    counts[status] += 1
                    entry = {
                        "id": row.id,
                        "name": row.name,
                        "status": status,
                        "uri": state.uri if state else None,
                        "request_id": state.request_id if state else None,
                        "seed": state.seed if state else None,
                        "error": state.error if state and status != "saved" else None,
                    }
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            with open(tmp, "rb") as data:
                stored = self.storage.put(key, data, "application/x-ndjson")
        finally:
            os.unlink(tmp)
        return stored.uri, counts


def _status(state: RowState | None) -> str:
    if state is None or state.state == "planned":
        return "not started"
    if state.state in ("saved", "failed"):
        return state.state
    return "unfinished"  # submitted (not finished or not saved yet) or cut off while submitting


def _local_folder(out: str) -> Path | None:
    if scheme_of(out) != "file":
        return None
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(out).path)) if "://" in out else Path(out)


def _same_output(out: str) -> str:
    """How the journal names the output: a local folder by its absolute path (``./out`` is ``out``)."""
    folder = _local_folder(out)
    return out if folder is None else str(folder.expanduser().resolve())


def _journal_path(journal: str | os.PathLike[str] | None, out: str, source: Source, suffix: str) -> Path:
    """Where the journal (a SQLite file) is: ``journal=``, else in a local output folder, else beside the
    input file; a local file either way (SQLite's WAL mode needs one)."""
    if journal is not None:
        return Path(journal)
    folder = _local_folder(out)
    if folder is not None:
        return folder / f"batch-journal{suffix}.sqlite"
    if source.path is not None:
        return source.path.with_name(f"{source.path.name}.bria-batch{suffix}.sqlite")
    raise ValidationError(
        "journal",
        None,
        "give journal=PATH (a local file): the output is not a local folder and the rows are not a file",
    )


def batch_plan(
    conn: Connection,
    inputs: object,
    *,
    tailored_model_id: int | str,
    out: str | os.PathLike[str],
    journal: str | os.PathLike[str] | None,
    on_progress: Callable[[BatchProgress], object] | None,
    retry_failed: bool,
    shard: str | None,
    max_in_flight: int | None,
    max_submitting: int,
    timeout: float | None,
) -> Plan[BatchReport]:
    """The plan behind ``client.batch.generate`` (see the module docstring)."""
    model_id = validation.check_model_id("tailored_model_id", tailored_model_id)
    locations.check_path("out", out)
    locations.check_path("journal", journal, optional=True)
    validation.check_callback("on_progress", on_progress)
    validation.check_bool("retry_failed", retry_failed)
    parts = parse_shard(shard)
    if max_in_flight is not None:
        validation.check_count("max_in_flight", max_in_flight, 1, 1024)
    validation.check_count("max_submitting", max_submitting, 1, 1024)
    validation.check_timeout("timeout", timeout)
    source = Source(inputs)
    out_uri = os.fspath(out)
    suffix = f"-{parts[0]}of{parts[1]}" if parts else ""

    scan = yield from blocking(source.scan, model_id, parts)
    storage = yield from blocking(open_storage, out_uri)
    path = _journal_path(journal, out_uri, source, suffix)
    header: dict[str, object] = {
        "input": scan.fingerprint,
        "model": model_id,
        "shard": shard,
        "out": _same_output(out_uri),
        "rows": scan.in_shard,
        "source": source.description,
    }
    opened, states = yield from blocking(Journal.open, path, header)
    lanes = max(1, min(max_in_flight or default_lanes(conn), scan.in_shard))
    run = _Run(
        conn=conn,
        model_id=model_id,
        source=source,
        shard=parts,
        scan=scan,
        journal=opened,
        states=states,
        storage=storage,
        retry_failed=retry_failed,
        max_submitting=max_submitting,
        timeout=timeout,
        on_progress=on_progress,
        lanes=lanes,
    )
    try:
        run.emit("started")
        try:
            yield from _lanes(run, lanes)
        except Exception:
            run.stopping = True
            yield from run.wind_down()  # lanes still running (threads) leave their rows as journaled
            raise
        manifest, counts = yield from blocking(run.write_manifest, f"manifest{suffix}.jsonl")
    finally:
        run.stopping = True  # Ctrl-C or an error: lanes still running (threads) take no more rows
        run.release()
    elapsed = time.monotonic() - run.started
    run.emit("finished")
    return BatchReport(
        total=scan.in_shard,
        saved=counts["saved"],
        failed=counts["failed"],
        unfinished=counts["unfinished"],
        not_started=counts["not started"],
        submitted=run.submitted,
        reattached=run.reattached,
        uncertain=run.uncertain,
        elapsed=elapsed,
        rows_per_minute=run.finished / elapsed * 60.0 if elapsed > 0 else 0.0,
        out=out_uri,
        manifest=manifest,
        journal=str(path),
    )


def _lanes(run: _Run, lanes: int) -> Plan[None]:
    yield from gather([run.lane for _ in range(lanes)], concurrency=lanes)
