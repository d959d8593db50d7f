"""The ``bria-tailored`` command line (extra ``cli``: typer + rich), one module per command group.

``run(argv)`` builds the app and runs it, returning the exit code: 0 success, 1 API or job error, 2 usage
or validation error, 130 interrupted (Ctrl-C). Every command takes ``--json`` (one JSON document on
stdout; progress and messages on stderr); commands that talk to the API take ``--base-url``/``--token``
(or ``BRIA_BASE_URL``/``BRIA_API_TOKEN``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, cast

import typer

from .._version import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bria-tailored {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    """The typer app with every command registered (imports of heavy modules stay inside commands)."""
    from . import batch, demo, generate, plugins, resources, sandbox, train

    app = typer.Typer(
        name="bria-tailored",
        help="Train tailored image models on your visual IP with Bria's Tailored Generation API, then "
        "generate images, structured prompts and videos with them.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        version: Annotated[
            bool,
            typer.Option(
                "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
            ),
        ] = False,
    ) -> None:
        """bria-tailored: the SDK's command line."""

    app.command("demo")(demo.demo)
    app.command("sandbox")(sandbox.sandbox)
    app.command("train")(train.train)
    app.command("generate")(generate.generate)
    app.command("video")(generate.video)
    app.command("structured-prompt")(generate.structured_prompt)
    app.command("status")(generate.status)
    for group in resources.COLUMNS:
        app.add_typer(resources.make_group(group), name=group)
    app.command("plugins")(plugins.plugins)
    app.command("batch")(batch.batch)
    return app


def _leaf(command: object, args: list[str]) -> object:
    """The (sub)command ``args`` name: ``["projects", "create", ...]`` → ``projects create``."""
    current = command
    for arg in args:
        commands: object = getattr(current, "commands", None)
        if not isinstance(commands, dict) or arg not in commands:
            break
        current = cast("dict[str, object]", commands)[arg]
    return current


def run(argv: Sequence[str]) -> int:
    """Run the CLI on ``argv`` (without the program name); returns the exit code."""
    from ._common import use_command

    command = typer.main.get_command(build_app())
    args = list(argv)
    use_command(_leaf(command, args))
    try:
        command.main(args=args, prog_name="bria-tailored", standalone_mode=True, obj={"argv": args})
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        return 130
    return 0
