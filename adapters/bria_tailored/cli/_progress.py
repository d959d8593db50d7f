"""Progress bars on stderr (rich): one bar per long phase of ``train`` (uploads, bulk ZIP, captions,
training), a line per finished step, and a small bar for batches of generation jobs."""

from __future__ import annotations

import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from ..workflows import Phase, TrainEvent

_BARS: dict[Phase, str] = {
    "upload": "Uploading images",
    "bulk": "Bulk upload (ZIP)",
    "captions": "Captioning images",
    "training": "Training the model",
}


def new_progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(finished_text="[green]✓[/]"),
        TextColumn("{task.description:<20}"),
        BarColumn(bar_width=32),
        TextColumn("{task.fields[info]:<14}"),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=8,
    )


class TrainProgress:
    """An ``on_progress`` callback for ``client.train`` that draws bars (thread-safe)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[Phase, TaskID] = {}
        self.totals: dict[Phase, float] = {}
        self.lock = threading.Lock()
        self.last_phase: Phase | None = None

    def __call__(self, event: TrainEvent) -> None:
        with self.lock:
            if event.phase != self.last_phase:
                self._finish_previous()
                self.last_phase = event.phase
            if event.phase in _BARS:
                self._bar(event)
            elif event.detail:
                self.progress.console.print(f"[green]✓[/] {event.detail}", highlight=False)

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
    with new_progress(console) as progress:
        yield TrainProgress(progress)


class Advance(Protocol):
    """Moves a :func:`spinner` one step on, showing ``info`` beside the bar."""

    def __call__(self, info: str = "") -> None: ...


@contextmanager
def spinner(console: Console, description: str, total: int | None = None) -> Generator[Advance, None, None]:
    """A one-line bar (``total`` known) or spinner; yields ``advance(info="")``."""
    with new_progress(console) as progress:
        task = progress.add_task(description, total=total, info="")

        def advance(info: str = "") -> None:
            progress.update(task, advance=1, info=info)

        yield advance
        progress.update(task, total=total or 1, completed=total or 1)
