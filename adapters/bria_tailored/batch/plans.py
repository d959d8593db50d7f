"""``client.batch``: many generations from one input, journaled and resumable (see :mod:`bria_tailored.batch`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from .._plan import Plan
from ..resources._base import PlanGroup

if TYPE_CHECKING:
    from . import BatchProgress, BatchReport


class BatchPlans(PlanGroup):
    """``client.batch``: generate a catalogue of images from a file of rows, at the rate limit, resumable."""

    def generate(
        self,
        inputs: str | os.PathLike[str] | Sequence[Mapping[str, object]],
        *,
        tailored_model_id: int | str,
        out: str | os.PathLike[str],
        journal: str | os.PathLike[str] | None = None,
        on_progress: Callable[[BatchProgress], object] | None = None,
        retry_failed: bool = False,
        shard: str | None = None,
        max_in_flight: int | None = None,
        max_submitting: int = 1,
        timeout: float | None = 600.0,
    ) -> Plan[BatchReport]:
        """Generate one image per row of ``inputs`` with the tailored model, saving each (with its sidecar)
        into ``out`` as it finishes; returns a :class:`~bria_tailored.batch.BatchReport`.

        ``inputs``: a ``.jsonl`` or ``.csv`` file (read line by line) or a list of dicts. A row holds
        ``prompt`` (or ``structured_prompt`` with ``seed``) and any other ``generate.image`` field, plus an
        optional ``id`` (default: its 1-based position) and ``name`` (the output's key, default the id).
        Every row is checked before anything is submitted. ``out``: a folder or storage URI (``s3://``,
        ``gs://``, a plugin's scheme); the summary ``manifest.jsonl`` (one line per row: id, status, output
        URI, request id, seed, error) is written there at the end.

        ``journal``: the journal that makes the batch resumable, a local SQLite file (WAL mode; default:
        ``batch-journal.sqlite`` in a local ``out``, else ``<inputs>.bria-batch.sqlite`` beside the input
        file). Calling again with the same arguments after a crash, ``kill -9`` or Ctrl-C never submits a
        row again once its submit was recorded: submitted rows are waited for by request id, saved rows
        skipped. A row cut off between sending its submit and recording the answer is submitted again
        (``BatchReport.uncertain``; at most ``max_submitting`` per crash). ``retry_failed=True`` retries
        failed rows. A journal made for another input, model, shard or output is refused.

        ``shard="I/N"``: only the rows of shard I of N (split by a hash of the row id), with its own
        journal and ``manifest-IofN.jsonl``: N hosts with a shared ``rate_limit_url`` and output run one
        batch. ``max_in_flight``: rows in flight at once (default from the client's
        ``requests_per_minute``); ``timeout``: seconds to wait for each job (a job still running then is
        left ``unfinished`` in the journal: run again to collect it). ``on_progress(BatchProgress)``
        follows every row (done, failed, in flight, ETA); it may be called from worker threads."""
        from ._run import batch_plan

        return (
            yield from batch_plan(
                self._conn,
                inputs,
                tailored_model_id=tailored_model_id,
                out=out,
                journal=journal,
                on_progress=on_progress,
                retry_failed=retry_failed,
                shard=shard,
                max_in_flight=max_in_flight,
                max_submitting=max_submitting,
                timeout=timeout,
            )
        )
