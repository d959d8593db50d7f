#!/usr/bin/env python3
"""Batch and fleet benchmarks (issue 18): ``client.batch.generate`` against sandboxes that enforce a limit.

``scripts/bench.py`` runs these as its ``batch`` benchmark; this script runs them alone. What reached the
server is counted from the sandbox's own request log (``GET /_sandbox/requests``), never from the client.

=====================================  ================================================================
``batch_throughput_vs_limit``          accepted requests per minute of one batch (2,000 rows; ``--quick``:
                                       600) against a sandbox limited to 600 rpm per token ÷ 600: how close
                                       the batch keeps to the limit (a row costs its submit and at least
                                       one status poll, so rows per minute are about half of that; both
                                       are in the details)
``batch_rows_lost``                    rows of that batch not saved (goal 0)
``fleet_429``                          429 answers to 4 processes sharing one Redis limiter at 300 rpm,
                                       against a sandbox limited to 300 rpm (goal 0)
``fleet_max_60s_vs_limit``             the most requests the sandbox received from that token in any 60 s
                                       window ÷ 300 (goal <= 1)
``batch_rss_10k_vs_1k``                peak RSS (``ru_maxrss``) of a process running a 10,000-row batch ÷
                                       that of a 1,000-row batch, each in a fresh process (goal <= 1.2:
                                       memory flat in the number of rows)
``batch_kill_duplicates_vs_kills``     a 300-row batch killed with SIGKILL at 10 random moments, then run to
                                       the end: submits that reached the sandbox beyond one per row ÷ the
                                       kills (goal <= 1: at most one duplicate per crash)
``batch_kill_rows_not_saved_once``     rows of that batch whose output is missing or not listed exactly
                                       once as saved in the manifest (goal 0)
=====================================  ================================================================

Usage: ``python scripts/bench_batch.py [--quick] [--only throughput,fleet,rss,kills]`` (prints
``{"figures": {...}, "details": {...}}``). Needs the ``sandbox`` and ``redis`` extras and Debian's
``redis-server`` on PATH (``.ci/run`` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench_support import _ensure_importable, child_env, log, sandbox_process

TOKEN = "bench-token"
SUBMIT = "generate-image"


def sandbox(
    *, rate_limit: float | None = None, job_seconds: float = 0.2
) -> contextlib.AbstractContextManager[str]:
    """A sandbox in its own process (``python -m bria_tailored.sandbox``), optionally enforcing a limit."""
    flags = ["--training-seconds", "0.3", "--caption-seconds", "0.1", "--job-seconds", str(job_seconds)]
    flags += ["--image-scale", "0.05", *(["--rate-limit", str(rate_limit)] if rate_limit else [])]
    return sandbox_process(*flags)


def request_log(base_url: str, token: str = TOKEN) -> list[dict[str, Any]]:
    """What the sandbox received from ``token``, oldest first (from its read-only request log)."""
    import httpx

    answer = httpx.get(f"{base_url}/_sandbox/requests", timeout=60.0)
    answer.raise_for_status()
    body = answer.json()
    if body.get("dropped"):
        raise RuntimeError(f"the sandbox's request log dropped {body['dropped']} entries: enlarge it")
    from bria_tailored.sandbox import token_hash

    wanted = token_hash(token)
    return [entry for entry in body["requests"] if entry.get("token") == wanted]


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Debian's ``redis-server`` on a free loopback port, no persistence; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bria-bench-redis-") as folder:
        process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def train_model(base_url: str, folder: Path) -> int:
    """A trained model, made with another token (so none of it counts against ``TOKEN``'s limit)."""
    from PIL import Image

    from bria_tailored import TailoredClient
    from bria_tailored.polling import PollPolicy

    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    for i in range(5):
        Image.new("RGB", (256, 256), (40 * i, 120, 200)).save(images / f"i{i}.png")
    with TailoredClient("bench-train-token", base_url=base_url) as client:
        trained = client.train(
            images,
            project="Bench",
            ip_type="icons",
            ip_medium="illustration",
            poll_policy=PollPolicy(0.05, 0.2),
        )
        return trained.model.id


def write_rows(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(
                json.dumps({"id": f"r{i}", "prompt": f"a mascot waving, pose {i}", "seed": i}) + "\n"
            )
    return path


def max_in_window(times: list[float], window: float = 60.0) -> int:
    """The most timestamps in any half-open window of ``window`` seconds."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# ------------------------------------------------------------------------------------------ throughput
def throughput(rows: int, rpm: float, folder: Path) -> dict[str, Any]:
    from bria_tailored import TailoredClient

    with sandbox(rate_limit=rpm, job_seconds=0.3) as base_url:  # the same limit the client keeps to
        model = train_model(base_url, folder)
        with TailoredClient(TOKEN, base_url=base_url, requests_per_minute=rpm) as client:
            started = time.monotonic()
            report = client.batch.generate(
                write_rows(folder / "rows.jsonl", rows), tailored_model_id=model, out=str(folder / "out")
            )
            elapsed = time.monotonic() - started
        entries = request_log(base_url)
    accepted = sum(1 for entry in entries if entry["status"] and entry["status"] < 400)
    refused = sum(1 for entry in entries if entry["status"] == 429)
    return {
        "batch_throughput_vs_limit": round(accepted / elapsed * 60.0 / rpm, 3),
        "batch_rows_lost": rows - report.saved,
        "details": {
            "rows": rows,
            "limit_rpm": rpm,
            "seconds": round(elapsed, 1),
            "requests_accepted": accepted,
            "requests_429": refused,
            "requests_per_row": round(len(entries) / rows, 3),
            "rows_per_minute_vs_limit": round(rows / elapsed * 60.0 / rpm, 3),
            "max_requests_in_60s": max_in_window([entry["t"] for entry in entries]),
        },
    }


# ---------------------------------------------------------------------------------------------- fleet
_FLEET_CHILD = """
import json, sys
from bria_tailored import TailoredClient
base_url, model, rows, out, shard, rpm, redis_url = sys.argv[1:8]
with TailoredClient("bench-token", base_url=base_url, requests_per_minute=float(rpm),
                    rate_limit_url=redis_url) as client:
    report = client.batch.generate(rows, tailored_model_id=int(model), out=out, shard=shard)
print(json.dumps({"saved": report.saved, "total": report.total}))
"""


def fleet(processes: int, rows: int, rpm: float, folder: Path) -> dict[str, Any]:
    with redis_server() as redis_url, sandbox(rate_limit=rpm, job_seconds=0.3) as base_url:
        model = train_model(base_url, folder)
        source = write_rows(folder / "rows.jsonl", rows)
        started = time.monotonic()
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _FLEET_CHILD,
                    base_url,
                    str(model),
                    str(source),
                    str(folder / "out"),
                    f"{i}/{processes}",
                    str(rpm),
                    redis_url,
                ],
                stdout=subprocess.PIPE,
                text=True,
                env=child_env(),
            )
            for i in range(1, processes + 1)
        ]
        results = []
        for child in children:
            out, _ = child.communicate(timeout=3600)
            if child.returncode:
                raise RuntimeError(f"a fleet process failed ({child.returncode})")
            results.append(json.loads(out.strip().splitlines()[-1]))
        elapsed = time.monotonic() - started
        entries = request_log(base_url)
    saved = sum(result["saved"] for result in results)
    window = max_in_window([entry["t"] for entry in entries])
    return {
        "fleet_429": sum(1 for entry in entries if entry["status"] == 429),
        "fleet_max_60s_vs_limit": round(window / rpm, 3),
        "details": {
            "processes": processes,
            "rows": rows,
            "limit_rpm": rpm,
            "seconds": round(elapsed, 1),
            "rows_saved": saved,
            "requests": len(entries),
            "max_requests_in_60s": window,
            "requests_per_minute_vs_limit": round(len(entries) / elapsed * 60.0 / rpm, 3),
        },
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


def peak_rss(counts: list[int], folder: Path) -> dict[str, Any]:
    rss: dict[int, int] = {}
    with sandbox(job_seconds=0.05) as base_url:
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
                env=child_env(),
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if result["saved"] != count:
                raise RuntimeError(f"{count}-row batch saved {result['saved']}")
            rss[count] = int(result["rss_kib"])
    small, large = min(counts), max(counts)
    return {
        f"batch_rss_{large // 1000}k_vs_{small // 1000}k": round(rss[large] / rss[small], 3),
        "details": {f"peak_rss_mib_{count}_rows": round(kib / 1024, 1) for count, kib in rss.items()},
    }


# ---------------------------------------------------------------------------------------------- kills
_KILL_CHILD = """
import sys
from bria_tailored import TailoredClient
base_url, model, rows, out = sys.argv[1:5]
with TailoredClient("bench-token", base_url=base_url, requests_per_minute=60000) as client:
    report = client.batch.generate(rows, tailored_model_id=int(model), out=out, max_in_flight=8)
sys.exit(0 if report.ok else 1)
"""


def kills(rows: int, times: int, folder: Path, seed: int = 18) -> dict[str, Any]:
    chance = random.Random(seed)
    with sandbox(job_seconds=0.5) as base_url:
        model = train_model(base_url, folder)
        source = write_rows(folder / "rows.jsonl", rows)
        out = folder / "out"
        command = [sys.executable, "-c", _KILL_CHILD, base_url, str(model), str(source), str(out)]
        killed = 0
        for _ in range(times):
            child = subprocess.Popen(
                command, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(chance.uniform(0.8, 2.5))  # past the imports: into the submits
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                killed += 1
            child.wait()
        final = subprocess.run(command, env=child_env(), capture_output=True, text=True)
        if final.returncode:
            raise RuntimeError(f"the run after the kills failed ({final.returncode}): {final.stderr[-2000:]}")
        submits = [
            entry
            for entry in request_log(base_url)
            if entry["operation"] == SUBMIT and entry["status"] == 202
        ]
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    listed: dict[str, int] = {}
    for entry in manifest:
        if (
            entry["status"] == "saved"
            and entry["uri"]
            and Path(entry["uri"].removeprefix("file://")).is_file()
        ):
            listed[entry["id"]] = listed.get(entry["id"], 0) + 1
    not_once = sum(1 for i in range(rows) if listed.get(f"r{i}") != 1)
    duplicates = len(submits) - rows
    return {
        "batch_kill_duplicates_vs_kills": round(max(duplicates, 0) / max(killed, 1), 3),
        "batch_kill_rows_not_saved_once": not_once,
        "details": {
            "rows": rows,
            "kills": killed,
            "submits_reaching_the_sandbox": len(submits),
            "duplicate_submits": duplicates,
        },
    }


# --------------------------------------------------------------------------------------------- driver
def run(quick: bool, only: set[str] | None = None) -> dict[str, Any]:
    """Every batch figure (flat) plus ``batch_details`` (a dict): what ``scripts/bench.py`` merges."""
    figures: dict[str, Any] = {}
    details: dict[str, Any] = {}
    steps = {
        "throughput": lambda tmp: throughput(600 if quick else 2000, 600.0, tmp),
        "fleet": lambda tmp: fleet(4, 200 if quick else 400, 300.0, tmp),
        "rss": lambda tmp: peak_rss([1000, 10000], tmp),
        "kills": lambda tmp: kills(300, 10, tmp),
    }
    for name, step in steps.items():
        if only and name not in only:
            continue
        log(f"batch: {name} ...")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"bria-bench-batch-{name}-") as tmp:
            result = step(Path(tmp))
        details[name] = {**result.pop("details"), "bench_seconds": round(time.monotonic() - started, 1)}
        figures.update(result)
        log(f"batch: {name} done in {details[name]['bench_seconds']}s: {result}")
    return {**figures, "batch": details}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller throughput and fleet runs")
    parser.add_argument("--only", default="", help="comma-separated subset of: throughput, fleet, rss, kills")
    args = parser.parse_args(argv)
    _ensure_importable()
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    result = run(args.quick, only)
    details = result.pop("batch")
    print(json.dumps({"figures": result, "details": {"batch": details}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
