"""``generate``, ``video``, ``structured-prompt`` and ``status``: generation jobs with a tailored model, and
the Status Service.

``--out`` saves outputs with their sidecars (see :func:`bria_tailored.saving.save_result`): into a folder or
storage URI (names from ``--name``, else ``{slug of the prompt}-{seed}.png``), or into one file
(``--out cat.png``). A local folder also gets an ``index.html`` gallery (:mod:`bria_tailored.gallery`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from .._operations import AspectRatioValue
from ._common import (
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
    from ..storage import StoredObject

OutOption = Annotated[
    str | None,
    typer.Option(
        "--out",
        help="Save outputs with .json sidecars: into this folder or storage URI (a local folder also gets an "
        "index.html gallery), or into this file (e.g. cat.png).",
    ),
]
NameOption = Annotated[
    str | None,
    typer.Option(
        "--name",
        help="File names inside --out, e.g. '{slug}-{seed}' or '{model_id}/{date}/{slug}' (fields: slug, "
        "seed, model_id, request_id, short_id, aspect_ratio, kind, date, time; default '{slug}-{seed}').",
    ),
]
TimeoutOption = Annotated[float, typer.Option("--timeout", help="Seconds to wait for each job.")]


def _check_out(output: Output, out: str | None, name: str | None, count: int) -> None:
    """``--out`` naming one file goes with one output and no ``--name``."""
    from ..saving import file_destination

    if out is None:
        if name is not None:
            output.fail("--name names files inside --out: give --out too", EXIT_USAGE)
        return
    target = file_destination(out)
    if target is None:
        return
    if count > 1:
        output.fail(
            f"--out {out} names one file, but --count is {count}: give a folder (e.g. --out ./out) and, if "
            "you like, a --name template",
            EXIT_USAGE,
        )
    if name is not None:
        output.fail(f"--out {out} names the file already: --name is for a folder", EXIT_USAGE)


def gallery_of(out: str | None) -> Path | None:
    """Write the ``index.html`` gallery of ``--out`` when it is a local folder; its path, or ``None``."""
    from ..gallery import write_gallery
    from ..saving import file_destination
    from ..storage import scheme_of
    from ..storage.local import root_from_uri

    if out is None or file_destination(out) is not None or scheme_of(out) != "file":
        return None
    folder = root_from_uri(out)
    return write_gallery(folder) if folder.is_dir() else None


def _saved(stored: StoredObject | None) -> dict[str, JSON] | None:
    if stored is None:
        return None
    return {"uri": stored.uri, "key": stored.key, "size": stored.size, "sha256": stored.sha256}


def generate(
    model_id: Annotated[int, typer.Argument(metavar="MODEL_ID", help="The tailored model's id.")],
    prompt: Annotated[str, typer.Argument(metavar="PROMPT", help="What to draw.")],
    out: OutOption = None,
    aspect_ratio: Annotated[
        AspectRatioValue | None,
        typer.Option("--aspect-ratio", help="Aspect ratio (default 1:1).", show_default=False),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed (with --count: seed, seed+1, ...).")
    ] = None,
    count: Annotated[int, typer.Option("--count", min=1, max=16, help="How many images (1-16).")] = 1,
    name: NameOption = None,
    negative_prompt: Annotated[
        str | None, typer.Option("--negative-prompt", help="What to keep out of the image.")
    ] = None,
    influence: Annotated[
        float | None,
        typer.Option("--influence", help="tailored_model_influence (how strongly the model applies)."),
    ] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="steps_num (diffusion steps).")] = None,
    timeout: TimeoutOption = 600.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Generate images with a tailored model (and save them with --out, with a gallery)."""
    from ._progress import spinner

    output = Output(json_output)
    _check_out(output, out, name, count)
    with handled(output), make_client(output, base_url, token) as client:
        jobs = [
            client.generate.image(
                model_id,
                prompt,
                seed=None if seed is None else seed + i,
                aspect_ratio=aspect_ratio,
                negative_prompt=negative_prompt,
                tailored_model_influence=influence,
                steps_num=steps,
                wait=False,
            )
            for i in range(count)
        ]
        items: list[dict[str, JSON]] = []
        with spinner(output.err, "Generating images", total=count) as advance:
            for job in jobs:
                result = client.status.wait(job, timeout=timeout)
                stored = client.save(result, out, name=name) if out else None
                items.append({**_plain(result), "saved": _saved(stored)})
                advance(f"{len(items)}/{count}")
        gallery = gallery_of(out)
        data: dict[str, JSON] = {"model_id": model_id, "prompt": prompt, "images": items}
        if gallery is not None:
            data["gallery"] = str(gallery)
        output.result(data, lambda console: _table(console, "Images", items, "image_url", gallery))


