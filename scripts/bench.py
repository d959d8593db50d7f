#!/usr/bin/env python
"""Benchmarks of bria-tailored: the project's performance record (issue 9).

Every figure is a ratio against a baseline measured by this same process, in the same minute:

==================================  =====================================================================
``overhead_ratio``                  client CPU per ``client.models.get`` / per raw ``httpx`` GET +
                                    ``json.loads``, against one sandbox running in another process
                                    (keep-alive, warm; interleaved rounds, median ratio)
``upload_many_vs_ideal``            wall time of ``images.upload_many`` (200 images, 50 ms injected
                                    latency, concurrency 8) / the ideal ``200 / 8 * 50 ms``; the
                                    sequential run (concurrency 1) is reported beside it
``bulk_stage_throughput_vs_boto3``  throughput of staging an image folder as a streaming ZIP into S3
                                    (moto, another process) / boto3 ``upload_file`` of the same archive
                                    built beforehand (zipfile, STORED)
``bulk_stage_peak_rss_mb``          peak RSS growth of the process that stages (one child per phase)
``wait_all_calls_vs_min``           status calls of ``status.wait_all`` over 100 sandbox jobs with
                                    varied durations / ``polling.minimum_checks`` for those durations;
                                    with the mean lag from a job's completion to its detection
``import_vs_httpx``                 cold ``import bria_tailored`` / cold ``import httpx`` (median of 5
                                    fresh interpreters each, minus a bare interpreter's start-up)
==================================  =====================================================================

Usage (from a checkout, or with the package installed)::

    python scripts/bench.py            # full run: ~1 GB staged, a table on stdout
    python scripts/bench.py --quick    # smaller run (~200 MB staged), same figures
    python scripts/bench.py --json     # one JSON object instead of the table
    python scripts/bench.py --only overhead,import

Needs the ``sandbox`` and ``s3`` extras and ``moto[server]``. Every server listens on 127.0.0.1.
Subprocesses get this process's environment, plus the directories this process imported
``bria_tailored`` and ``bria_tailored_api`` from when those are not on the default path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import site
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

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"

GOALS: dict[str, tuple[str, float]] = {
    "overhead_ratio": ("<=", 1.3),
    "upload_many_vs_ideal": ("<=", 1.3),
    "bulk_stage_throughput_vs_boto3": (">=", 0.8),
    "bulk_stage_peak_rss_mb": ("<=", 150.0),
    "wait_all_calls_vs_min": ("<=", 1.5),
    "import_vs_httpx": ("<=", 1.5),
}


# ------------------------------------------------------------------------------------------ plumbing
def _ensure_importable() -> None:
    """Use the installed package if there is one, else the checkout's ``adapters`` and ``generated``."""
    try:
        import bria_tailored  # noqa: F401
        import bria_tailored_api  # noqa: F401
    except ImportError:
        for folder in ("generated", "adapters"):
            sys.path.insert(0, str(REPO / folder))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a subprocess, able to import what this process imported."""
    import bria_tailored
    import bria_tailored_api

    env = dict(os.environ)
    defaults = {os.path.realpath(p) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    wanted: list[str] = []
    for module in (bria_tailored, bria_tailored_api):
        parent = os.path.realpath(Path(module.__file__).resolve().parent.parent)  # type: ignore[arg-type]
        if parent not in defaults and parent not in wanted:
            wanted.append(parent)
    existing = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    existing_real = {os.path.realpath(p) for p in existing}
    env["PYTHONPATH"] = os.pathsep.join([*(p for p in wanted if p not in existing_real), *existing])
    if not env["PYTHONPATH"]:
        del env["PYTHONPATH"]
    env.update(extra or {})
    return env


def _wait_for_line(path: Path, needle: str, proc: subprocess.Popen[Any], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        for line in text.splitlines():
            if needle in line:
                return line
        if proc.poll() is not None:
            raise RuntimeError(f"subprocess exited ({proc.returncode}) before printing {needle!r}:\n{text}")
        time.sleep(0.05)
    raise TimeoutError(f"subprocess did not print {needle!r} within {timeout}s")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def sandbox_process(*args: str) -> Iterator[str]:
    """``python -m bria_tailored.sandbox --port 0 [args]`` in another process; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="bria-bench-sbx-") as tmp:
        log = Path(tmp) / "sandbox.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bria_tailored.sandbox", "--port", "0", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=child_env(),
            )
        try:
            line = _wait_for_line(log, "listening on http://", proc, 30)
            url = line.rsplit(" ", 1)[-1].strip()
            yield url
        finally:
            _stop(proc)


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
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ overhead
def bench_overhead(quick: bool) -> dict[str, Any]:
    import httpx

    from bria_tailored import TailoredClient

    rounds, calls = (8, 200) if quick else (16, 400)
    with sandbox_process() as url, TailoredClient(TOKEN, base_url=url) as client:
        project = client.projects.create(project_name="bench", ip_medium="illustration", ip_type="icons")
        dataset = client.datasets.create(project_id=project.id, name="bench")
        model = client.models.create(name="bench", dataset_id=dataset.id)
        model_id = model.id
        path = f"/v1/tailored-gen/models/{model_id}"
        with httpx.Client(base_url=url, headers={"api_token": TOKEN}) as raw:

            def raw_call() -> None:
                response = raw.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"raw GET {path} -> {response.status_code}")
                json.loads(response.content)

            def sdk_call() -> None:
                client.models.get(model_id)

            def cpu(fn: Callable[[], None]) -> tuple[float, float]:
                wall, start = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    fn()
                return (time.process_time() - start) / calls, (time.perf_counter() - wall) / calls

            for _ in range(calls):  # warm: connections, caches, lazy imports
                raw_call()
                sdk_call()
            raw_cpu: list[float] = []
            sdk_cpu: list[float] = []
            raw_wall: list[float] = []
            sdk_wall: list[float] = []
            for i in range(rounds):  # interleaved, alternating order, to cancel drift
                order = [(raw_call, raw_cpu, raw_wall), (sdk_call, sdk_cpu, sdk_wall)]
                for fn, cpu_list, wall_list in order if i % 2 == 0 else order[::-1]:
                    c, w = cpu(fn)
                    cpu_list.append(c)
                    wall_list.append(w)
    ratios = [s / r for s, r in zip(sdk_cpu, raw_cpu, strict=True)]
    return {
        "overhead_ratio": round(statistics.median(ratios), 3),
        "overhead": {
            "rounds": rounds,
            "calls_per_round": calls,
            "sdk_cpu_us_per_call": round(statistics.median(sdk_cpu) * 1e6, 1),
            "raw_httpx_cpu_us_per_call": round(statistics.median(raw_cpu) * 1e6, 1),
            "sdk_wall_us_per_call": round(statistics.median(sdk_wall) * 1e6, 1),
            "raw_httpx_wall_us_per_call": round(statistics.median(raw_wall) * 1e6, 1),
            "ratio_min": round(min(ratios), 3),
            "ratio_max": round(max(ratios), 3),
        },
    }


