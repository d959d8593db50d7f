#!/usr/bin/env python
"""Benchmarks of bria-tailored: the project's performance record (issues 9 and 20).

Every figure is measured against a yardstick taken by this same run, over repeats. These machines are
shared, so a figure is the ratio of the *minima* over the repeats (the least disturbed repeat of each
side); the ratio of the medians and every raw number are in ``details``.

==================================  =====================================================================
``import_vs_httpx``                 whole-process CPU time (user + system, from the child's rusage) of
                                    ``python -c "from bria_tailored import TailoredClient"`` / of
                                    ``python -c "import httpx"`` (>= 15 fresh interpreters each,
                                    interleaved; wall times beside it in the details: on shared cores a wall
                                    time also counts waiting for a core). Bytecode is cached, as a pip
                                    install leaves it (a private ``PYTHONPYCACHEPREFIX``); the figure for a
                                    source checkout run with ``PYTHONDONTWRITEBYTECODE`` is in the details.
``overhead_ratio``                  client CPU per ``client.models.get`` / per raw ``httpx`` GET +
                                    ``json.loads`` of the same URL, against a sandbox in another process
``list_overhead_ratio``             the same for ``client.datasets.images.list`` of a 200-image dataset
                                    (uploaded by another client: both measured clients keep one connection)
``upload_many_vs_raw``              wall time of ``images.upload_many`` (200 images, 50 ms injected
                                    latency, concurrency 8) / the same uploads with ``httpx`` in 8 threads
``staging_cpu_vs_boto3``            client CPU per GB (user + system time of the staging process, every
                                    thread) streaming an image folder as a ZIP into S3 / boto3
                                    ``upload_file`` of the same archive built beforehand; moto in another
                                    process, each side in a fresh child process
``staging_peak_rss_mb``             VmHWM (MiB, absolute: interpreter, imports and all) of the process that
                                    streams the folder (the worst repeat)
``wait_all_calls_per_job``          status calls per job of ``status.wait_all`` (the worst run)
``wait_all_calls_vs_fixed``         status calls of ``wait_all`` / those of a fixed-interval poller with the
                                    same mean lag on the same job durations: the longest interval ``I``
                                    whose checks at ``0, I, 2I, ...`` (instantaneous) leave a mean lag no
                                    longer than the one ``wait_all`` measured (the worst run). A generous
                                    yardstick: its checks cost no time, ``wait_all``'s lag includes them.
``wait_all_lag_vs_interval_1000``   mean lag (job ready -> ``wait_all`` sees it) at 1,000 jobs / the
                                    policy's interval where those jobs finished (the mean sleep the policy
                                    draws at that point of its schedule); the worse of sync and async
``wait_all_cpu_ms_per_job_1000``    client CPU of ``wait_all`` per job at 1,000 jobs (worse of sync/async)
``batch_*``, ``fleet_*``            ``client.batch.generate`` against sandboxes that enforce a rate limit,
                                    counted from the sandbox's request log: throughput ÷ the limit, rows
                                    lost, 4 processes on one Redis limiter, RSS at 10k ÷ 1k rows, and
                                    ``kill -9`` ×10 then resume (``scripts/bench_batch.py`` documents each)
==================================  =====================================================================

``wait_all`` runs use the default ``GENERATION`` policy and the default bounded concurrency of status
checks, with 100 and 1,000 jobs, a sync and an async client, against a sandbox in another process whose
jobs last ``--job-seconds``; jobs are submitted evenly over 90% of that, so the time each one still needs
when ``wait_all`` starts spreads evenly from a tenth of it to all of it. A job's ready time is the
midpoint of its submission call plus the job duration (the sandbox's clock is this machine's).

Usage (from a checkout, or with the package installed)::

    python scripts/bench.py            # full run (~20 minutes on 2 cores, 15 of them batch): a table
    python scripts/bench.py --quick    # smaller run (~10 minutes), same figures
    python scripts/bench.py --only import,overhead,upload,staging,wait_all   # all but batch (~3 minutes)
    python scripts/bench.py --json     # {"figures": {...}, "details": {...}} instead of the table
    python scripts/bench.py --only import,overhead

Needs the ``sandbox``, ``s3`` and ``redis`` extras, ``moto[server]`` and ``redis-server`` on PATH (the batch
fleet figure). Every server listens on 127.0.0.1.
Subprocesses get this process's environment, plus the directories this process imported
``bria_tailored`` and ``bria_tailored_api`` from when those are not on the default path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench_support import _ensure_importable, _stop, child_env, log, sandbox_process

TOKEN = "bench-token"

GOALS: dict[str, tuple[str, float]] = {
    "import_vs_httpx": ("<=", 1.5),
    "overhead_ratio": ("<=", 1.3),
    "list_overhead_ratio": ("<=", 1.3),
    "upload_many_vs_raw": ("<=", 1.3),
    "staging_cpu_vs_boto3": ("<=", 1.2),
    "staging_peak_rss_mb": ("<=", 100.0),
    "wait_all_calls_vs_fixed": ("<=", 1.2),
    "wait_all_lag_vs_interval_1000": ("<=", 1.2),
    "batch_throughput_vs_limit": (">=", 0.9),
    "batch_rows_lost": ("<=", 0),
    "batch_rss_10k_vs_1k": ("<=", 1.2),
    "fleet_429": ("<=", 0),
    "fleet_max_60s_vs_limit": ("<=", 1.0),
    "batch_kill_duplicates_vs_kills": ("<=", 1.0),
    "batch_kill_rows_not_saved_once": ("<=", 0),
}
#: Figures reported without a goal (the table shows them for the record).
INFORMATIONAL = ("wait_all_calls_per_job", "wait_all_cpu_ms_per_job_1000")


# ------------------------------------------------------------------------------------------ plumbing

_MOTO_SCRIPT = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"moto {host} {port}", flush=True)
sys.stdin.read()  # until the parent closes our stdin (or dies)
server.stop()
"""


