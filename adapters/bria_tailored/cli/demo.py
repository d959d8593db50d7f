"""``bria-tailored demo``: the whole product in one command, offline and without a token.

Starts the embedded sandbox on a free loopback port, draws a small character family ("Pip") with Pillow,
trains a tailored model on it with ``client.train`` (progress bars), generates images, a structured prompt
and a video (from the first image: results chain), saves them with sidecars under ``--out``, writes an
``index.html`` gallery there and prints a summary that ends with the gallery's path.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer
from rich.console import Console
from rich.table import Table

from ._common import JsonOption, Output, handled

if TYPE_CHECKING:
    from .._operations import AspectRatioValue
    from ..types import ImageResult

PROMPTS: list[tuple[str, AspectRatioValue]] = [
    ("Pip reading a book under an apple tree", "1:1"),
    ("Pip surfing a huge turquoise wave", "16:9"),
    ("Pip as an astronaut waving from the moon", "1:1"),
]
STRUCTURED_PROMPT = "Pip baking a birthday cake"


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Generator[None, None, None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 2)


@contextlib.contextmanager
def _server(base_url: str | None, training_seconds: float) -> Generator[str, None, None]:
    if base_url:
        yield base_url
        return
    from ..sandbox import run_sandbox

    with run_sandbox(
        training_seconds=training_seconds,
        caption_seconds=0.5,
        bulk_seconds=1.0,
        job_seconds=0.4,
        image_scale=0.5,
    ) as url:
        yield url


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path("bria-demo-output"),
    images: Annotated[
        int, typer.Option("--images", min=5, max=20, help="How many training images to draw.")
    ] = 8,
    training_seconds: Annotated[
        float, typer.Option("--training-seconds", help="How long the sandbox's training takes.")
    ] = 4.0,
    json_output: JsonOption = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Run against this server instead of the embedded sandbox ($BRIA_BASE_URL is ignored here).",
        ),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Token for --base-url ($BRIA_API_TOKEN is ignored here).")
    ] = None,
) -> None:
    """Train a tailored model on a drawn mascot and generate with it, on the embedded sandbox (~10 s)."""
    from ..client import TailoredClient
    from ..gallery import write_gallery
    from ..polling import PollPolicy
    from ._progress import spinner, train_progress
    from .demo_art import draw_family

    output = Output(json_output)
    timer = _Timer()
    started = time.perf_counter()
    files: list[Path] = []
    with handled(output):
        out = out.expanduser().resolve()
        out.mkdir(parents=True, exist_ok=True)
        state = out / "train-state.json"
        state.unlink(missing_ok=True)  # each demo run starts a fresh sandbox, hence a fresh training
        with contextlib.ExitStack() as stack:
            with timer.phase("start sandbox"):
                url = stack.enter_context(_server(base_url, training_seconds))
            client = stack.enter_context(TailoredClient(token or "demo", base_url=url))
            output.note(f"[bold]Bria Tailored Generation demo[/] — sandbox at {url}")
            with timer.phase("draw images"):
                drawn = draw_family(out / "training-images", images)
            output.note(f"[green]✓[/] drew {len(drawn)} images of Pip into {out / 'training-images'}")
            with timer.phase("train"), train_progress(output.err) as progress:
                trained = client.train(
                    out / "training-images",
                    project="Pip the mascot (demo)",
                    ip_type="defined_character",
                    ip_medium="illustration",
                    ip_name="Pip",
                    ip_description="a round, friendly mascot with an antenna and rosy cheeks",
                    dataset_name="pip-v1",
                    model_name="pip-v1",
                    refine="keep the flat pastel backgrounds",
                    state=state,
                    on_progress=progress,
                    poll_policy=PollPolicy(0.1, 0.5),
                )
            model_id = trained.model.id
            fast = PollPolicy(0.1, 0.5)
            results: list[ImageResult] = []
            with (
                timer.phase("generate images"),
                spinner(output.err, "Generating images", len(PROMPTS)) as step,
            ):
                jobs = [
                    client.generate.image(model_id, prompt, seed=i + 1, aspect_ratio=ratio, wait=False)
                    for i, (prompt, ratio) in enumerate(PROMPTS)
                ]
                for i, job in enumerate(jobs):
                    result = client.status.wait(job, policy=fast, timeout=120)
                    stored = client.save(result, out, key=f"images/pip-{i + 1}.png")
                    files.append(out / stored.key)
                    results.append(result)
                    step(f"{i + 1}/{len(PROMPTS)}")
            with timer.phase("structured prompt"), spinner(output.err, "Structured prompt") as step:
                structured = client.generate.structured_prompt(
                    model_id, STRUCTURED_PROMPT, timeout=120, policy=fast
                )
                path = out / "structured-prompt.json"
                document = {
                    "model_id": model_id,
                    "prompt": STRUCTURED_PROMPT,
                    "request_id": structured.request_id,
                    "seed": structured.seed,
                    "structured_prompt": structured.as_dict(),
                }
                path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
                files.append(path)
                step()
            with timer.phase("video"), spinner(output.err, "Generating video") as step:
                clip = client.generate.video(model_id, results[0], timeout=300, policy=fast)
                stored = client.save(clip, out, key="video/pip-1.mp4")
                files.append(out / stored.key)
                step()
            with timer.phase("gallery"):
                gallery = write_gallery(out, title="Pip: bria-tailored demo")
        timer.timings["total"] = round(time.perf_counter() - started, 2)
        summary: _Summary = {
            "base_url": url,
            "project_id": trained.project.id,
            "dataset_id": trained.dataset.id,
            "model_id": model_id,
            "model_status": str(trained.model.status),
            "training_images": [str(p) for p in drawn],
            "files": [{"path": str(p), "size": p.stat().st_size, "sidecar": _sidecar(p)} for p in files],
            "state_path": str(state),
            "timings": timer.timings,
            "out": str(out),
            "gallery": str(gallery),
        }
        output.result(summary, lambda console: _render(console, summary))


class _File(TypedDict):
    path: str
    size: int
    sidecar: str | None


class _Summary(TypedDict):
    """The demo's ``--json`` document."""

    base_url: str
    project_id: int
    dataset_id: int
    model_id: int
    model_status: str
    training_images: list[str]
    files: list[_File]
    state_path: str
    timings: dict[str, float]
    out: str
    gallery: str


