"""What every command shares: the common options, output (JSON on stdout or rich text), the client, and
the mapping of errors to exit codes (0 ok · 1 API or job error · 2 usage or validation · 130 Ctrl-C).

Errors name the command's flags (``--ip-type``), not the SDK's parameters (``ip_type``). In ``--json``
documents ids are numbers everywhere (the generation API's decimal-text model ids included) and structured
prompts are JSON objects, never escaped strings."""

from __future__ import annotations

import datetime
import enum
import json
import os
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Protocol, TypeAlias, TypeGuard, cast, runtime_checkable

import attrs
import typer
from rich.console import Console

from ..errors import BriaError, InvalidImagesError, ValidationError

if TYPE_CHECKING:
    from ..client import TailoredClient

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print exactly one JSON document on stdout (progress goes to stderr).")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="BRIA_BASE_URL",
        help="API host root (default https://engine.prod.bria-api.com; a sandbox URL works too).",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="BRIA_API_TOKEN",
        help="API token (sent only as the api_token header).",
        show_default=False,
    ),
]


#: Plain JSON data, as :func:`json.dumps` writes it (read-only containers, so that a ``list[dict[str, JSON]]``
#: is JSON too).
JSON: TypeAlias = "None | bool | int | float | str | Sequence[JSON] | Mapping[str, JSON]"


@runtime_checkable
class _ToDict(Protocol):
    """The generated API models: ``to_dict()`` gives their JSON form."""

    def to_dict(self) -> Mapping[str, object]: ...


def _is_mapping(value: object) -> TypeGuard[Mapping[object, object]]:
    return isinstance(value, Mapping)


def _is_collection(
    value: object,
) -> TypeGuard[list[object] | tuple[object, ...] | set[object] | frozenset[object]]:
    return isinstance(value, (list, tuple, set, frozenset))


def invoked_argv(ctx: typer.Context) -> list[str] | None:
    """The command line as :func:`bria_tailored.cli.run` received it (kept in the context's ``obj``)."""
    obj: object = ctx.find_root().obj
    argv = obj.get("argv") if _is_mapping(obj) else None
    return [str(arg) for arg in argv] if _is_collection(argv) else None


#: Keys whose values are ids: numbers in every ``--json`` document.
ID_KEYS = frozenset({"id", "model_id", "project_id", "dataset_id", "tailored_model_id", "image_id"})


def _field(key: str, value: JSON) -> JSON:
    """One member of a JSON object: ids as numbers, structured prompts as objects."""
    if key in ID_KEYS and isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    if key == "structured_prompt" and isinstance(value, str):
        try:
            parsed: JSON = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value


def jsonable(value: object) -> JSON:
    """Plain JSON data from API models, result types, paths, enums and dates (ids as numbers, structured
    prompts as objects: see the module docstring)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if _is_mapping(value):
        return {str(k): _field(str(k), jsonable(v)) for k, v in value.items()}
    if _is_collection(value):
        return [jsonable(v) for v in value]
    if isinstance(value, _ToDict):
        return jsonable(value.to_dict())
    cls = type(value)
    if attrs.has(cls):
        return {field.name: jsonable(getattr(value, field.name)) for field in attrs.fields(cls)}
    if isinstance(value, BaseException):
        return {"type": type(value).__name__, "message": str(value)}
    return str(value)


class Output:
    """Where a command writes: results to stdout (one JSON document with ``--json``), the rest to stderr."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.err = Console(stderr=True, highlight=False)
        self.out = Console(highlight=False, soft_wrap=True)

    def result(self, data: object, render: Callable[[Console], None] | None = None) -> None:
        """The command's result: JSON on stdout, or ``render(console)`` for people."""
        if self.json_mode:
            sys.stdout.write(json.dumps(jsonable(data), indent=2) + "\n")
            sys.stdout.flush()
        elif render is not None:
            render(self.out)
        else:
            self.out.print_json(json.dumps(jsonable(data)))

    def note(self, text: str) -> None:
        self.err.print(text)

    def fail(self, exc: BaseException | str, code: int) -> NoReturn:
        """Report an error (stderr: ✗ and the message; also as the JSON document with ``--json``) and exit
        with ``code``. A ``ValidationError`` is told by the flag or argument of the command it concerns."""
        message = str(exc)
        kind = type(exc).__name__ if isinstance(exc, BaseException) else "UsageError"
        flag = flag_for(exc.field) if isinstance(exc, ValidationError) else None
        if isinstance(exc, ValidationError) and flag is not None:
            message = _flag_message(flag, exc)
        if isinstance(exc, InvalidImagesError) and "skip_invalid" in _FLAGS:
            if any(name != "(source)" for name, _ in exc.problems):
                message += f"\n{_FLAGS['skip_invalid']} lists these files and trains on the others."
        self.err.print(f"[bold red]✗ error:[/] {_escape(message)}")
        if self.json_mode:
            error: dict[str, JSON] = {"type": kind, "message": message}
            if flag is not None:
                error["flag"] = flag
            for name in ("status_code", "request_id", "field", "problems"):
                value: object = getattr(exc, name, None)
                if value is not None:
                    error[name] = jsonable(value)
            sys.stdout.write(json.dumps({"error": error, "exit_code": code}, indent=2) + "\n")
            sys.stdout.flush()
        raise typer.Exit(code)


