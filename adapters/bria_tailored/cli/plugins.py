"""``bria-tailored plugins``: the storage plugins that are loaded, failed or disabled, and from where."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ._common import JsonOption, Output, handled


def plugins(json_output: JsonOption = False) -> None:
    """List storage plugins: name, URI schemes, distribution and version, and those that failed."""
    from ..plugins import plugin_info

    out = Output(json_output)
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
