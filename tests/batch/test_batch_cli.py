"""``bria-tailored batch``: the command, its exit codes, and ``--shard`` (hosts sharing one input, one output
and one Redis limiter)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from batch_support import Sandbox, child_env, train

from bria_tailored.__main__ import main
from bria_tailored.sandbox import create_app, run_sandbox


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("BRIA_BASE_URL", "BRIA_API_TOKEN", "BRIA_RATE_LIMIT_URL"):
        monkeypatch.delenv(name, raising=False)


def write_rows(path: Path, tag: str, count: int) -> Path:
    path.write_text(
        "".join(json.dumps({"id": f"{tag}{i}", "prompt": f"{tag} row {i}"}) + "\n" for i in range(count))
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return (
        code,
        json.loads(captured.out) if captured.out.strip().startswith("{") else captured.out,
        captured.err,
    )


def test_batch_command_json_resume_and_exit_codes(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, tmp_path: Path
) -> None:
    source = write_rows(tmp_path / "rows.jsonl", "cli", 5)
    api = ["--base-url", sandbox.url, "--token", "cli-token"]
    args = [
        "batch",
        str(source),
        "--model",
        str(sandbox.model),
        "--out",
        str(tmp_path / "out"),
        "--rpm",
        "3000",
    ]
    code, data, _ = run(capsys, *args, "--json", *api)
    assert code == 0 and data["ok"] is True and data["saved"] == 5 and data["submitted"] == 5
    assert data["gallery"] and Path(data["gallery"]).is_file()  # a local --out gets an index.html gallery
    code, data, _ = run(capsys, *args, "--json", *api)  # everything is saved: nothing submitted again
    assert code == 0 and data["submitted"] == 0 and data["saved"] == 5
    code, text, _ = run(capsys, *args, *api)
    assert code == 0 and "5 of 5" in text and "manifest" in text

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x", "seed": "not a number"}\n')
    code, data, _ = run(
        capsys, "batch", str(bad), "--model", "1", "--out", str(tmp_path / "b"), "--rpm", "60", "--json", *api
    )
    assert code == 2 and "bad.jsonl:1.seed" in data["error"]["message"]
    code, _, err = run(
        capsys, "batch", str(source), "--model", "1", "--out", str(tmp_path / "c"), "--rpm", "60"
    )
    assert code == 2 and "no API token" in err


def test_a_batch_with_failed_rows_exits_1(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, tmp_path: Path
) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"id": "ok", "prompt": "fine"}\n{"id": "bad", "prompt": "boom [sandbox:error]"}\n')
    api = ["--base-url", sandbox.url, "--token", "cli-token"]
    code, data, _ = run(
        capsys,
        "batch",
        str(source),
        "--model",
        str(sandbox.model),
        "--out",
        str(tmp_path / "o"),
        "--rpm",
        "3000",
        "--json",
        *api,
    )
    assert code == 1 and data["ok"] is False and (data["saved"], data["failed"]) == (1, 1)
    lines = [json.loads(line) for line in (tmp_path / "o" / "manifest.jsonl").read_text().splitlines()]
    assert lines[1]["status"] == "failed" and "ERROR" in lines[1]["error"]


_HOST = """
import sys
from bria_tailored.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_shards_on_several_hosts_share_one_output_and_one_redis_limit(redis_url: str, tmp_path: Path) -> None:
    rpm = 1200
    app = create_app(
        rate_limit=rpm, job_seconds=0.05, image_scale=0.05, training_seconds=0.1, caption_seconds=0.05
    )
    with run_sandbox(app=app) as url:
        model = train(url, tmp_path / "images")
        source = write_rows(tmp_path / "campaign.jsonl", "fleet", 24)
        out = tmp_path / "shared-out"
        token = f"cli-{uuid.uuid4().hex}"
        hosts = [
            subprocess.Popen(
                [sys.executable, "-c", _HOST, "batch", str(source), "--model", str(model), "--out", str(out)]
                + ["--rpm", str(rpm), "--rate-limit-url", redis_url, "--shard", f"{i}/2", "--json"]
                + ["--base-url", url, "--token", token],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=child_env(),
            )
            for i in (1, 2)
        ]
        reports = []
        for host in hosts:
            stdout, stderr = host.communicate(timeout=120)
            assert host.returncode == 0, stderr
            reports.append(json.loads(stdout))
    assert sum(r["total"] for r in reports) == 24 and all(r["ok"] for r in reports)
    assert all(0 < r["total"] < 24 for r in reports)  # both shards had work
    ids = [
        json.loads(line)["id"]
        for i in (1, 2)
        for line in (out / f"manifest-{i}of2.jsonl").read_text().splitlines()
    ]
    assert sorted(ids) == sorted(f"fleet{i}" for i in range(24))
    assert len(list(out.glob("fleet*.png"))) == 24
    assert app.rate_limit.rejected == 0  # two hosts, one limit: never a 429
