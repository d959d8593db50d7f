"""Run the conformance checks without pytest: what ``bria-tailored plugins check URI`` does.

:func:`run_check` runs one check in its own :class:`Workspace` and always cleans up; any exception a
backend raises where the check did not expect one becomes a :class:`ConformanceFailure` naming the
property. :func:`run_checks` runs them all (or some) and returns a :class:`CheckResult` per check.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from typing import Literal

import attrs

from .._storage_base import StorageBackend
from .checks import CHECKS, Check
from .workspace import ConformanceFailure, KitOptions, Workspace

__all__ = ["CheckResult", "ConformanceCleanupWarning", "run_check", "run_checks"]

Status = Literal["passed", "failed"]


class ConformanceCleanupWarning(UserWarning):
    """The kit could not delete every object it wrote (the message lists them)."""


@attrs.define(frozen=True)
class CheckResult:
    """The outcome of one check: ``status`` is ``"passed"`` or ``"failed"``; ``message`` says why it failed,
    ``note`` qualifies a pass (``"not publicly addressable"``); ``leftovers`` are objects not cleaned up."""

    name: str
    title: str
    status: Status
    seconds: float
    message: str | None = None
    note: str | None = None
    leftovers: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def run_check(
    check: Check,
    storage: StorageBackend,
    options: KitOptions | None = None,
    *,
    on_leftovers: Callable[[list[str]], None] | None = None,
) -> str | None:
    """Run ``check`` on ``storage`` in a fresh workspace, cleaning up whatever happens; returns its note.

    Raises :class:`ConformanceFailure` (naming the property) when the backend breaks it. Objects that
    could not be deleted go to ``on_leftovers``, else are reported as a :class:`ConformanceCleanupWarning`.
    """
    __tracebackhide__ = True
    workspace = Workspace(storage, options, name=check.name)
    try:
        return _guarded(check, workspace)
    finally:
        problems = workspace.cleanup()
        if problems and on_leftovers is not None:
            on_leftovers(problems)
        elif problems:
            warnings.warn(
                f"conformance check {check.name!r} left objects behind: " + "; ".join(problems),
                ConformanceCleanupWarning,
                stacklevel=2,
            )


def _guarded(check: Check, workspace: Workspace) -> str | None:
    __tracebackhide__ = True
    try:
        return check.run(workspace)
    except ConformanceFailure:
        raise
    except Exception as exc:  # the backend raised where the contract says it must not
        raise ConformanceFailure(check.title, f"unexpected {type(exc).__name__}: {exc}") from exc


def run_checks(
    storage: StorageBackend,
    options: KitOptions | None = None,
    *,
    only: Iterable[str] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Run every check (or those named in ``only``) against ``storage``; never raises for a failed check."""
    wanted = None if only is None else set(only)
    unknown = (wanted or set()) - {check.name for check in CHECKS}
    if unknown:
        known = ", ".join(check.name for check in CHECKS)
        raise ValueError(f"unknown conformance checks {sorted(unknown)}; known: {known}")
    results: list[CheckResult] = []
    for check in CHECKS:
        if wanted is not None and check.name not in wanted:
            continue
        started = time.perf_counter()
        leftovers: list[str] = []
        try:
            note = run_check(check, storage, options, on_leftovers=leftovers.extend)
        except ConformanceFailure as failure:
            status: Status = "failed"
            message: str | None = str(failure)
            note = None
        else:
            status, message = "passed", None
        seconds = time.perf_counter() - started
        result = CheckResult(check.name, check.title, status, seconds, message, note, tuple(leftovers))
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