def video(
    model_id: Annotated[int, typer.Argument(metavar="MODEL_ID", help="The tailored model's id.")],
    image: Annotated[
        str,
        typer.Argument(metavar="IMAGE", help="An image made by the same model: path, URL or storage URI."),
    ],
    out: OutOption = None,
    name: NameOption = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed.")] = None,
    timeout: TimeoutOption = 1200.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Animate an image into a short video with a tailored model (beta)."""
    from ._progress import spinner

    output = Output(json_output)
    _check_out(output, out, name, 1)
    with handled(output), make_client(output, base_url, token) as client:
        with spinner(output.err, "Generating video") as advance:
            result = client.generate.video(model_id, image, seed=seed, timeout=timeout)
            advance()
        stored = client.save(result, out, name=name) if out else None
        gallery = gallery_of(out)
        item: dict[str, JSON] = {**_plain(result), "saved": _saved(stored)}
        if gallery is not None:
            item["gallery"] = str(gallery)
        output.result(item, lambda console: _table(console, "Video", [item], "video_url", gallery))


def structured_prompt(
    model_id: Annotated[int, typer.Argument(metavar="MODEL_ID", help="The tailored model's id.")],
    prompt: Annotated[str, typer.Argument(metavar="PROMPT", help="What to describe.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Seed.")] = None,
    timeout: TimeoutOption = 600.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Turn a prompt into the model's structured (JSON) prompt; prints it as a JSON object."""
    import json

    from ._progress import spinner

    output = Output(json_output)
    with handled(output), make_client(output, base_url, token) as client:
        with spinner(output.err, "Structured prompt") as advance:
            result = client.generate.structured_prompt(model_id, prompt, seed=seed, timeout=timeout)
            advance()
        data: dict[str, JSON] = {"model_id": model_id, "prompt": prompt, **_plain(result)}
        document = data.get("structured_prompt")
        output.result(data, lambda console: console.print_json(json.dumps(document)))


def status(
    request_id: Annotated[
        str, typer.Argument(metavar="REQUEST_ID", help="The request id of a generation job.")
    ],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the job ends and print its result.")
    ] = False,
    timeout: TimeoutOption = 600.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    token: TokenOption = None,
) -> None:
    """Show a generation job's status (IN_PROGRESS, COMPLETED, ERROR, UNKNOWN), or wait for its result."""
    from ._progress import spinner

    output = Output(json_output)
    with handled(output), make_client(output, base_url, token) as client:
        if wait:
            with spinner(output.err, f"Waiting for {request_id}") as advance:
                result = client.status.wait(request_id, timeout=timeout)
                advance()
            data: dict[str, JSON] = {
                "request_id": request_id,
                "status": "COMPLETED",
                "result": _plain(result),
            }
        else:
            data = _plain(client.status.get(request_id))
        output.result(data, lambda console: _kv(console, data))


def _plain(result: object) -> dict[str, JSON]:
    """The JSON object of a result (an attrs result type or an API model)."""
    data = jsonable(result)
    return data if isinstance(data, dict) else {"value": data}


def _table(
    console: Console, title: str, items: list[dict[str, JSON]], url_key: str, gallery: Path | None = None
) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("request_id", "seed", "file / url"):
        table.add_column(column, overflow="fold")
    for item in items:
        saved = item.get("saved")
        where = str(saved["uri"]) if isinstance(saved, dict) else str(item.get(url_key, "")).split("?", 1)[0]
        table.add_row(str(item.get("request_id")), str(item.get("seed", "")), where)
    console.print(table)
    if gallery is not None:
        console.print(f"Gallery: {gallery}")


def _kv(console: Console, data: dict[str, JSON]) -> None:
    import json

    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        table.add_row(key, value if isinstance(value, str) else json.dumps(value))
    console.print(table)
