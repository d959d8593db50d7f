"""``bria-tailored train SOURCE``: the resumable training workflow (``client.train``) with progress bars.

Every option of :class:`~bria_tailored.workflows.options.TrainOptions` is a flag of the same name
(``dataset_name`` → ``--dataset-name``), with the defaults of ``options.DEFAULTS``; tests/test_cli.py fails
when one is missing. Only ``on_progress`` (the progress bars) and ``poll_policy`` (``--poll-interval``) are
the command's own.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeGuard, get_args

import typer
from rich.console import Console
from rich.table import Table

from .._operations import (
    IpMediumValue,
    IpTypeValue,
    LrSchedulerValue,
    TrainingModeValue,
    TrainingVersionValue,
    UploadTypeValue,
)
from ..errors import NotFoundError, WaitTimeoutError
from ..workflows.options import DEFAULTS, TrainOptions
from ._common import (
    EXIT_ERROR,
    JSON,
    BaseUrlOption,
    JsonOption,
    Output,
    TokenOption,
    handled,
    invoked_argv,
    jsonable,
    make_client,
)
from ._train_help import project_hint, skipping_invalid, training_goes_on

if TYPE_CHECKING:
    from ..workflows import TrainResult

EXPERT = "Expert training (--training-mode expert)"


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
        IpTypeValue | None, typer.Option("--ip-type", help="IP type of a new project.", show_default=False)
    ] = None,
    ip_medium: Annotated[
        IpMediumValue | None,
        typer.Option("--ip-medium", help="IP medium of a new project.", show_default=False),
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
    model_description: Annotated[
        str | None, typer.Option("--model-description", help="Description of the model.")
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
        TrainingModeValue,
        typer.Option("--training-mode", help="How the model is trained (expert: set the parameters below)."),
    ] = DEFAULTS.training_mode,
    training_version: Annotated[
        TrainingVersionValue | None,
        typer.Option(
            "--training-version",
            help="Base model to fine-tune (must suit the dataset; default: not sent).",
            show_default=False,
        ),
    ] = None,
    rank: Annotated[int | None, typer.Option("--rank", help=f"{EXPERT}: adapter rank, 4-256.")] = None,
    learning_rate: Annotated[
        float | None, typer.Option("--learning-rate", help=f"{EXPERT}: learning rate, 1e-6 to 1e-3.")
    ] = None,
    total_training_steps: Annotated[
        int | None, typer.Option("--total-training-steps", help=f"{EXPERT}: optimization steps, 1-5000.")
    ] = None,
    checkpoint_interval: Annotated[
        int | None,
        typer.Option("--checkpoint-interval", help=f"{EXPERT}: steps between checkpoints (>= 100)."),
    ] = None,
    lr_scheduler: Annotated[
        LrSchedulerValue | None,
        typer.Option("--lr-scheduler", help=f"{EXPERT}: learning rate scheduler.", show_default=False),
    ] = None,
    lr_warmup_steps: Annotated[
        int | None, typer.Option("--lr-warmup-steps", help=f"{EXPERT}: warmup steps, 0-1000.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="Deprecated: NAME=VALUE for one of the expert options above (repeatable)."
        ),
    ] = None,
    upload_type: Annotated[
        UploadTypeValue | None,
        typer.Option("--upload-type", help="Upload type (default: by image count).", show_default=False),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Uploads at once (1-64).")
    ] = DEFAULTS.concurrency,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State manifest path (default: <SOURCE>.bria-train.json beside it)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for training.")
    ] = DEFAULTS.timeout,
    poll_interval: Annotated[
        float | None,
        typer.Option("--poll-interval", help="Poll every N seconds (default: backoff per kind of wait)."),
    ] = None,
    wait_lock: Annotated[
        bool,
        typer.Option(
            "--wait-lock",
            help="If another run uses the same state manifest, wait for it to end instead of failing.",
        ),
    ] = DEFAULTS.wait_lock,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="List the files of SOURCE that cannot be used (notes.txt, Thumbs.db, too small, ...) and "
            "train on the others instead of stopping.",
        ),
    ] = False,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Train a tailored model on a folder of images; re-run the same command to resume after a crash."""
    from ..polling import PollPolicy
    from ..workflows._source import default_state_path
    from ._progress import train_progress

    out = Output(json_output)
    argv = invoked_argv(ctx)

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
        training_goes_on(out.err, Path(where))

    options: TrainOptions = {
        "dataset_name": dataset_name,
        "model_name": model_name,
        "model_description": model_description,
        "ip_type": ip_type,
        "ip_medium": ip_medium,
        "ip_name": ip_name,
        "ip_description": ip_description,
        "via": via,
        "refine": refine or None,
        "training_mode": training_mode,
        "training_version": training_version,
        "state": state,
        "timeout": timeout,
        "upload_type": upload_type,
        "concurrency": concurrency,
        "wait_lock": wait_lock,
    }
    # Expert parameters go only when given (none of them has a "use the default" value).
    _deprecated_params(param or [], options)
    if rank is not None:
        options["rank"] = rank
    if learning_rate is not None:
        options["learning_rate"] = learning_rate
    if total_training_steps is not None:
        options["total_training_steps"] = total_training_steps
    if checkpoint_interval is not None:
        options["checkpoint_interval"] = checkpoint_interval
    if lr_scheduler is not None:
        options["lr_scheduler"] = lr_scheduler
    if lr_warmup_steps is not None:
        options["lr_warmup_steps"] = lr_warmup_steps
    with handled(out, on_interrupt=resume_hint):
        if poll_interval:
            options["poll_policy"] = PollPolicy(poll_interval, poll_interval)
        with skipping_invalid(out.err, source, options, skip_invalid) as train_on:
            try:
                with make_client(out, base_url, token) as client, train_progress(out.err) as progress:
                    options["on_progress"] = progress
                    result = client.train(train_on, project=project, **options)
            except NotFoundError as exc:
                hint = project_hint(project, exc)
                if hint is None:
                    raise
                out.fail(hint, EXIT_ERROR)
            except WaitTimeoutError:
                training_goes_on(out.err, Path(state or default_state_path(source)))
                raise
        out.result(summary(result), lambda console: render(console, result))