#: SDK parameters whose command-line flag has another name (``steps_num`` is ``--steps``).
FIELD_PARAMS = {
    "tailored_model_id": "model_id",
    "tailored_model_influence": "influence",
    "steps_num": "steps",
    "db_path": "db",
    "project_name": "name",
    "project_description": "description",
}


#: The flags and arguments of the command that runs: parameter name → what a person types.
_FLAGS: dict[str, str] = {}


def use_command(command: object) -> None:
    """Remember the flags of the command about to run (:func:`bria_tailored.cli.run` calls this), so that
    errors can name them. Works on click's and typer's own commands alike (attributes only)."""
    _FLAGS.clear()
    params: object = getattr(command, "params", None)
    if not isinstance(params, list):
        return
    for param in cast("list[object]", params):
        name: object = getattr(param, "name", None)
        if not isinstance(name, str):
            continue
        if getattr(param, "param_type_name", None) == "option":
            opts: object = getattr(param, "opts", None)
            given = (
                [o for o in cast("list[object]", opts) if isinstance(o, str)]
                if isinstance(opts, list)
                else []
            )
            longs = [o for o in given if o.startswith("--")]
            if given:
                _FLAGS[name] = (longs or given)[0]
        else:
            metavar: object = getattr(param, "metavar", None)
            _FLAGS[name] = (metavar if isinstance(metavar, str) else name).upper()


def flag_for(field: str) -> str | None:
    """The flag (``--ip-type``) or argument (``MODEL_ID``) of the running command that sets the SDK
    parameter ``field``; ``None`` when none does."""
    return _FLAGS.get(FIELD_PARAMS.get(field, field))


def _flag_message(flag: str, exc: ValidationError) -> str:
    """``--concurrency 0: must be between 1 and 64``; ``--ip-type is required ...`` when no value was given."""
    if exc.value is None:
        return f"{flag} {exc.rule}"
    shown = repr(exc.value)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return f"{flag} {shown}: {exc.rule}"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@contextmanager
def handled(out: Output, on_interrupt: Callable[[], None] | None = None) -> Generator[None, None, None]:
    """Map errors to exit codes: ValidationError → 2, other BriaError → 1, Ctrl-C → 130."""
    try:
        yield
    except KeyboardInterrupt:
        out.err.print("\n[yellow]Interrupted.[/]")
        if on_interrupt is not None:
            on_interrupt()
        if out.json_mode:
            sys.stdout.write(json.dumps({"error": {"type": "KeyboardInterrupt"}, "exit_code": 130}) + "\n")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except ValidationError as exc:
        out.fail(exc, EXIT_USAGE)
    except BriaError as exc:
        out.fail(exc, EXIT_ERROR)
    except ValueError as exc:  # bad arguments rejected outside the SDK's own checks
        out.fail(exc, EXIT_USAGE)
    except OSError as exc:
        out.fail(exc, EXIT_ERROR)


def make_client(out: Output, base_url: str | None, token: str | None) -> TailoredClient:
    """A ``TailoredClient``; a missing token is a usage error (exit 2) naming the option and variable."""
    from ..client import TailoredClient

    if not token:
        out.fail(
            "no API token: pass --token or set BRIA_API_TOKEN (any value works for a sandbox)", EXIT_USAGE
        )
    return TailoredClient(token, base_url=base_url or os.environ.get("BRIA_BASE_URL") or None)
