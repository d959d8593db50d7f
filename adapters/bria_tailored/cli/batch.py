"""``bria-tailored batch INPUT --model ID --out URI --rpm N``: ``client.batch.generate`` with a progress bar
(and, for a local ``--out``, an ``index.html`` gallery of what it made: :mod:`bria_tailored.gallery`).

Exit codes: 0 every row saved; 1 some rows failed or are unfinished (the manifest says which; run the same
command again to collect unfinished ones, with ``--retry-failed`` to retry failed ones); 2 usage or a bad
row; 130 Ctrl-C (the journal keeps every submit: the same command resumes).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ._common import (
    EXIT_ERROR,
    EXIT_USAGE,
    JSON,
    BaseUrlOption,
    JsonOption,
    Output,
    TokenOption,
    handled,
    jsonable,
)
from .generate import gallery_of

if TYPE_CHECKING:
    from ..batch import BatchProgress, BatchReport


class _Bar:
    """The ``on_progress`` callback: one rich bar (done of total), with failed, in-flight and ETA beside it."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("Generating", total=None, info="")
        self.lock = threading.Lock()

    def __call__(self, event: BatchProgress) -> None:
        eta = "" if event.eta is None else f" · ETA {_duration(event.eta)}"
        info = (
            f"failed {event.failed} · in flight {event.in_flight}"
            + (f" · unfinished {event.unfinished}" if event.unfinished else "")
            + f" · {event.rows_per_minute:.0f}/min{eta}"
        )
        with self.lock:
            self.progress.update(self.task, total=event.total, completed=event.done + event.failed, info=info)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def batch(
    inputs: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="A .jsonl (one JSON object per line) or .csv file of rows: prompt and any generate field, "
            "optional id and name.",
        ),
    ],
    model_id: Annotated[str, typer.Option("--model", help="The tailored model's id.", show_default=False)],
    out: Annotated[
        str, typer.Option("--out", help="Folder or storage URI for the images, sidecars and manifest.")
    ],
    rpm: Annotated[
        float,
        typer.Option(
            "--rpm",
            min=0.001,
            help="Requests per minute of your API key (submits and status polls together).",
            show_default=False,
        ),
    ],
    rate_limit_url: Annotated[
        str | None,
        typer.Option(
            "--rate-limit-url",
            envvar="BRIA_RATE_LIMIT_URL",
            help="A limiter shared by every process and host (redis://host:6379/0).",
            show_default=False,
        ),
    ] = None,
    journal: Annotated[
        str | None,
        typer.Option(
            "--journal",
            help=(
                "The resumable journal, a SQLite file "
                "(default: batch-journal.sqlite in a local --out, else beside INPUT)."
            ),
            show_default=False,
        ),
    ] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Retry the rows that failed.")] = False,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Run shard I of N (I/N, e.g. 2/4): one per host, same INPUT and --out."),
    ] = None,
    max_in_flight: Annotated[
        int | None,
        typer.Option(
            "--max-in-flight", min=1, help="Rows in flight at once (default from --rpm).", show_default=False
        ),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each job.")] = 600.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Generate one image per row of INPUT at the rate limit, into --out, resumably (journal + manifest)."""
    from ..client import TailoredClient

    output = Output(json_output)
    if not token:
        output.fail(
            "no API token: pass --token or set BRIA_API_TOKEN (any value works for a sandbox)", EXIT_USAGE
        )

    def resume_hint() -> None:
        output.err.print("The journal keeps every submit: run the same command again to resume.")

    with handled(output, on_interrupt=resume_hint):
        client = TailoredClient(
            token,
            base_url=base_url or os.environ.get("BRIA_BASE_URL") or None,
            requests_per_minute=rpm,
            rate_limit_url=rate_limit_url or None,
        )
        with client:
            progress = Progress(
                SpinnerColumn(finished_text="[green]✓[/]"),
                TextColumn("{task.description}"),
                BarColumn(bar_width=32),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                console=output.err,
                refresh_per_second=4,
            )
            with progress:
                report = client.batch.generate(
                    inputs,
                    tailored_model_id=model_id,
                    out=out,
                    journal=journal,
                    on_progress=_Bar(progress),
                    retry_failed=retry_failed,
                    shard=shard,
                    max_in_flight=max_in_flight,
                    timeout=timeout,
                )
        gallery = gallery_of(out)  # a local --out also gets an index.html gallery
        data = jsonable(report)
        assert isinstance(data, dict)
        result: dict[str, JSON] = {
            **data,
            "ok": report.ok,
            "gallery": None if gallery is None else str(gallery),
        }
        output.result(result, lambda console: _summary(console, report, gallery))
        if not report.ok:
            raise typer.Exit(EXIT_ERROR)


def _summary(console: Console, report: BatchReport, gallery: Path | None) -> None:
    table = Table(title="Batch", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = [
        ("saved", f"{report.saved} of {report.total}"),
        ("failed", str(report.failed)),
        ("unfinished", str(report.unfinished)),
        ("submitted / re-attached", f"{report.submitted} / {report.reattached}"),
        ("uncertain (may be billed twice)", str(report.uncertain)),
        ("rows per minute", f"{report.rows_per_minute:.1f}"),
        ("manifest", report.manifest),
        ("journal", report.journal),
    ]
    if gallery is not None:
        rows.append(("gallery", str(gallery)))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if report.failed:
        console.print("Failed rows are in the manifest; --retry-failed retries them.")
    if report.unfinished:
        console.print(
            "Unfinished jobs may still end: run the same command again to collect them (not billed again)."
        )
