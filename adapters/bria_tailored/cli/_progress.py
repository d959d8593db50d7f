"""Progress on stderr (rich) that tells the truth: one line per step of ``train`` (a spinner while it runs,
✓ once it is done), a bar per long phase (uploads, bulk ZIP, captions, training), and a small bar for
batches of generation jobs.

A step or bar that fails is marked ✗ (``interrupted`` after Ctrl-C) and the display stops there: no
spinner is left frozen, no bar is drawn full for work that did not finish. The error itself is printed by
:func:`bria_tailored.cli._common.handled`.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

if TYPE_CHECKING:
    from ..workflows import Phase, TrainEvent

_BARS: dict[Phase, str] = {
    "upload": "Uploading images",
    "bulk": "Bulk upload (ZIP)",
    "captions": "Captioning images",
    "training": "Training the model",
}
FAILED = "[red]✗[/]"
#: Details that name a step as it starts (the others report a step done): such a step fails itself.
_STARTS = ("checking ", "waiting for ", "visual schema from ", "refining: ", "staging ", "uploading ")
#: A phase's events come as it ends, so a failure after them is in the step that comes next.
_NEXT: dict[Phase, str] = {
    "validate": "finding or creating the project",
    "project": "creating the dataset",
    "dataset": "making the visual schema",
    "schema": "uploading images",
    "upload": "captioning images",
    "bulk": "captioning images",
    "captions": "completing the dataset",
    "complete": "creating the model",
    "model": "starting training",
    "training": "training",
    "done": "reading the results",
}


class _StatusColumn(SpinnerColumn):
    """A spinner while a task runs, ✓ once it finished, ✗ when it failed."""

    def render(self, task: Task) -> RenderableType:
        if task.fields.get("failed"):
            return Text.from_markup(FAILED)
        return super().render(task)


class _Bar(ProgressColumn):
    """The bar, except for one-line steps (which have nothing to count)."""

    def __init__(self, bar_width: int) -> None:
        super().__init__()
        self.bar = BarColumn(bar_width=bar_width)

    def render(self, task: Task) -> RenderableType:
        if task.fields.get("step"):
            return Text("")
        return self.bar.render(task)


def new_progress(console: Console) -> Progress:
    return Progress(
        _StatusColumn(finished_text="[green]✓[/]"),
        TextColumn("{task.description:<20}"),
        _Bar(bar_width=32),
        TextColumn("{task.fields[info]:<14}"),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=8,
    )


def _failure_info(exc: BaseException) -> str:
    return "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"


class TrainProgress:
    """An ``on_progress`` callback for ``client.train`` that draws steps and bars (thread-safe).

    A step line (validation, project, dataset, schema, ...) shows a spinner from its event until the next
    event, then ✓; :meth:`fail` marks whatever is running ✗.
    """

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[Phase, TaskID] = {}
        self.totals: dict[Phase, float] = {}
        self.lock = threading.Lock()
        self.last_phase: Phase | None = None
        self.step: TaskID | None = None

    def __call__(self, event: TrainEvent) -> None:
        with self.lock:
            if event.phase != self.last_phase:
                self._finish_previous()
                self.last_phase = event.phase
            if event.phase in _BARS:
                self._finish_step()
                self._bar(event)
            elif event.detail:
                self._finish_step()
                self.step = self.progress.add_task(event.detail, total=1, info="", step=True)

    def finish(self) -> None:
        """The run ended well: the last step is done."""
        with self.lock:
            self._finish_step()

    def fail(self, exc: BaseException) -> None:
        """The run failed (or was interrupted): mark the step that was running ✗ (an unfinished bar, a
        step that had started, else the step after the last one reported done)."""
        with self.lock:
            info = _failure_info(exc)
            phase = self.last_phase
            if phase is None:
                return  # nothing started: the error says what is wrong
            if self.step is not None:
                started = self._task(self.step).description.startswith(_STARTS)
                if started:
                    self.progress.update(self.step, failed=True, info=info)
                    self.step = None
                    return
                self._finish_step()
            elif phase in self.tasks and not self._bar_done(phase):
                bar = self._task(self.tasks[phase])
                if bar.total is None:  # an open-ended bar stops pulsing: it shows nothing done
                    self.progress.update(bar.id, total=1, completed=0)
                self.progress.update(bar.id, failed=True, info=info)
                return
            self.progress.add_task(_NEXT[phase], total=1, info=info, step=True, failed=True)

    def _bar_done(self, phase: Phase) -> bool:
        return self._task(self.tasks[phase]).finished

    def _task(self, task_id: TaskID) -> Task:
        return next(task for task in self.progress.tasks if task.id == task_id)

    def _finish_step(self) -> None:
        if self.step is not None:
            self.progress.update(self.step, completed=1)
            self.step = None

    def _bar(self, event: TrainEvent) -> None:
        phase = event.phase
        if phase == "training":
            info = event.detail or ""
        elif phase == "bulk":
            info = f"{event.done or 0}%"
        else:
            info = f"{event.done or 0}/{event.total or 0}"
        task = self.tasks.get(phase)
        if task is None:
            task = self.progress.add_task(_BARS[phase], total=event.total, info=info)
            self.tasks[phase] = task
        if event.total is not None:
            self.totals[phase] = event.total
            self.progress.update(task, total=event.total, completed=event.done or 0, info=info)
        else:
            self.progress.update(task, info=info)
        if phase == "training" and event.detail == "Completed":
            self.progress.update(task, total=1, completed=1)
        if phase == "bulk" and event.detail and event.done == 100 and " " in event.detail:
            self.progress.console.print(f"  {event.detail}", highlight=False)

    def _finish_previous(self) -> None:
        if self.last_phase is None:
            return
        task = self.tasks.get(self.last_phase)
        if task is not None:
            total = self.totals.get(self.last_phase) or 1
            self.progress.update(task, total=total, completed=total)


@contextmanager
def train_progress(console: Console) -> Generator[TrainProgress, None, None]:
    """A :class:`TrainProgress` on ``console``; a failure inside the block is marked ✗ before it goes on."""
    with new_progress(console) as progress:
        tracker = TrainProgress(progress)
        try:
            yield tracker
        except BaseException as exc:
            tracker.fail(exc)
            raise
        tracker.finish()


class Advance(Protocol):
    """Moves a :func:`spinner` one step on, showing ``info`` beside the bar."""

    def __call__(self, info: str = "") -> None: ...


@contextmanager
def spinner(console: Console, description: str, total: int | None = None) -> Generator[Advance, None, None]:
    """A one-line bar (``total`` known) or spinner; yields ``advance(info="")``. ✓ and a full bar when the
    block ends well; ✗ (``failed``/``interrupted``) and the bar as far as it got when it raises."""
    with new_progress(console) as progress:
        task = progress.add_task(description, total=total, info="")
        done = [0]

        def advance(info: str = "") -> None:
            done[0] += 1
            progress.update(task, advance=1, info=info)

        try:
            yield advance
        except BaseException as exc:
            shown = f"{done[0]}/{total} {_failure_info(exc)}" if total else _failure_info(exc)
            progress.update(task, failed=True, info=shown, total=total or 1)
            raise
        progress.update(task, total=total or 1, completed=total or 1)