def _is_scheduler(value: str) -> TypeGuard[LrSchedulerValue]:
    return value in get_args(LrSchedulerValue)


def _deprecated_params(values: list[str], options: TrainOptions) -> None:
    """``--param NAME=VALUE``, the old spelling of the expert options, into ``options``."""
    for item in values:
        name, sep, raw = item.partition("=")
        name = name.strip().replace("-", "_")
        flag = f"--{name.replace('_', '-')}"
        if not sep or not name:
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        try:
            if name == "rank":
                options["rank"] = int(raw)
            elif name == "learning_rate":
                options["learning_rate"] = float(raw)
            elif name == "total_training_steps":
                options["total_training_steps"] = int(raw)
            elif name == "checkpoint_interval":
                options["checkpoint_interval"] = int(raw)
            elif name == "lr_warmup_steps":
                options["lr_warmup_steps"] = int(raw)
            elif name == "lr_scheduler" and _is_scheduler(raw):
                options["lr_scheduler"] = raw
            elif name == "lr_scheduler":
                choices = ", ".join(get_args(LrSchedulerValue))
                raise typer.BadParameter(
                    f"{raw!r} is not one of {choices}", param_hint="--param lr_scheduler"
                )
            else:
                raise typer.BadParameter(
                    f"{name!r} is not an expert training parameter", param_hint="--param"
                )
        except ValueError:
            raise typer.BadParameter(f"{raw!r} is not a number", param_hint=f"--param {name}") from None
        typer.echo(f"note: --param {name}=... is deprecated; use {flag} {raw}", err=True)


def summary(result: TrainResult) -> dict[str, JSON]:
    """The ``--json`` document of a finished run."""
    return {
        "project_id": result.project.id,
        "dataset_id": result.dataset.id,
        "model_id": result.model.id,
        "model_status": str(result.model.status),
        "images": result.images,
        "upload_type": result.upload_type,
        "resumed": result.resumed,
        "state_path": str(result.state_path),
        "project": jsonable(result.project),
        "dataset": jsonable(result.dataset),
        "model": jsonable(result.model),
    }


def render(console: Console, result: TrainResult) -> None:
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
        f"{result.model.id}  {result.model.name} ({result.model.status})",
    )
    table.add_row("state", str(result.state_path))
    console.print(table)
    console.print(f'Generate with: bria-tailored generate {result.model.id} "your prompt" --out ./out')
