"""``bria-tailored plugins``: the storage plugins that are loaded, failed or disabled, and from where;
``bria-tailored plugins check URI``: the storage conformance kit run against a live storage.

``check`` writes only under ``bria-conformance-<random>/`` in the storage and deletes what it wrote, even
when a check fails or the run is interrupted. It exits 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._common import EXIT_ERROR, EXIT_USAGE, JsonOption, Output, handled

if TYPE_CHECKING:
    from ..testing import CheckResult

ActionArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="ACTION",
        help="Leave out to list the plugins; 'check' runs the storage conformance kit against URI.",
        show_default=False,
    ),
]
UriArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="URI",
        help="check: the storage to test, e.g. s3://bucket/prefix (objects go under bria-conformance-*/).",
        show_default=False,
    ),
]
OptionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        metavar="KEY=VALUE",
        help="check: an option of the backend (repeatable); VALUE is read as JSON when it parses "
        "(-o max_in_memory_parts=1), else as text (-o endpoint_url=http://127.0.0.1:9000).",
        show_default=False,
    ),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only", metavar="CHECK", help="check: run only this check (repeatable).", show_default=False
    ),
]
LargeOption = Annotated[
    int,
    typer.Option("--large-mib", min=1, help="check: size of the large streamed object, in MiB."),
]


def plugins(
    action: ActionArgument = None,
    uri: UriArgument = None,
    json_output: JsonOption = False,
    option: OptionOption = None,
    only: OnlyOption = None,
    large_mib: LargeOption = 64,
) -> None:
    """List storage plugins (name, URI schemes, distribution, version, failures), or with
    'check URI' run the storage conformance kit against a live storage and print a pass/fail table."""
    out = Output(json_output)
    if action is None:
        _list(out)
    elif action == "check":
        if not uri:
            out.fail(
                "plugins check needs a storage URI: bria-tailored plugins check s3://bucket/prefix",
                EXIT_USAGE,
            )
        _check(out, uri, option or [], only, large_mib)
    else:
        out.fail(
            f"unknown plugins action {action!r}: use 'bria-tailored plugins' or 'bria-tailored plugins check URI'",
            EXIT_USAGE,
        )


# --------------------------------------------------------------------------------------------- list
def _list(out: Output) -> None:
    from ..plugins import plugin_info

    with handled(out):
        rows = [
            {
                "name": info.name,
                "schemes": list(info.schemes),
                "distribution": info.distribution,
                "version": info.version,
                "source": info.source,
                "status": "disabled" if info.disabled else "failed" if info.failed else "loaded",
                "error": info.error,
            }
            for info in plugin_info()
        ]
        out.result(rows, lambda console: _render(console, rows))


def _render(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Storage plugins", title_justify="left")
    for column in ("name", "schemes", "distribution", "version", "source", "status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = {"loaded": "[green]loaded[/]", "failed": "[red]failed[/]"}.get(row["status"], row["status"])
        table.add_row(
            row["name"],
            ", ".join(f"{s}://" for s in row["schemes"]) or "-",
            row["distribution"] or "-",
            row["version"] or "-",
            row["source"],
            status,
        )
    console.print(table)
    for row in rows:
        if row["error"]:
            console.print(f"[red]{row['name']}[/]: {row['error']}", highlight=False)


# --------------------------------------------------------------------------------------------- check
def parse_options(pairs: list[str]) -> dict[str, object]:
    """``["a=1", "b=text"]`` → ``{"a": 1, "b": "text"}`` (a value is JSON when it parses, else text)."""
    from ..errors import ValidationError

    options: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError("--option", pair, "must look like KEY=VALUE")
        try:
            value: object = json.loads(raw)
        except ValueError:
            value = raw
        options[name.strip()] = value
    return options


def _check(out: Output, uri: str, pairs: list[str], only: list[str] | None, large_mib: int) -> None:
    from ..storage import open_storage
    from ..testing import KitOptions, run_checks

    with handled(out):
        options = parse_options(pairs)
        kit = KitOptions(large_object_size=large_mib * 1024 * 1024)
        with open_storage(uri, **options) as storage:
            out.note(
                f"Checking {escape(repr(storage))}: objects go under bria-conformance-*/ and are deleted after."
            )
            results = run_checks(storage, kit, only=only, on_result=lambda r: _progress(out, r))
        rows = [_row(result) for result in results]
        passed = all(result.passed for result in results)
        document = {"uri": uri, "passed": passed, "checks": rows}
        out.result(document, lambda console: _render_check(console, uri, rows))
    if not passed:
        raise typer.Exit(EXIT_ERROR)


def _progress(out: Output, result: CheckResult) -> None:
    mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
    out.note(f"{mark} {result.name} ({result.seconds:.1f} s)")


def _row(result: CheckResult) -> dict[str, Any]:
    message = result.message
    if message is not None:
        message = message.removeprefix(f"{result.title}: ")
    return {
        "name": result.name,
        "property": result.title,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "message": message,
        "note": result.note,
        "leftovers": list(result.leftovers),
    }


def _render_check(console: Console, uri: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"Storage conformance: {escape(uri)}", title_justify="left")
    for column in ("check", "property", "result", "seconds", "detail"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = "[green]passed[/]" if row["status"] == "passed" else "[red]failed[/]"
        detail = row["message"] or row["note"] or ""
        table.add_row(row["name"], row["property"], status, f"{row['seconds']:.2f}", escape(detail))
    console.print(table)
    failed = [row["name"] for row in rows if row["status"] != "passed"]
    for row in rows:
        for leftover in row["leftovers"]:
            console.print(f"[yellow]not cleaned up[/] ({row['name']}): {escape(leftover)}", highlight=False)
    if failed:
        console.print(f"[red]{len(failed)} of {len(rows)} checks failed:[/] {', '.join(failed)}")
    else:
        console.print(f"[green]all {len(rows)} checks passed[/]")
