#!/usr/bin/env python3
"""Benchmarks of ``client.batch.generate`` against a sandbox in another process; prints ``{"figures": ...}``.

Figures (ratios, from one run of this script):

* ``batch_throughput_vs_limit``: rows per minute achieved ÷ ``requests_per_minute``. A row costs at least two
  requests (its submit and one status poll), so the ceiling of this figure is about 0.5;
  ``batch_requests_vs_limit`` is requests per minute ÷ the limit (ceiling 1.0: how close the batch keeps to
  the limit) and ``batch_requests_per_row`` what a row cost. ``batch_429`` counts the 429 answers of a
  sandbox that enforces the same limit (0: the limit was never tripped), ``batch_rows_lost`` the rows not
  saved.
* ``batch_rss_10k_vs_1k``: peak RSS of a process running a 10,000-row batch ÷ that of a 1,000-row batch
  (each in a fresh process; memory should be flat in the number of rows: the input is streamed, results are
  not kept).

Usage: ``python scripts/bench_batch.py [--rows 600] [--rpm 600] [--rss-rows 1000,10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"

_SANDBOX = (
    "import json, sys\n"
    "from bria_tailored.sandbox import serve_forever\n"
    "serve_forever(port=0, log_level='warning', **json.loads(sys.argv[1]))\n"
)


def start_sandbox(**options: Any) -> tuple[subprocess.Popen[str], str]:
    """A sandbox in its own process; returns it and its base URL."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "adapters"), str(ROOT / "generated")])}
    defaults = {"training_seconds": 0.3, "caption_seconds": 0.1, "job_seconds": 0.2, "image_scale": 0.05}
    process = subprocess.Popen(
        [sys.executable, "-c", _SANDBOX, json.dumps({**defaults, **options})],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    return process, match.group(1)


def train_model(base_url: str, folder: Path) -> int:
    from PIL import Image

    from bria_tailored import TailoredClient
    from bria_tailored.polling import PollPolicy

    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    for i in range(5):
        Image.new("RGB", (256, 256), (40 * i, 120, 200)).save(images / f"i{i}.png")
    with TailoredClient(
        "bench-train-token", base_url=base_url
    ) as client:  # not counted against TOKEN's limit
        trained = client.train(
            images, project="Bench", ip_type="icons", ip_medium="illustration", poll_policy=PollPolicy(0.05, 0.2)
        )
        return trained.model.id


def write_rows(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(
                json.dumps({"id": f"r{i}", "prompt": f"a mascot waving, pose {i}", "seed": i}) + "\n"
            )
    return path


# ------------------------------------------------------------------------------------------ throughput
def throughput(rows: int, rpm: float, folder: Path) -> dict[str, float]:
    import httpx

    from bria_tailored import TailoredClient

    # The sandbox enforces the same limit (per token) that the client keeps to.
    sandbox, base_url = start_sandbox(rate_limit=rpm, job_seconds=0.3)
    try:
        model = train_model(base_url, folder)
        answers: list[tuple[float, int]] = []

        def keep(response: httpx.Response) -> None:
            answers.append((time.monotonic(), response.status_code))

        http = httpx.Client(timeout=60.0, event_hooks={"response": [keep]})
        with TailoredClient(TOKEN, base_url=base_url, requests_per_minute=rpm, http_client=http) as client:
            started = time.monotonic()
            report = client.batch.generate(
                write_rows(folder / "rows.jsonl", rows), tailored_model_id=model, out=str(folder / "out")
            )
            elapsed = time.monotonic() - started
        http.close()
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    accepted = sum(1 for _, status in answers if status < 400)
    return {
        "batch_throughput_vs_limit": round(rows / elapsed * 60.0 / rpm, 3),
        "batch_requests_vs_limit": round(accepted / elapsed * 60.0 / rpm, 3),
        "batch_requests_per_row": round(len(answers) / rows, 3),
        "batch_429": sum(1 for _, status in answers if status == 429),
        "batch_rows_lost": rows - report.saved,
    }


# ------------------------------------------------------------------------------------------------ RSS
_RSS_CHILD = """
import json, resource, sys
from bria_tailored import TailoredClient
base_url, model, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with TailoredClient("bench-token", base_url=base_url, requests_per_minute=60000) as client:
    report = client.batch.generate(rows, tailored_model_id=model, out=out, max_in_flight=24)
print(json.dumps({"saved": report.saved, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def peak_rss(counts: list[int], folder: Path) -> dict[str, float]:
    sandbox, base_url = start_sandbox(job_seconds=0.05)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "adapters"), str(ROOT / "generated")])}
    rss: dict[int, int] = {}
    try:
        model = train_model(base_url, folder)
        for count in counts:
            rows = write_rows(folder / f"rows-{count}.jsonl", count)
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _RSS_CHILD,
                    base_url,
                    str(model),
                    str(rows),
                    str(folder / f"out-{count}"),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if result["saved"] != count:
                raise RuntimeError(f"{count}-row batch saved {result['saved']}")
            rss[count] = int(result["rss_kib"])
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    small, large = min(counts), max(counts)
    return {
        f"batch_rss_{large // 1000}k_vs_{small // 1000}k": round(rss[large] / rss[small], 3),
        f"batch_rss_{small // 1000}k_mib": round(rss[small] / 1024, 1),
        f"batch_rss_{large // 1000}k_mib": round(rss[large] / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=600, help="rows of the throughput batch")
    parser.add_argument("--rpm", type=float, default=600.0, help="requests per minute (client and sandbox)")
    parser.add_argument("--rss-rows", default="1000,10000", help="row counts of the two RSS batches")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bria-bench-batch-") as tmp:
        if not args.skip_throughput:
            figures.update(throughput(args.rows, args.rpm, Path(tmp) / "throughput"))
        if not args.skip_rss:
            counts = sorted(int(c) for c in args.rss_rows.split(","))
            figures.update(peak_rss(counts, Path(tmp) / "rss"))
    print(json.dumps({"figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
