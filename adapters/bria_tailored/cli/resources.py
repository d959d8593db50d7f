"""``projects``, ``datasets`` and ``models``: list, get and delete (one small group per resource), plus
``projects create``, ``datasets create`` and ``models stop``.

No ``from __future__ import annotations`` here: the commands are made in a function, and typer evaluates
their annotations, which name that function's locals (help texts per group).
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from .._operations import IpMediumValue, IpTypeValue, UploadTypeValue
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
    make_client,
)

if TYPE_CHECKING:
    from ..client import TailoredClient

#: resource group → (singular, columns shown by ``list``)
COLUMNS = {
    "projects": ("project", ["id", "project_name", "ip_type", "ip_medium", "status", "created_at"]),
    "datasets": ("dataset", ["id", "name", "project_id", "upload_type", "status", "images_count"]),
    "models": ("model", ["id", "name", "project_id", "dataset_id", "training_mode", "status"]),
}

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")]


class _Group(Protocol):
    """What every group offers here: ``get`` and ``delete`` by id."""

    def get(self, object_id: int, /) -> object: ...

    def delete(self, object_id: int, /) -> None: ...


class _ProjectScoped(Protocol):
    """Datasets and models: listed all together or per project."""

    def list(self, project_id: int | None = None, /) -> Sequence[object]: ...


def _group(client: "TailoredClient", group: str) -> _Group:
    if group == "projects":
        return client.projects
    return client.datasets if group == "datasets" else client.models


def _list(client: "TailoredClient", group: str, project_id: int | None = None) -> Sequence[object]:
    if group == "projects":
        return client.projects.list()
    scoped: _ProjectScoped = client.datasets if group == "datasets" else client.models
    return scoped.list(project_id)


def _rows(items: Sequence[object]) -> list[dict[str, JSON]]:
    rows: list[dict[str, JSON]] = []
    for item in items:
        row = jsonable(item)
        rows.append(dict(row) if isinstance(row, Mapping) else {"value": row})
    return rows


def _list_table(console: Console, group: str, rows: list[dict[str, JSON]]) -> None:
    columns = COLUMNS[group][1]
    table = Table(title=f"{group} ({len(rows)})", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def _detail_table(console: Console, data: dict[str, JSON]) -> None:
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        table.add_row(key, value if isinstance(value, str) else json.dumps(value))
    console.print(table)


def make_group(group: str) -> typer.Typer:
    """The ``list``/``get``/``delete`` commands of one resource group."""
    singular = COLUMNS[group][0]
    verbs = {"projects": "Create, list, show and delete", "datasets": "Create, list, show and delete"}
    verbs["models"] = "List, show, stop and delete"
    app = typer.Typer(help=f"{verbs[group]} {group}.", no_args_is_help=True)

    def run(
        json_output: bool,
        base_url: str | None,
        token: str | None,
        work: Callable[["TailoredClient", Output], None],
    ) -> None:
        out = Output(json_output)
        with handled(out), make_client(out, base_url, token) as client:
            work(client, out)

    if group == "projects":

        @app.command("list")
        def list_projects(
            json_output: JsonOption = False, base_url: BaseUrlOption = None, token: TokenOption = None
        ) -> None:
            """List the projects of your organization."""

            def work(client: "TailoredClient", out: Output) -> None:
                rows = _rows(_list(client, group))
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
            def work(client: "TailoredClient", out: Output) -> None:
                rows = _rows(_list(client, group, project_id))
                out.result(rows, lambda c: _list_table(c, group, rows))

            run(json_output, base_url, token, work)

    if group == "projects":

        @app.command("create")
        def create_project(
            name: Annotated[str, typer.Argument(metavar="NAME", help="The project's name.")],
            ip_type: Annotated[
                IpTypeValue, typer.Option("--ip-type", help="What kind of visual IP the project holds.")
            ],
            ip_medium: Annotated[
                IpMediumValue, typer.Option("--ip-medium", help="Photography or illustration.")
            ],
            ip_name: Annotated[
                str | None, typer.Option("--ip-name", help="Name of the character (defined_character).")
            ] = None,
            ip_description: Annotated[
                str | None,
                typer.Option(
                    "--ip-description",
                    help="Short description of the IP (defined_character, object_variants).",
                ),
            ] = None,
            description: Annotated[
                str | None, typer.Option("--description", help="Description of the project.")
            ] = None,
            json_output: JsonOption = False,
            base_url: BaseUrlOption = None,
            token: TokenOption = None,
        ) -> None:
            """Create a project; train into it by giving its id to `train` as the project."""

            def work(client: "TailoredClient", out: Output) -> None:
                project = client.projects.create(
                    project_name=name,
                    ip_type=ip_type,
                    ip_medium=ip_medium,
                    ip_name=ip_name,
                    ip_description=ip_description,
                    project_description=description,
                )
                data = _rows([project])[0]
                out.result(data, lambda c: c.print(f"Created project {project.id} {project.project_name!r}."))

            run(json_output, base_url, token, work)

    if group == "datasets":

        @app.command("create")
        def create_dataset(
            name: Annotated[str, typer.Argument(metavar="NAME", help="The dataset's name.")],
            project_id: Annotated[int, typer.Option("--project-id", help="The project it belongs to.")],
            upload_type: Annotated[
                UploadTypeValue | None,
                typer.Option(
                    "--upload-type",
                    help="basic (images one by one, up to 200) or advanced (a bulk ZIP, up to 5000).",
                    show_default=False,
                ),
            ] = None,
            json_output: JsonOption = False,
            base_url: BaseUrlOption = None,
            token: TokenOption = None,
        ) -> None:
            """Create a draft dataset in a project."""

            def work(client: "TailoredClient", out: Output) -> None:
                dataset = client.datasets.create(project_id=project_id, name=name, upload_type=upload_type)
                data = _rows([dataset])[0]
                out.result(data, lambda c: c.print(f"Created dataset {dataset.id} {dataset.name!r}."))

            run(json_output, base_url, token, work)

    if group == "models":

        @app.command("stop")
        def stop(
            object_id: Annotated[int, typer.Argument(metavar="ID", help="The model's id.")],
            json_output: JsonOption = False,
            base_url: BaseUrlOption = None,
            token: TokenOption = None,
        ) -> None:
            """Stop a model's training at Bria (it goes Stopping, then Stopped)."""

            def work(client: "TailoredClient", out: Output) -> None:
                client.models.stop_training(object_id)
                status = jsonable(client.models.get(object_id).status)
                data: dict[str, JSON] = {"stopped": True, "model_id": object_id, "status": status}
                out.result(data, lambda c: c.print(f"Stopping model {object_id} (status: {status})."))

            run(json_output, base_url, token, work)

    @app.command("get", help=f"Show one {singular}.")
    def get(
        object_id: Annotated[int, typer.Argument(metavar="ID", help=f"The {singular}'s id.")],
        json_output: JsonOption = False,
        base_url: BaseUrlOption = None,
        token: TokenOption = None,
    ) -> None:
        def work(client: "TailoredClient", out: Output) -> None:
            data = _rows([_group(client, group).get(object_id)])[0]
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
        def work(client: "TailoredClient", out: Output) -> None:
            if not yes:
                if json_output or not out.err.is_terminal:
                    out.fail(f"refusing to delete {singular} {object_id} without --yes", EXIT_USAGE)
                if not typer.confirm(f"Delete {singular} {object_id}?", err=True):
                    out.err.print(f"aborted: {singular} {object_id} was not deleted")
                    raise typer.Exit(EXIT_ERROR)
            _group(client, group).delete(object_id)
            data = {"deleted": True, singular + "_id": object_id}
            out.result(data, lambda c: c.print(f"Deleted {singular} {object_id}."))

        run(json_output, base_url, token, work)

    return app
