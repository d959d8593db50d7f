"""Every status a slow job reports, and what it means to a waiter: still running, succeeded, or failed.

One table per kind of job (generation, captions, bulk upload, training), each naming the spec's enum it
covers, so ``scripts/regenerate.py`` can report a value the spec gained that no table knows. Waiters ask
:meth:`StatusTable.classify`; a status no table knows ends the wait with
:class:`~bria_tailored.errors.UnknownStatusError` (after :data:`UNKNOWN_GRACE_CHECKS` checks in a row,
for a value seen in passing), instead of polling until the deadline (8 hours for training).
Comparisons ignore case: Bria's own clients send ``"Completed"`` where the spec says ``completed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from .errors import UnknownStatusError

Outcome: TypeAlias = Literal["running", "succeeded", "failed", "unknown"]

#: How many checks in a row may see an unknown status before the wait gives up on it.
UNKNOWN_GRACE_CHECKS = 2


@dataclass(frozen=True)
class StatusTable:
    """The statuses of one kind of job. ``enum`` is the spec's schema the values come from."""

    kind: str
    enum: str
    running: frozenset[str]
    succeeded: frozenset[str]
    failed: frozenset[str]

    @property
    def known(self) -> frozenset[str]:
        return self.running | self.succeeded | self.failed

    def classify(self, status: object) -> Outcome:
        value = _text(status).casefold()
        for outcome, values in (
            ("running", self.running),
            ("succeeded", self.succeeded),
            ("failed", self.failed),
        ):
            if value in {v.casefold() for v in values}:
                return outcome  # type: ignore[return-value]
        return "unknown"


def _text(status: object) -> str:
    return str(getattr(status, "value", status))


#: Generation jobs on the Status Service (``GET /v2/status/{request_id}``).
GENERATION = StatusTable(
    "generation job",
    "JobStatus",
    running=frozenset({"IN_PROGRESS"}),
    succeeded=frozenset({"COMPLETED"}),
    failed=frozenset({"ERROR", "UNKNOWN"}),
)
#: A dataset's ``captions_update_status`` (``empty``: no image to caption, nothing left to wait for).
CAPTIONS = StatusTable(
    "captions",
    "CaptionsUpdateStatus",
    running=frozenset({"in_progress"}),
    succeeded=frozenset({"completed", "empty"}),
    failed=frozenset(),
)
#: A bulk ZIP upload into a dataset.
BULK_UPLOAD = StatusTable(
    "bulk upload",
    "BulkUploadState",
    running=frozenset({"pending", "processing"}),
    succeeded=frozenset({"completed"}),
    failed=frozenset({"failed"}),
)
#: A model's training (``Created`` until Bria picks the job up; ``Stopping`` on the way to ``Stopped``).
TRAINING = StatusTable(
    "training",
    "ModelStatus",
    running=frozenset({"Created", "InProgress", "Stopping"}),
    succeeded=frozenset({"Completed"}),
    failed=frozenset({"Failed", "Stopped"}),
)

TABLES: tuple[StatusTable, ...] = (GENERATION, CAPTIONS, BULK_UPLOAD, TRAINING)


class UnknownStatusGuard:
    """Counts the checks in a row that saw an unknown status, and raises once the grace is used up."""

    def __init__(self, table: StatusTable, what: str, grace: int = UNKNOWN_GRACE_CHECKS) -> None:
        self.table = table
        self.what = what
        self.grace = grace
        self.seen = 0

    def outcome(self, status: object) -> Outcome:
        """The status's outcome; ``"running"`` for an unknown one still within the grace."""
        outcome = self.table.classify(status)
        if outcome != "unknown":
            self.seen = 0
            return outcome
        self.seen += 1
        if self.seen < self.grace:
            return "running"
        value = _text(status)
        known = ", ".join(sorted(self.table.known))
        raise UnknownStatusError(
            f"{self.what} reports the {self.table.kind} status {value!r}, which this version of "
            f"bria-tailored does not know (known: {known}). It may be new on Bria's side: upgrade "
            "bria-tailored, or report it; the job itself may still be running.",
            status=value,
            what=self.what,
        )
