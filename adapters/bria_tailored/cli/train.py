"""``bria-tailored train SOURCE``: the resumable training workflow (``client.train``) with progress bars."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ._common import BaseUrlOption, JsonOption, Output, TokenOption, handled, make_client

EXPERT_HELP = "Expert training parameter NAME=VALUE (repeatable; needs --training-mode expert)."


def _expert(values: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        value: Any = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        params[name.strip()] = value
    return params


def _without_token(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--token VALUE`` / ``--token=VALUE`` (a resume hint must not print the secret)."""
    shown: list[str] = []
    hidden = False
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--token":
            hidden = skip = True
            continue
        if arg.startswith("--token="):
            hidden = True
            continue
        shown.append(arg)
    return shown, hidden


def train(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(metavar="SOURCE", help="A folder or .zip file of images, or a storage prefix URI."),
    ],
    project: Annotated[
        str, typer.Option("--project", help="An existing project id, or a name for a new project.")
    ],
    ip_type: Annotated[
        str | None,
        typer.Option("--ip-type", help="IP type of a new project (e.g. icons, defined_character)."),
    ] = None,
    ip_medium: Annotated[
        str | None,
        typer.Option("--ip-medium", help="IP medium of a new project: illustration or photography."),
    ] = None,
    ip_name: Annotated[
        str | None, typer.Option("--ip-name", help="Name of the character (new project).")
    ] = None,
    ip_description: Annotated[
        str | None, typer.Option("--ip-description", help="Short description of the IP (new project).")
    ] = None,
    dataset_name: Annotated[
        str | None, typer.Option("--dataset-name", help="Dataset name (default: the source's name).")
    ] = None,
    model_name: Annotated[
        str | None, typer.Option("--model-name", help="Model name (default: <source name>-model).")
    ] = None,
    via: Annotated[
        str | None,
        typer.Option("--via", help="Storage URI to stage a bulk ZIP in (needed above 200 images)."),
    ] = None,
    refine: Annotated[
        list[str] | None,
        typer.Option("--refine", help="Instruction to refine the visual schema with (repeatable)."),
    ] = None,
    training_mode: Annotated[
        str, typer.Option("--training-mode", help="fully_automated or expert.")
    ] = "fully_automated",
    param: Annotated[list[str] | None, typer.Option("--param", help=EXPERT_HELP)] = None,
    upload_type: Annotated[
        str | None, typer.Option("--upload-type", help="basic or advanced (default: by image count).")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", help="Uploads at once (1-64).")] = 8,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State manifest path (default: <SOURCE>.bria-train.json beside it)."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for training.")] = 8 * 3600.0,
    poll_interval: Annotated[
        float | None,
        typer.Option("--poll-interval", help="Poll every N seconds (default: backoff per kind of wait)."),
    ] = None,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Train a tailored model on a folder of images; re-run the same command to resume after a crash."""
    from ..polling import PollPolicy
    from ..workflows._source import default_state_path
    from ._progress import train_progress

    out = Output(json_output)
    argv = (ctx.obj or {}).get("argv")

    def resume_hint() -> None:
        where = state or default_state_path(source)
        shown, hidden = _without_token(argv or [])
        command = shlex.join(["bria-tailored", *shown]) if argv else "the same bria-tailored train command"
        out.err.print(
            f"Progress is saved in {where}.\nTo resume, run the same command again:\n  {command}",
            highlight=False,
            soft_wrap=True,
        )
        if hidden:
            out.err.print("  (the token is not shown: add --token again or set BRIA_API_TOKEN)")

    with handled(out, on_interrupt=resume_hint):
        expert = _expert(param or [])
        policy = PollPolicy(poll_interval, poll_interval) if poll_interval else None
        with make_client(out, base_url, token) as client, train_progress(out.err) as progress:
            result = client.train(
                source,
                project=project,
                dataset_name=dataset_name,
                model_name=model_name,
                ip_type=ip_type,
                ip_medium=ip_medium,
                ip_name=ip_name,
                ip_description=ip_description,
                via=via,
                refine=refine or None,
                training_mode=training_mode,
                state=state,
                on_progress=progress,
                timeout=timeout,
                upload_type=upload_type,
                concurrency=concurrency,
                poll_policy=policy,
                **expert,
            )
        out.result(summary(result), lambda console: render(console, result))


def summary(result: Any) -> dict[str, Any]:
    return {
        "project_id": result.project.id,
        "dataset_id": result.dataset.id,
        "model_id": result.model.id,
        "model_status": result.model.status,
        "images": result.images,
        "upload_type": result.upload_type,
        "resumed": result.resumed,
        "state_path": result.state_path,
        "project": result.project,
        "dataset": result.dataset,
        "model": result.model,
    }


def render(console: Console, result: Any) -> None:
    table = Table(title="Trained", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("project", f"{result.project.id}  {result.project.project_name}")
    table.add_row(
        "dataset",
        f"{result.dataset.id}  {result.dataset.name} ({result.upload_type}, {result.images} images)",
    )
    table.add_row(
        "model",
        f"{result.model.id}  {result.model.name} ({getattr(result.model.status, 'value', result.model.status)})",
    )
    table.add_row("state", str(result.state_path))
    console.print(table)
    console.print(f'Generate with: bria-tailored generate {result.model.id} "your prompt" --out ./out')