# --------------------------------------------------------------------------------------- upload_many
def bench_upload_many(quick: bool) -> dict[str, Any]:
    from bria_tailored import TailoredClient, UploadFailure

    latency_ms, count, concurrency = 50, 200, 8
    sequential_count = 40 if quick else count
    images = [png(256, 256, i) for i in range(count)]

    def phase(kind: str, sources: Sequence[bytes], workers: int) -> float:
        """One measured run in a fresh sandbox process (the sandbox's per-upload cost grows with its store)."""
        with (
            sandbox_process("--latency-ms", str(latency_ms)) as url,
            TailoredClient(TOKEN, base_url=url) as client,
        ):
            project = client.projects.create(project_name="bench", ip_medium="illustration", ip_type="icons")

            def run(sources: Sequence[bytes], workers: int) -> float:
                dataset = client.datasets.create(project_id=project.id, name=f"bench-{workers}")
                start = time.perf_counter()
                results = client.datasets.images.upload_many(dataset.id, sources, concurrency=workers)
                elapsed = time.perf_counter() - start
                failures = [r for r in results if isinstance(r, UploadFailure)]
                if failures:
                    raise RuntimeError(f"{len(failures)} uploads failed, first: {failures[0]}")
                return elapsed

            def raw_run(sources: Sequence[bytes], workers: int) -> float:
                """The same uploads with plain httpx in a thread pool: what the sandbox and the wire cost."""
                import base64
                from concurrent.futures import ThreadPoolExecutor

                import httpx

                dataset = client.datasets.create(project_id=project.id, name=f"raw-{workers}")
                path = f"/v1/tailored-gen/datasets/{dataset.id}/images"
                limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
                with httpx.Client(base_url=url, headers={"api_token": TOKEN}, limits=limits) as raw:

                    def one(data: bytes) -> None:
                        response = raw.post(path, json={"file": base64.b64encode(data).decode("ascii")})
                        if response.status_code != 201:
                            raise RuntimeError(f"raw upload -> {response.status_code}")

                    with ThreadPoolExecutor(workers) as pool:
                        list(pool.map(lambda _: raw.get(path), range(workers)))  # warm the connections
                        start = time.perf_counter()
                        list(pool.map(one, sources))
                        return time.perf_counter() - start

            if kind == "raw":
                return raw_run(sources, workers)
            run(images[:16], workers)  # warm: connections of the pool, imports, caches
            return run(sources, workers)

    parallel = phase("sdk", images, concurrency)
    raw_parallel = phase("raw", images, concurrency)
    sequential = phase("sdk", images[:sequential_count], 1)
    ideal = count / concurrency * latency_ms / 1000
    sequential_ideal = sequential_count * latency_ms / 1000
    return {
        "upload_many_vs_ideal": round(parallel / ideal, 3),
        "upload_many": {
            "images": count,
            "latency_ms": latency_ms,
            "concurrency": concurrency,
            "wall_s": round(parallel, 3),
            "ideal_s": round(ideal, 3),
            "raw_httpx_threads_wall_s": round(raw_parallel, 3),
            "raw_httpx_threads_vs_ideal": round(raw_parallel / ideal, 3),
            "upload_many_vs_raw_httpx": round(parallel / raw_parallel, 3),
            "sequential_images": sequential_count,
            "sequential_wall_s": round(sequential, 3),
            "sequential_ideal_s": round(sequential_ideal, 3),
            "sequential_vs_ideal": round(sequential / sequential_ideal, 3),
            "per_image_overhead_ms_sequential": round(
                (sequential - sequential_ideal) / sequential_count * 1e3, 2
            ),
        },
    }


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
            base = rss_mb("VmRSS")
            start = time.perf_counter()
            stored, url, store = stage_zip(folder, f"s3://{bucket}/bench")
            seconds = time.perf_counter() - start
            size = stored.size
            store.close()
        else:
            client = s3_client(endpoint)
            client.upload_file(str(tiny / "warm.png"), bucket, "warm/warm.png")
            base = rss_mb("VmRSS")
            start = time.perf_counter()
            client.upload_file(zip_path, bucket, "bench/archive.zip")
            seconds = time.perf_counter() - start
            size = os.path.getsize(zip_path)
    finally:
        shutil.rmtree(tiny, ignore_errors=True)
    peak = rss_mb("VmHWM")
    return {"bytes": size, "seconds": seconds, "base_rss_mb": base, "peak_rss_mb": peak}


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
    total = (200 if quick else 1024) * 1024 * 1024
    repeats = 1 if quick else 2
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
                    result["mb_per_s"] = result["bytes"] / result["seconds"] / 2**20
                    result["rss_growth_mb"] = result["peak_rss_mb"] - result["base_rss_mb"]
                    runs[mode].append(result)
                    empty_bucket(client, bucket)
    boto = statistics.median(r["mb_per_s"] for r in runs["boto3"])
    stream = statistics.median(r["mb_per_s"] for r in runs["stream"])
    growth = max(r["rss_growth_mb"] for r in runs["stream"])
    return {
        "bulk_stage_throughput_vs_boto3": round(stream / boto, 3),
        "bulk_stage_peak_rss_mb": round(growth, 1),
        "bulk_stage": {
            "files": count,
            "file_bytes": raw_bytes,
            "prebuilt_zip_bytes": zip_bytes,
            "streamed_zip_bytes": runs["stream"][0]["bytes"],
            "repeats": repeats,
            "stream_mb_per_s": round(stream, 1),
            "boto3_mb_per_s": round(boto, 1),
            "stream_rss_growth_mb": [round(r["rss_growth_mb"], 1) for r in runs["stream"]],
            "boto3_rss_growth_mb": [round(r["rss_growth_mb"], 1) for r in runs["boto3"]],
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


def _wait_all_once(
    client: Any, app: Any, model_id: int, policy: Any, job_seconds: float, rng: random.Random, jobs: int
) -> dict[str, Any]:
    from bria_tailored.polling import PollStats, minimum_checks

    # Jobs all run for job_seconds; submitting them in waves spread over (almost) that long gives
    # remaining durations, as seen from the start of wait_all, spread from ~0 to job_seconds.
    submitted = []
    waves = 10
    per_wave = jobs // waves
    span = job_seconds * 0.9
    for wave in range(waves):
        count = per_wave if wave < waves - 1 else jobs - per_wave * (waves - 1)
        for j in range(count):
            submitted.append(client.generate.image(model_id, f"bench {wave}-{j}", seed=j, wait=False))
        if wave < waves - 1:
            time.sleep(span / (waves - 1) * rng.uniform(0.5, 1.5))
    seen: dict[int, float] = {}

    def on_progress(index: int, status: Any) -> None:
        if status == "COMPLETED" and index not in seen:
            seen[index] = time.time()

    stats = PollStats()
    start = time.time()
    client.status.wait_all(submitted, policy=policy, timeout=300, stats=stats, on_progress=on_progress)
    ready = [float(app.store.get("job", job.request_id)["ready_at"]) for job in submitted]
    durations = [max(0.0, r - start) for r in ready]
    minimum = minimum_checks(durations, policy)
    lags = [seen[i] - ready[i] for i in range(len(submitted))]
    return {
        "calls": stats.checks,
        "minimum": minimum,
        "ratio": stats.checks / minimum,
        "durations_s": [round(min(durations), 2), round(max(durations), 2)],
        "lag_mean_s": statistics.fmean(lags),
        "lag_max_s": max(lags),
        "wall_s": time.time() - start,
    }


def bench_wait_all(quick: bool) -> dict[str, Any]:
    from bria_tailored import TailoredClient
    from bria_tailored.polling import PollPolicy
    from bria_tailored.sandbox import create_app, run_sandbox

    jobs = 100
    job_seconds = 4.0 if quick else 10.0
    policy = PollPolicy(0.2, 2.0)
    # In-process sandbox: its store tells when each job completes (ready_at, on the same clock).
    app = create_app(job_seconds=job_seconds, training_seconds=0.3, caption_seconds=0.1, image_scale=0.05)
    rng = random.Random(5)
    with run_sandbox(app=app) as url, TailoredClient(TOKEN, base_url=url) as client:
        model_id = _trained_model(client)
        jittered = _wait_all_once(client, app, model_id, policy, job_seconds, rng, jobs)
        exact = _wait_all_once(client, app, model_id, policy.replace(jitter=False), job_seconds, rng, jobs)
    return {
        "wait_all_calls_vs_min": round(jittered["ratio"], 3),
        "wait_all": {
            "jobs": jobs,
            "policy": "PollPolicy(min_interval=0.2, max_interval=2.0, multiplier=2.0, jitter=True)",
            "durations_s": jittered["durations_s"],
            "calls": jittered["calls"],
            "minimum": jittered["minimum"],
            "lag_mean_s": round(jittered["lag_mean_s"], 3),
            "lag_max_s": round(jittered["lag_max_s"], 3),
            "wall_s": round(jittered["wall_s"], 2),
            "no_jitter": {
                "calls": exact["calls"],
                "minimum": exact["minimum"],
                "ratio": round(exact["ratio"], 3),
                "lag_mean_s": round(exact["lag_mean_s"], 3),
            },
        },
    }


# -------------------------------------------------------------------------------------------- import
def bench_import(quick: bool) -> dict[str, Any]:
    runs = 5
    statements = {
        "bare": "pass",
        "httpx": "import httpx",
        "bria_tailored": "import bria_tailored",
        "TailoredClient": "from bria_tailored import TailoredClient",
    }
    env = child_env()
    for statement in statements.values():  # compile .pyc files once, outside the measurement
        subprocess.run([sys.executable, "-c", statement], env=env, check=True)
    times: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(runs):
        for name, statement in statements.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], env=env, check=True)
            times[name].append(time.perf_counter() - start)
    bare = statistics.median(times["bare"])
    cost = {name: max(1e-6, statistics.median(v) - bare) for name, v in times.items() if name != "bare"}
    return {
        "import_vs_httpx": round(cost["bria_tailored"] / cost["httpx"], 3),
        "import": {
            "runs": runs,
            "bare_interpreter_ms": round(bare * 1e3, 1),
            "httpx_ms": round(cost["httpx"] * 1e3, 1),
            "bria_tailored_ms": round(cost["bria_tailored"] * 1e3, 1),
            "TailoredClient_ms": round(cost["TailoredClient"] * 1e3, 1),
            "TailoredClient_vs_httpx": round(cost["TailoredClient"] / cost["httpx"], 3),
        },
    }