def _sidecar(path: Path) -> str | None:
    sidecar = path.with_name(path.name + ".json")
    return str(sidecar) if sidecar.exists() else None


def _render(console: Console, summary: _Summary) -> None:
    ids = Table(title="Bria Tailored Generation demo", title_justify="left", show_header=False)
    ids.add_column(style="bold")
    ids.add_column()
    ids.add_row("sandbox", summary["base_url"])
    ids.add_row(
        "project / dataset / model",
        f"{summary['project_id']} / {summary['dataset_id']} / {summary['model_id']}",
    )
    ids.add_row("training images", str(len(summary["training_images"])))
    ids.add_row("train state", summary["state_path"])
    console.print(ids)
    timings = Table(title="Timings (s)", title_justify="left")
    timings.add_column("phase")
    timings.add_column("seconds", justify="right")
    for name, seconds in summary["timings"].items():
        timings.add_row(name, f"{seconds:.2f}")
    console.print(timings)
    outputs = Table(title=f"Files in {summary['out']}", title_justify="left")
    outputs.add_column("file")
    outputs.add_column("bytes", justify="right")
    outputs.add_column("sidecar")
    root = Path(summary["out"])
    for item in summary["files"]:
        path = Path(item["path"])
        outputs.add_row(str(path.relative_to(root)), f"{item['size']:,}", "✓" if item["sidecar"] else "-")
    console.print(outputs)
    console.print(f"Gallery: {summary['gallery']}", highlight=False, soft_wrap=True)
