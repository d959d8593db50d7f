"""What ``bria-tailored train`` tells and does beyond ``client.train``: ``--skip-invalid``, the hint for a
numeric ``--project`` that is no project's id, and what to know when training is left running at Bria
(Ctrl-C, a timeout): it goes on, and ``models stop`` stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import cast

from rich.console import Console
from rich.markup import escape

from ..errors import InvalidImagesError, NotFoundError, ValidationError
from ..workflows.options import TrainOptions

__all__ = ["project_hint", "skipping_invalid", "training_goes_on"]

_STAGED_SUFFIX = ".bria-valid"


def _stage(location: Path, keep: list[str]) -> Path:
    """A folder holding (hard links to, or copies of) the ``keep`` files of ``location``, flat (their names
    are unique: duplicates are among the skipped). Beside the source when possible, else in a temp folder."""
    try:
        staged = location.parent / f".{location.name}{_STAGED_SUFFIX}"
        shutil.rmtree(staged, ignore_errors=True)
        staged.mkdir()
    except OSError:
        staged = Path(tempfile.mkdtemp(prefix="bria-valid-"))
    for rel in keep:
        src = location / rel
        dst = staged / Path(rel).name
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    return staged


@contextlib.contextmanager
def skipping_invalid(
    console: Console, source: str, options: TrainOptions, enabled: bool
) -> Generator[str, None, None]:
    """The source to train on: ``source`` itself, or (``--skip-invalid``, a local folder with unusable
    files) a staged folder of its usable files, after listing the others. The run keeps the identity of
    ``source`` (dataset and model names, state manifest), so re-running the same command resumes it; the
    staged folder is removed when the block ends."""
    if not enabled:
        yield source
        return
    from ..workflows._source import default_name, default_state_path, scan, validate

    files = scan(source)
    if files.kind != "folder":
        raise ValidationError("source", source, "--skip-invalid works with a local folder of images")
    try:
        validate(files, via=options.get("via"), upload_type=options.get("upload_type"))
        problems: list[tuple[str, str]] = []
    except InvalidImagesError as exc:
        problems = [(name, reason) for name, reason in exc.problems if name != "(source)"]
        if not problems:
            raise
    if not problems:
        yield source
        return
    bad = {name for name, _ in problems}
    console.print(f"[yellow]Skipping {len(bad)} file(s) that cannot be used (--skip-invalid):[/]")
    for name, reason in problems:
        console.print(f"  [yellow]✗[/] {escape(name)}: {escape(reason)}", highlight=False)
    keep = sorted(rel for rel in files.paths.values() if rel not in bad)
    if options.get("dataset_name") is None:
        options["dataset_name"] = default_name(source)
    if options.get("model_name") is None:
        options["model_name"] = f"{default_name(source)}-model"
    if options.get("state") is None:
        options["state"] = default_state_path(source)
    staged = _stage(Path(files.location), keep)
    try:
        yield str(staged)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def project_hint(project: str, exc: NotFoundError) -> str | None:
    """The message for a numeric ``--project`` that no project has as its id (``None`` otherwise)."""
    text = project.strip()
    if not text.isdigit() or "/projects/" not in (exc.path or ""):
        return None
    return (
        f"--project {text}: no project has the id {text} (a number is read as a project id). "
        "See your projects' ids with: bria-tailored projects list. To train into a new project named "
        f"{text!r}, create it first (bria-tailored projects create {shlex.quote(text)} --ip-type TYPE "
        "--ip-medium MEDIUM) and pass the id it prints."
    )


def _running_model(state_path: Path) -> int | None:
    """The model whose training this run started and did not see end (from its state manifest)."""
    try:
        data: object = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    manifest = cast("dict[str, object]", data)
    step = manifest.get("step")
    model_id = manifest.get("model_id")
    if step == "training" and isinstance(model_id, int) and not isinstance(model_id, bool):
        return model_id
    return None


def training_goes_on(console: Console, state_path: Path) -> None:
    """When this run started training that has not ended: say it goes on at Bria, and how to stop it."""
    model_id = _running_model(state_path)
    if model_id is None:
        return
    console.print(
        f"[yellow]Training goes on at Bria:[/] model {model_id} keeps training (stopping this command does "
        f"not stop it).\nTo stop it:\n  bria-tailored models stop {model_id}",
        highlight=False,
        soft_wrap=True,
    )