# ------------------------------------------------------------------------------------------- driver
BENCHES: dict[str, Callable[[bool], dict[str, Any]]] = {
    "overhead": bench_overhead,
    "upload": bench_upload_many,
    "staging": bench_staging,
    "wait_all": bench_wait_all,
    "import": bench_import,
}


def verdict(name: str, value: float) -> bool:
    op, goal = GOALS[name]
    return value <= goal if op == "<=" else value >= goal


def table(report: dict[str, Any]) -> str:
    lines = [f"{'figure':34} {'value':>9}  {'goal':>8}  met", "-" * 60]
    for name, (op, goal) in GOALS.items():
        value = report["figures"].get(name)
        if value is None:
            lines.append(f"{name:34} {'-':>9}  {op}{goal:<7g}  (not run)")
            continue
        lines.append(f"{name:34} {value:>9.3f}  {op}{goal:<7g}  {'yes' if verdict(name, value) else 'NO'}")
    lines.append("")
    for section, detail in report["details"].items():
        lines.append(f"[{section}]")
        for key, value in detail.items():
            lines.append(f"  {key}: {value}")
    lines.append("")
    lines.append(f"mode: {'quick' if report['quick'] else 'full'}; {report['machine']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller run (~200 MB staged)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    # internal: one staging phase in a fresh process (a clean peak RSS)
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
    for name in selected:
        log(f"{name} ...")
        started = time.perf_counter()
        result = BENCHES[name](args.quick)
        for key, value in result.items():
            (details if isinstance(value, dict) else figures)[key] = value
        log(f"{name} done in {time.perf_counter() - started:.1f}s")
    report = {
        "quick": args.quick,
        "figures": figures,
        "goals": {k: f"{op} {g:g}" for k, (op, g) in GOALS.items()},
        "met": {k: verdict(k, v) for k, v in figures.items() if k in GOALS},
        "details": details,
        "machine": f"python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs",
    }
    print(json.dumps(report) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
