"""``projects``, ``datasets`` and ``models``: list, get and delete (one small group per resource).

No ``from __future__ import annotations`` here: the commands are made in a function, and typer evaluates
their annotations, which name that function's locals (help texts per group).
"""

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ._common import (
    EXIT_USAGE,
    BaseUrlOption,
    JsonOption,
    Output,
    TokenOption,
    handled,
    jsonable,
    make_client,
)

#: resource group → (singular, columns shown by ``list``)
COLUMNS = {
    "projects": ("project", ["id", "project_name", "ip_type", "ip_medium", "status", "created_at"]),
    "datasets": ("dataset", ["id", "name", "project_id", "upload_type", "status", "images_count"]),
    "models": ("model", ["id", "name", "project_id", "dataset_id", "training_mode", "status"]),
}

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")]


def _list_table(console: Console, group: str, rows: list[dict[str, Any]]) -> None:
    columns = COLUMNS[group][1]
    table = Table(title=f"{group} ({len(rows)})", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def _detail_table(console: Console, data: dict[str, Any]) -> None:
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        table.add_row(key, value if isinstance(value, str) else json.dumps(value))
    console.print(table)


def make_group(group: str) -> typer.Typer:
    """The ``list``/``get``/``delete`` commands of one resource group."""
    singular = COLUMNS[group][0]
    app = typer.Typer(help=f"List, show and delete {group}.", no_args_is_help=True)

    def resource(client: Any) -> Any:
        return getattr(client, group)

    def run(
        json_output: bool, base_url: str | None, token: str | None, work: Callable[[Any, Output], None]
    ) -> None:
        out = Output(json_output)
        with handled(out), make_client(out, base_url, token) as client:
            work(resource(client), out)

    if group == "projects":

        @app.command("list")
        def list_projects(
            json_output: JsonOption = False, base_url: BaseUrlOption = None, token: TokenOption = None
        ) -> None:
            """List the projects of your organization."""

            def work(res: Any, out: Output) -> None:
                rows = jsonable(res.list())
                out.result(rows, lambda c: _list_table(c, group, rows))

            run(json_output, base_url, token, work)

    else:

        @app.command("list", help=f"List {group} (all, or those of one project).")
        def list_in_project(
            project_id: Annotated[
                int | None, typer.Option("--project-id", help=f"Only the {group} of this project.")
            ] = None,
            json_output: JsonOption = False,
            base_url: BaseUrlOption = None,
            token: TokenOption = None,
        ) -> None:
            def work(res: Any, out: Output) -> None:
                rows = jsonable(res.list(project_id) if project_id is not None else res.list())
                out.result(rows, lambda c: _list_table(c, group, rows))

            run(json_output, base_url, token, work)

    @app.command("get", help=f"Show one {singular}.")
    def get(
        object_id: Annotated[int, typer.Argument(metavar="ID", help=f"The {singular}'s id.")],
        json_output: JsonOption = False,
        base_url: BaseUrlOption = None,
        token: TokenOption = None,
    ) -> None:
        def work(res: Any, out: Output) -> None:
            data = jsonable(res.get(object_id))
            out.result(data, lambda c: _detail_table(c, data))

        run(json_output, base_url, token, work)

    @app.command("delete", help=f"Delete a {singular} (asks first unless --yes).")
    def delete(
        object_id: Annotated[int, typer.Argument(metavar="ID", help=f"The {singular}'s id.")],
        yes: YesOption = False,
        json_output: JsonOption = False,
        base_url: BaseUrlOption = None,
        token: TokenOption = None,
    ) -> None:
        def work(res: Any, out: Output) -> None:
            if not yes:
                if json_output or not out.err.is_terminal:
                    out.fail(f"refusing to delete {singular} {object_id} without --yes", EXIT_USAGE)
                if not typer.confirm(f"Delete {singular} {object_id}?", err=True):
                    out.fail("not deleted", EXIT_USAGE)
            res.delete(object_id)
            data = {"deleted": True, singular + "_id": object_id}
            out.result(data, lambda c: c.print(f"Deleted {singular} {object_id}."))

        run(json_output, base_url, token, work)

    return app
