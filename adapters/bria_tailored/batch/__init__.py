"""Batch generation: ``client.batch.generate(...)`` and ``bria-tailored batch``.

::

    report = client.batch.generate("prompts.jsonl", tailored_model_id=12, out="s3://b/campaign/")
    report.saved, report.failed, report.manifest      # a BatchReport

Each row of the input (a JSONL or CSV file, or a list of dicts: ``prompt`` and any other field of
``generate.image``, plus optional ``id`` and ``name``) becomes one image job: submitted with
``wait=False``, waited for with the Status Service waiter, and saved with its sidecar as soon as it ends.
The rate limit of the client (``requests_per_minute``, shared through ``rate_limit_url`` by a fleet)
paces submits and polls together. See :mod:`bria_tailored.batch._run` for the journal, resume and
progress rules.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

__all__ = ["BatchEvent", "BatchProgress", "BatchReport"]

#: What changed when an ``on_progress`` event is sent: the run started, a row was submitted, saved,
#: failed, or left unfinished (its job did not end in time: re-run to collect it), or the run finished.
BatchEvent: TypeAlias = Literal["started", "submitted", "saved", "failed", "unfinished", "finished"]


@attrs.frozen
class BatchProgress:
    """One ``on_progress`` event of a batch: counts over the batch's rows (this shard's, with ``shard=``).

    ``done`` rows are saved (earlier runs included), ``failed`` failed, ``in_flight`` are being submitted
    or waited for, ``unfinished`` were given up at the wait deadline (their jobs may still finish: a
    re-run collects them without paying again), ``remaining`` are not started yet. ``rows_per_minute``
    and ``eta`` (seconds, ``None`` until a row has finished) are measured on this run.
    """

    event: BatchEvent
    total: int
    done: int
    failed: int
    in_flight: int
    unfinished: int
    remaining: int
    elapsed: float
    rows_per_minute: float
    eta: float | None
    row_id: str | None = None


@attrs.frozen
class BatchReport:
    """What a batch run did. Every row is in the manifest (``manifest``, a JSONL object in ``out``).

    ``saved``/``failed``/``unfinished``/``not_started`` count the rows by their state at the end (earlier
    runs included; ``not_started`` is 0 unless the run was stopped). Of this run: ``submitted`` submits,
    ``reattached`` rows waited for by the request id an earlier run recorded (nothing paid again), and
    ``uncertain`` rows submitted again because an earlier run was cut off between sending their submit and
    recording its answer (at most ``max_submitting`` per interruption: each may have been billed twice).
    """

    total: int
    saved: int
    failed: int
    unfinished: int
    not_started: int
    submitted: int
    reattached: int
    uncertain: int
    elapsed: float
    rows_per_minute: float
    out: str
    manifest: str
    journal: str

    @property
    def ok(self) -> bool:
        """Every row is saved."""
        return self.saved == self.total