@contextlib.contextmanager
def moto_process() -> Iterator[str]:
    """A moto S3 server in another process (its in-memory objects are not the client's); yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _MOTO_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=child_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        if len(line) != 3 or line[0] != "moto":
            raise RuntimeError(f"moto did not start: {line!r}")
        yield f"http://{line[1]}:{line[2]}"
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            _stop(proc)


def aws_env(endpoint: str) -> dict[str, str]:
    """Fake credentials pointing boto3 (and bria_tailored's S3 storage) at moto, nothing from this machine."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def s3_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def empty_bucket(client: Any, bucket: str) -> None:
    """Delete every object and abort every pending multipart upload (moto holds them in memory)."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", ()):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def png(width: int, height: int, shade: int) -> bytes:
    """A small valid RGB PNG (distinct per shade)."""
    raw = b"".join(b"\x00" + bytes([shade % 256, (shade * 7) % 256, 120]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def rss_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in MB, from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def system_seconds() -> float:
    """System (kernel) CPU time of this process so far, every thread included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def min_median(sdk: Sequence[float], base: Sequence[float]) -> tuple[float, float]:
    """(ratio of the minima, ratio of the medians) of two series of repeats."""
    return min(sdk) / min(base), statistics.median(sdk) / statistics.median(base)


def r3(value: float) -> float:
    return round(value, 3)


# -------------------------------------------------------------------------------------------- import
def _time_statements(
    statements: dict[str, str], env: dict[str, str], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``python -c statement``, ``runs`` times each, interleaved: (wall times, CPU times) of each process.

    The CPU time (user + system of the whole child process, from its rusage) is what the figure uses: on
    shared cores a wall time also counts the time the process waited for a core.
    """
    for statement in statements.values():  # warm: bytecode written, files in the page cache
        for _ in range(2):
            subprocess.run([sys.executable, "-c", statement], env=env, check=True)
    names = list(statements)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:  # rotate the order every run
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statements[name]], env=env, check=True)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def bench_import(quick: bool) -> dict[str, Any]:
    runs = 15 if quick else 21
    statements = {
        "bare": "pass",
        "httpx": "import httpx",
        "TailoredClient": "from bria_tailored import TailoredClient",
        "bria_tailored": "import bria_tailored",
    }
    with tempfile.TemporaryDirectory(prefix="bria-bench-pyc-") as pycache:
        env = child_env({"PYTHONPYCACHEPREFIX": pycache})
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        wall, cpu = _time_statements(statements, env, runs)
    # A source checkout run with PYTHONDONTWRITEBYTECODE (as the shells here are): the SDK compiles its
    # modules at every start, httpx reads the bytecode its install wrote.
    env = child_env({"PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("PYTHONPYCACHEPREFIX", None)
    _, uncached = _time_statements({k: statements[k] for k in ("httpx", "TailoredClient")}, env, 5)
    ratio_min, ratio_median = min_median(cpu["TailoredClient"], cpu["httpx"])
    wall_min, wall_median = min_median(wall["TailoredClient"], wall["httpx"])

    def ms(series: list[float]) -> list[float]:
        return [round(min(series) * 1e3, 1), round(statistics.median(series) * 1e3, 1)]

    return {
        "import_vs_httpx": r3(ratio_min),
        "import": {
            "runs": runs,
            "measure": "CPU time (user + system) of the whole child process; bytecode cached as a pip "
            "install leaves it (private PYTHONPYCACHEPREFIX, written by two warm-up runs)",
            "cpu_ms_min_median": {name: ms(series) for name, series in cpu.items()},
            "wall_ms_min_median": {name: ms(series) for name, series in wall.items()},
            "ratio_min": r3(ratio_min),
            "ratio_median": r3(ratio_median),
            "wall_ratio_min": r3(wall_min),
            "wall_ratio_median": r3(wall_median),
            "import_bria_tailored_vs_httpx": r3(min(cpu["bria_tailored"]) / min(cpu["httpx"])),
            "without_bytecode_cache": {
                "runs": 5,
                "cpu_ms_min_median": {name: ms(series) for name, series in uncached.items()},
                "ratio_min": r3(min(uncached["TailoredClient"]) / min(uncached["httpx"])),
            },
        },
    }


# ------------------------------------------------------------------------------------------ overhead
LIST_ITEMS = 200


def _cpu_per_call(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per call of ``fn`` over ``calls`` calls."""
    wall, start = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls, (time.perf_counter() - wall) / calls


def bench_overhead(quick: bool) -> dict[str, Any]:
    import httpx

    from bria_tailored import TailoredClient, UploadFailure

    rounds = 5 if quick else 9
    calls = {"get": 100 if quick else 200, "list": 40 if quick else 80}
    with sandbox_process() as url, TailoredClient(TOKEN, base_url=url) as client:
        project = client.projects.create(project_name="bench", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="bench-model")
        model_id = client.models.create(name="bench", dataset_id=dataset.id).id
        images = client.datasets.create(project_id=project.id, name="bench-images")
        # Uploaded by another client: the measured one keeps a single keep-alive connection, as the raw
        # client does (httpcore scans every pooled connection on each request).
        with TailoredClient(TOKEN, base_url=url) as uploader:
            outcome = uploader.datasets.images.upload_many(
                images.id, [png(256, 256, i) for i in range(LIST_ITEMS)], concurrency=8
            )
        failures = [r for r in outcome if isinstance(r, UploadFailure)]
        if failures:
            raise RuntimeError(f"{len(failures)} uploads failed, first: {failures[0]}")
        paths = {
            "get": f"/v1/tailored-gen/models/{model_id}",
            "list": f"/v1/tailored-gen/datasets/{images.id}/images",
        }
        with httpx.Client(base_url=url, headers={"api_token": TOKEN}) as raw:

            def raw_call(name: str) -> Callable[[], object]:
                path = paths[name]

                def call() -> object:
                    response = raw.get(path)
                    if response.status_code != 200:
                        raise RuntimeError(f"raw GET {path} -> {response.status_code}")
                    return json.loads(response.content)

                return call

            sdk_calls: dict[str, Callable[[], object]] = {
                "get": lambda: client.models.get(model_id),
                "list": lambda: client.datasets.images.list(images.id),
            }
            raw_calls = {name: raw_call(name) for name in paths}
            listed = sdk_calls["list"]()
            if not (isinstance(listed, list) and len(listed) == LIST_ITEMS == len(raw_calls["list"]())):  # type: ignore[arg-type]
                raise RuntimeError(f"images.list returned {len(listed)} items, not {LIST_ITEMS}")  # type: ignore[arg-type]
            for name in paths:  # warm: connections, caches, lazy imports
                for _ in range(calls[name] // 2):
                    sdk_calls[name]()
                    raw_calls[name]()
            cpu: dict[str, dict[str, list[float]]] = {n: {"sdk": [], "raw": []} for n in paths}
            wall: dict[str, dict[str, list[float]]] = {n: {"sdk": [], "raw": []} for n in paths}
            for i in range(rounds):  # interleaved, alternating order, to cancel drift
                for name in paths:
                    sides = [("sdk", sdk_calls[name]), ("raw", raw_calls[name])]
                    for side, fn in sides if i % 2 == 0 else sides[::-1]:
                        c, w = _cpu_per_call(fn, calls[name])
                        cpu[name][side].append(c)
                        wall[name][side].append(w)
    figures: dict[str, Any] = {}
    details: dict[str, Any] = {"rounds": rounds, "calls_per_round": calls, "list_items": LIST_ITEMS}
    for name, key in (("get", "overhead_ratio"), ("list", "list_overhead_ratio")):
        ratio_min, ratio_median = min_median(cpu[name]["sdk"], cpu[name]["raw"])
        figures[key] = r3(ratio_min)
        details[name] = {
            "sdk_cpu_us_min_median": [
                round(min(cpu[name]["sdk"]) * 1e6, 1),
                round(statistics.median(cpu[name]["sdk"]) * 1e6, 1),
            ],
            "raw_cpu_us_min_median": [
                round(min(cpu[name]["raw"]) * 1e6, 1),
                round(statistics.median(cpu[name]["raw"]) * 1e6, 1),
            ],
            "ratio_min": r3(ratio_min),
            "ratio_median": r3(ratio_median),
            "sdk_wall_us_min": round(min(wall[name]["sdk"]) * 1e6, 1),
            "raw_wall_us_min": round(min(wall[name]["raw"]) * 1e6, 1),
        }
    return {**figures, "overhead": details}


# --------------------------------------------------------------------------------------- upload_many
def bench_upload_many(quick: bool) -> dict[str, Any]:
    import base64
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from bria_tailored import TailoredClient, UploadFailure

    latency_ms, count, concurrency = 50, 200, 8
    repeats = 2 if quick else 3
    images = [png(256, 256, i) for i in range(count)]

    def phase(kind: str, sources: Sequence[bytes], workers: int) -> float:
        """One measured run in a fresh sandbox process (the sandbox's per-upload cost grows with its store)."""
        with (
            sandbox_process("--latency-ms", str(latency_ms)) as url,
            TailoredClient(TOKEN, base_url=url) as client,
        ):
            project = client.projects.create(project_name="bench", ip_medium="illustration", ip_type="icons")
            warm = client.datasets.create(project_id=project.id, name="warm")
            dataset = client.datasets.create(project_id=project.id, name="bench")
            if kind == "sdk":
                client.datasets.images.upload_many(warm.id, sources[:16], concurrency=workers)  # warm
                start = time.perf_counter()
                results = client.datasets.images.upload_many(dataset.id, sources, concurrency=workers)
                elapsed = time.perf_counter() - start
                failures = [r for r in results if isinstance(r, UploadFailure)]
                if failures:
                    raise RuntimeError(f"{len(failures)} uploads failed, first: {failures[0]}")
                return elapsed
            # The same uploads with plain httpx in a thread pool: what the sandbox and the wire cost.
            path = f"/v1/tailored-gen/datasets/{dataset.id}/images"
            limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
            with httpx.Client(base_url=url, headers={"api_token": TOKEN}, limits=limits) as raw:

                def one(data: bytes, where: str = path) -> None:
                    response = raw.post(where, json={"file": base64.b64encode(data).decode("ascii")})
                    if response.status_code != 201:
                        raise RuntimeError(f"raw upload -> {response.status_code}: {response.text[:200]}")

                with ThreadPoolExecutor(workers) as pool:
                    warm_path = f"/v1/tailored-gen/datasets/{warm.id}/images"
                    list(pool.map(lambda data: one(data, warm_path), sources[:16]))  # warm the connections
                    start = time.perf_counter()
                    list(pool.map(one, sources))
                    return time.perf_counter() - start

    runs: dict[str, list[float]] = {"sdk": [], "raw": []}
    for i in range(repeats):
        for kind in ("sdk", "raw") if i % 2 == 0 else ("raw", "sdk"):
            runs[kind].append(phase(kind, images, concurrency))
    sequential = 40
    seq = phase("sdk", images[:sequential], 1) if not quick else None
    ideal = count / concurrency * latency_ms / 1000
    ratio_min, ratio_median = min_median(runs["sdk"], runs["raw"])
    details: dict[str, Any] = {
        "images": count,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "repeats": repeats,
        "sdk_wall_s": [r3(s) for s in runs["sdk"]],
        "raw_httpx_threads_wall_s": [r3(s) for s in runs["raw"]],
        "ratio_min": r3(ratio_min),
        "ratio_median": r3(ratio_median),
        "ideal_s": r3(ideal),
        "upload_many_vs_ideal": r3(min(runs["sdk"]) / ideal),
    }
    if seq is not None:
        details["sequential"] = {
            "images": sequential,
            "wall_s": r3(seq),
            "vs_ideal": r3(seq / (sequential * latency_ms / 1000)),
        }
    return {"upload_many_vs_raw": r3(ratio_min), "upload_many": details}


# -------------------------------------------------------------------------------------- bulk staging
FILE_SIZE = 2 * 1024 * 1024


def make_folder(root: Path, total_bytes: int, seed: int = 9) -> tuple[int, int]:
    """Files of random bytes named ``*.png`` (staging streams them; nothing decodes them)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    count = max(1, total_bytes // FILE_SIZE)
    for i in range(count):
        (root / f"img_{i:05d}.png").write_bytes(rng.randbytes(FILE_SIZE))
    return count, count * FILE_SIZE


def build_zip(folder: Path, target: Path) -> int:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target.stat().st_size


def stage_phase(mode: str, folder: str, zip_path: str, endpoint: str, bucket: str) -> dict[str, Any]:
    """One staging run in this (child) process: ``stream`` (bria_tailored) or ``boto3`` (upload_file)."""
    tiny = Path(tempfile.mkdtemp(prefix="bria-bench-warm-"))
    try:
        (tiny / "warm.png").write_bytes(os.urandom(1024))
        if mode == "stream":
            from bria_tailored.staging import delete_staged, stage_zip

            delete_staged(stage_zip(str(tiny), f"s3://{bucket}/warm"))  # imports, plugins, client set-up
            before = rss_mb("VmHWM")
            cpu, system, start = cpu_seconds(), system_seconds(), time.perf_counter()
            staged = stage_zip(folder, f"s3://{bucket}/bench")
            seconds, cpu, system = time.perf_counter() - start, cpu_seconds() - cpu, system_seconds() - system
            size = staged.stored.size
            staged.store.close()
        else:
            client = s3_client(endpoint)
            client.upload_file(str(tiny / "warm.png"), bucket, "warm/warm.png")
            before = rss_mb("VmHWM")
            cpu, system, start = cpu_seconds(), system_seconds(), time.perf_counter()
            client.upload_file(zip_path, bucket, "bench/archive.zip")
            seconds, cpu, system = time.perf_counter() - start, cpu_seconds() - cpu, system_seconds() - system
            size = os.path.getsize(zip_path)
    finally:
        shutil.rmtree(tiny, ignore_errors=True)
    return {
        "bytes": size,
        "seconds": seconds,
        "cpu_s": cpu,
        "system_s": system,
        "vmhwm_mb": rss_mb("VmHWM"),
        "vmhwm_before_mb": before,
    }


def _run_stage_child(mode: str, folder: Path, zip_path: Path, endpoint: str, bucket: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--stage-phase",
        mode,
        "--folder",
        str(folder),
        "--zip",
        str(zip_path),
        "--endpoint",
        endpoint,
        "--bucket",
        bucket,
    ]
    done = subprocess.run(cmd, env=child_env(aws_env(endpoint)), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"staging phase {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_staging(quick: bool) -> dict[str, Any]:
    total = (256 if quick else 768) * 1024 * 1024
    repeats = 2 if quick else 3
    bucket = "bria-bench"
    with tempfile.TemporaryDirectory(prefix="bria-bench-stage-") as tmp:
        folder, zip_path = Path(tmp) / "images", Path(tmp) / "prebuilt.zip"
        log(f"  generating {total // 2**20} MB of files ...")
        count, raw_bytes = make_folder(folder, total)
        zip_bytes = build_zip(folder, zip_path)
        runs: dict[str, list[dict[str, Any]]] = {"boto3": [], "stream": []}
        with moto_process() as endpoint:
            client = s3_client(endpoint)
            client.create_bucket(Bucket=bucket)
            for i in range(repeats):
                for mode in ("boto3", "stream") if i % 2 == 0 else ("stream", "boto3"):
                    log(f"  {mode} run {i + 1}/{repeats} ...")
                    result = _run_stage_child(mode, folder, zip_path, endpoint, bucket)
                    result["cpu_s_per_gb"] = result["cpu_s"] / (result["bytes"] / 2**30)
                    result["system_s_per_gb"] = result["system_s"] / (result["bytes"] / 2**30)
                    result["mb_per_s"] = result["bytes"] / result["seconds"] / 2**20
                    runs[mode].append(result)
                    empty_bucket(client, bucket)
    stream_cpu = [r["cpu_s_per_gb"] for r in runs["stream"]]
    boto_cpu = [r["cpu_s_per_gb"] for r in runs["boto3"]]
    ratio_min, ratio_median = min_median(stream_cpu, boto_cpu)
    peak = max(r["vmhwm_mb"] for r in runs["stream"])

    def summary(mode: str) -> dict[str, Any]:
        return {
            "cpu_s_per_gb": [round(r["cpu_s_per_gb"], 2) for r in runs[mode]],
            "of_which_system_s_per_gb": [round(r["system_s_per_gb"], 2) for r in runs[mode]],
            "mb_per_s": [round(r["mb_per_s"], 1) for r in runs[mode]],
            "vmhwm_mb": [round(r["vmhwm_mb"], 1) for r in runs[mode]],
            "vmhwm_before_mb": [round(r["vmhwm_before_mb"], 1) for r in runs[mode]],
            "seconds": [round(r["seconds"], 2) for r in runs[mode]],
        }

    return {
        "staging_cpu_vs_boto3": r3(ratio_min),
        "staging_peak_rss_mb": round(peak, 1),
        "staging": {
            "files": count,
            "file_bytes": raw_bytes,
            "prebuilt_zip_bytes": zip_bytes,
            "streamed_zip_bytes": runs["stream"][0]["bytes"],
            "repeats": repeats,
            "ratio_min": r3(ratio_min),
            "ratio_median": r3(ratio_median),
            "stream": summary("stream"),
            "boto3_upload_file": summary("boto3"),
            "throughput_vs_boto3_median": r3(
                statistics.median(r["mb_per_s"] for r in runs["stream"])
                / statistics.median(r["mb_per_s"] for r in runs["boto3"])
            ),
            "moto": "separate process, objects deleted after each run",
        },
    }


# ------------------------------------------------------------------------------------------ wait_all
def _trained_model(client: Any) -> int:
    from bria_tailored.polling import PollPolicy

    fast = PollPolicy(0.05, 0.5)
    images = [png(300, 300, 40 * i) for i in range(5)]
    project = client.projects.create(project_name="bench", ip_medium="illustration", ip_type="icons")
    dataset = client.datasets.create(project_id=project.id, name="bench")
    client.datasets.update(dataset.id, visual_schema=client.datasets.generate_visual_schema(images))
    client.datasets.images.upload_many(dataset.id, images)
    client.datasets.wait_for_captions(dataset.id, timeout=60, policy=fast)
    client.datasets.complete(dataset.id)
    model = client.models.create(name="bench", dataset_id=dataset.id)
    client.models.start_training(model.id)
    return int(client.models.wait_for_training(model.id, timeout=60, policy=fast).id)


def _submit(client: Any, model_id: int, jobs: int, job_seconds: float) -> tuple[list[Any], list[float]]:
    """Submit ``jobs`` generation jobs paced evenly over 90% of ``job_seconds``; (jobs, ready times).

    The time each job still needs when ``wait_all`` starts then spreads evenly from about a tenth of
    ``job_seconds`` to all of it (no clusters a fixed-interval yardstick could be tuned to).
    """
    span = job_seconds * 0.9
    submitted: list[Any] = []
    ready: list[float] = []
    t0 = time.time()
    for j in range(jobs):
        pause = t0 + j * span / max(1, jobs - 1) - time.time()
        if pause > 0:
            time.sleep(pause)
        before = time.time()
        submitted.append(client.generate.image(model_id, f"bench {j}", seed=j, wait=False))
        ready.append((before + time.time()) / 2 + job_seconds)
    return submitted, ready


def fixed_schedule(durations: Sequence[float], interval: float) -> tuple[int, float]:
    """(calls, mean lag) of checks at ``0, I, 2I, ...`` for jobs ready ``durations`` seconds in."""
    calls, lag = 0, 0.0
    for d in durations:
        k = math.ceil(d / interval) if d > 0 else 0
        calls += k + 1
        lag += k * interval - d
    return calls, lag / len(durations)


def fixed_interval_yardstick(durations: Sequence[float], target_lag: float) -> dict[str, float]:
    """The fixed-interval poller with the longest interval whose mean lag is at most ``target_lag``.

    It checks every job at ``0, I, 2I, ...`` (instantaneous checks): a job ready ``d`` seconds in costs
    ``ceil(d / I) + 1`` calls and is seen ``ceil(d / I) * I - d`` seconds late.
    """

    best = {"interval_s": 0.0, "calls": float(sum(1 + 1000 * d for d in durations)), "lag_mean_s": 0.0}
    steps = 600
    for i in range(steps + 1):  # log grid from 10 ms to 120 s
        interval = 0.01 * 12000 ** (i / steps)
        calls, lag = fixed_schedule(durations, interval)
        if lag <= target_lag:
            best = {"interval_s": interval, "calls": float(calls), "lag_mean_s": lag}
    return best


def policy_interval(duration: float, policy: Any) -> float:
    """The mean sleep ``policy`` draws at the point of its schedule where a job ``duration`` s in ends."""
    t, attempt = 0.0, 0
    while True:
        cap = policy.cap(attempt)
        jittered = policy.jitter and cap > policy.min_interval and attempt >= getattr(policy, "steady", 0)
        mean = (policy.min_interval + cap) / 2 if jittered else cap  # the steady phase has no jitter
        if duration < t + mean or attempt > 10_000:
            return float(mean)
        t += mean
        attempt += 1


def _wait_run(
    url: str, client: Any, flavour: str, jobs: list[Any], ready: list[float], policy: Any
) -> dict[str, Any]:
    from bria_tailored import AsyncTailoredClient
    from bria_tailored.polling import PollStats

    seen: dict[int, float] = {}

    def on_progress(index: int, status: str) -> None:
        if status == "COMPLETED" and index not in seen:
            seen[index] = time.time()

    stats = PollStats()
    if flavour == "sync":
        start, cpu = time.time(), time.process_time()
        client.status.wait_all(jobs, policy=policy, timeout=300, stats=stats, on_progress=on_progress)
        wall, cpu = time.time() - start, time.process_time() - cpu
    else:

        async def main() -> tuple[float, float, float]:
            async with AsyncTailoredClient(TOKEN, base_url=url) as aclient:
                begin, used = time.time(), time.process_time()
                await aclient.status.wait_all(
                    jobs, policy=policy, timeout=300, stats=stats, on_progress=on_progress
                )
                return begin, time.time() - begin, time.process_time() - used

        start, wall, cpu = asyncio.run(main())
    durations = [max(0.0, r - start) for r in ready]
    lags = [seen[i] - ready[i] for i in range(len(jobs))]
    lag_mean = statistics.fmean(lags)
    interval = statistics.fmean(policy_interval(d, policy) for d in durations)
    fixed = fixed_interval_yardstick(durations, lag_mean)
    return {
        "jobs": len(jobs),
        "client": flavour,
        "calls": stats.checks,
        "calls_per_job": r3(stats.checks / len(jobs)),
        "lag_mean_s": r3(lag_mean),
        "lag_max_s": r3(max(lags)),
        "policy_interval_mean_s": r3(interval),
        "lag_vs_interval": r3(lag_mean / interval),
        "fixed_interval_s": r3(fixed["interval_s"]),
        "fixed_calls": int(fixed["calls"]),
        "fixed_lag_mean_s": r3(fixed["lag_mean_s"]),
        "calls_vs_fixed": r3(stats.checks / fixed["calls"]),
        "cpu_ms_per_job": r3(cpu * 1e3 / len(jobs)),
        "wall_s": round(wall, 2),
        "durations_s": [round(min(durations), 2), round(max(durations), 2)],
        "_durations": durations,
    }


def bench_wait_all(quick: bool) -> dict[str, Any]:
    from bria_tailored import TailoredClient
    from bria_tailored.polling import DEFAULT_CONCURRENT_CHECKS, GENERATION, PollPolicy

    job_seconds = 5.0 if quick else 8.0
    plan = [(100, "sync"), (100, "async"), (1000, "sync"), (1000, "async")]
    options = ["--job-seconds", str(job_seconds), "--training-seconds", "0.3", "--caption-seconds", "0.1"]
    runs: list[dict[str, Any]] = []
    check: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    with (
        sandbox_process(*options, "--image-scale", "0.05") as url,
        TailoredClient(TOKEN, base_url=url) as client,
    ):
        model_id = _trained_model(client)
        for jobs, flavour in plan:
            log(f"  {jobs} jobs, {flavour} ...")
            submitted, ready = _submit(client, model_id, jobs, job_seconds)
            run = _wait_run(url, client, flavour, submitted, ready, GENERATION)
            run.pop("_durations")
            runs.append(run)
        if not quick:
            # Run the yardstick for real once (a fixed-interval policy through wait_all): its measured
            # calls and lag against what the instantaneous model above predicts for it.
            interval = runs[0]["fixed_interval_s"]
            fixed = PollPolicy(interval, interval, multiplier=1.0, jitter=False)
            log("  100 jobs, sync, fixed interval ...")
            submitted, ready = _submit(client, model_id, 100, job_seconds)
            measured = _wait_run(url, client, "sync", submitted, ready, fixed)
            durations = measured.pop("_durations")
            predicted_calls, predicted_lag = fixed_schedule(durations, interval)
            check = {
                "interval_s": interval,
                "measured_calls_per_job": measured["calls_per_job"],
                "measured_lag_mean_s": measured["lag_mean_s"],
                "model_calls_per_job": r3(predicted_calls / len(durations)),
                "model_lag_mean_s": r3(predicted_lag),
            }
            # The backoff GENERATION had before its steady phase (1 s doubling to 15 s, full jitter), on
            # the same kind of jobs: what the preset gained, in calls and in lag.
            log("  100 jobs, sync, the previous GENERATION policy ...")
            submitted, ready = _submit(client, model_id, 100, job_seconds)
            before = _wait_run(url, client, "sync", submitted, ready, PollPolicy(1.0, 15.0))
            before.pop("_durations")
            previous = {
                key: before[key]
                for key in ("calls_per_job", "lag_mean_s", "lag_max_s", "calls_vs_fixed", "cpu_ms_per_job")
            }
    thousand = [r for r in runs if r["jobs"] == 1000]
    return {
        "wait_all_calls_per_job": max(r["calls_per_job"] for r in runs),
        "wait_all_calls_vs_fixed": max(r["calls_vs_fixed"] for r in runs),
        "wait_all_lag_vs_interval_1000": max(r["lag_vs_interval"] for r in thousand),
        "wait_all_cpu_ms_per_job_1000": max(r["cpu_ms_per_job"] for r in thousand),
        "wait_all": {
            "policy": repr(GENERATION),
            "max_concurrent_checks": DEFAULT_CONCURRENT_CHECKS,
            "job_seconds": job_seconds,
            "runs": runs,
            **({"fixed_interval_measured": check} if check is not None else {}),
            **(
                {"previous_policy_100_sync": {"policy": "PollPolicy(1.0, 15.0)", **previous}}
                if previous
                else {}
            ),
        },
    }


# -------------------------------------------------------------------------------------------- batch
def bench_batch(quick: bool) -> dict[str, Any]:
    """The batch and fleet figures (``scripts/bench_batch.py`` documents each)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_batch as batch

    result: dict[str, Any] = batch.run(quick)
    return result


# ------------------------------------------------------------------------------------------- driver
BENCHES: dict[str, Callable[[bool], dict[str, Any]]] = {
    "import": bench_import,
    "overhead": bench_overhead,
    "upload": bench_upload_many,
    "staging": bench_staging,
    "wait_all": bench_wait_all,
    "batch": bench_batch,
}


def verdict(name: str, value: float) -> bool:
    op, goal = GOALS[name]
    return value <= goal if op == "<=" else value >= goal


def table(report: dict[str, Any]) -> str:
    figures = report["figures"]
    lines = [f"{'figure':34} {'value':>9}  {'goal':>8}  met", "-" * 60]
    for name in [*GOALS, *INFORMATIONAL]:
        value = figures.get(name)
        if name in GOALS:
            op, goal = GOALS[name]
            goal_text = f"{op}{goal:<7g}"
        else:
            goal_text = f"{'-':8}"
        if value is None:
            lines.append(f"{name:34} {'-':>9}  {goal_text}  (not run)")
            continue
        met = ("yes" if verdict(name, value) else "NO") if name in GOALS else ""
        lines.append(f"{name:34} {value:>9.3f}  {goal_text}  {met}")
    lines.append("")
    for section, detail in report["details"].items():
        lines.append(f"[{section}]")
        for key, value in detail.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                lines.append(f"  {key}:")
                lines.extend(f"    {item}" for item in value)
            else:
                lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller run (same figures)")
    parser.add_argument("--json", action="store_true", help='print {"figures": {...}, "details": {...}}')
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    # internal: one staging phase in a fresh process (its own CPU time and VmHWM)
    parser.add_argument("--stage-phase", choices=("stream", "boto3"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--zip", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _ensure_importable()

    if args.stage_phase:
        print(json.dumps(stage_phase(args.stage_phase, args.folder, args.zip, args.endpoint, args.bucket)))
        return 0

    selected = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHES)
    unknown = sorted(set(selected) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    figures: dict[str, float] = {}
    details: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name in selected:
        log(f"{name} ...")
        started = time.perf_counter()
        result = BENCHES[name](args.quick)
        for key, value in result.items():
            (details if isinstance(value, dict) else figures)[key] = value
        seconds[name] = round(time.perf_counter() - started, 1)
        log(f"{name} done in {seconds[name]:.1f}s")
    details["run"] = {
        "mode": "quick" if args.quick else "full",
        "goals": {k: f"{op} {g:g}" for k, (op, g) in GOALS.items()},
        "met": {k: verdict(k, v) for k, v in figures.items() if k in GOALS},
        "seconds": seconds,
        "machine": f"python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end",
    }
    report = {"figures": figures, "details": details}
    print(json.dumps(report) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
