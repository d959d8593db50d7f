"""The ``bria-tailored`` command line: help, ``--json`` documents, exit codes, and the demo's outputs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from PIL import Image

from bria_tailored.__main__ import main
from bria_tailored.cli import build_app
from bria_tailored.sandbox import run_sandbox

FAST_TRAIN = ["--poll-interval", "0.05"]
PROJECT = ["--ip-type", "icons", "--ip-medium", "illustration"]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("BRIA_BASE_URL", raising=False)
    monkeypatch.delenv("BRIA_API_TOKEN", raising=False)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with run_sandbox(training_seconds=0.3, caption_seconds=0.1, job_seconds=0.1) as url:
        yield url


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def api(sandbox: str) -> list[str]:
    return ["--base-url", sandbox, "--token", "tok"]


def draw(folder: Path, count: int, size: int = 300) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.new("RGB", (size, size), (30 * i, 120, 200)).save(folder / f"p{i}.png")
    return folder


@pytest.fixture(scope="module")
def trained(sandbox: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = draw(tmp_path_factory.mktemp("cli") / "imgs", 5)
    code = main(["train", str(folder), "--project", "CLI", *PROJECT, *FAST_TRAIN, "--json", *api(sandbox)])
    assert code == 0
    state = json.loads((folder.parent / "imgs.bria-train.json").read_text())
    return state


# ------------------------------------------------------------------------------------------ help
def commands() -> list[tuple[list[str], Any]]:
    """Every leaf command of the app with its path of names."""
    root = typer.main.get_command(build_app())
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            found.append((path, command))

    walk(root, [])
    return found


def test_every_command_is_there() -> None:
    names = {" ".join(path) for path, _ in commands()}
    expected = {"demo", "sandbox", "train", "generate", "video", "status", "plugins"}
    expected |= {
        f"{group} {verb}"
        for group in ("projects", "datasets", "models")
        for verb in ("list", "get", "delete")
    }
    assert names == expected


@pytest.mark.parametrize("path", [p for p, _ in commands()], ids=lambda p: " ".join(p))
def test_help_matches_the_real_options(capsys: pytest.CaptureFixture[str], path: list[str]) -> None:
    command = dict((tuple(p), c) for p, c in commands())[tuple(path)]
    code, out, _ = cli(capsys, *path, "--help")
    assert code == 0
    real = {
        opt for param in command.params for opt in [*param.opts, *param.secondary_opts] if opt.startswith("-")
    }
    for opt in real:
        assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", out), (
            f"{opt} missing from {' '.join(path)} --help"
        )
    shown = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", out))
    assert shown <= real | {"--help"}, f"--help of {' '.join(path)} mentions options it lacks: {shown - real}"
    assert "--json" in real
    for param in command.params:
        if param.param_type_name == "argument":
            assert (param.metavar or param.name).upper() in out


def test_train_offers_every_train_option() -> None:
    from bria_tailored.workflows.options import DEFAULTS, TrainOptions

    # Options of client.train that are not flags of `bria-tailored train`, and why:
    not_flags = {
        "on_progress",  # the command draws its own progress bars with it
        "poll_policy",  # built from --poll-interval (a PollPolicy is not a command-line value)
    }
    command = dict((tuple(p), c) for p, c in commands())[("train",)]
    params = {param.name: param for param in command.params}
    keys = set(TrainOptions.__optional_keys__)
    assert not_flags <= keys, f"stale exclusions: {not_flags - keys}"
    missing = []
    for key in sorted(keys - not_flags):
        param = params.get(key)
        if param is None or f"--{key.replace('_', '-')}" not in param.opts:
            missing.append(f"--{key.replace('_', '-')}")
    assert not missing, f"bria-tailored train lacks options of client.train: {missing}"
    assert params["training_mode"].default == DEFAULTS.training_mode
    assert params["concurrency"].default == DEFAULTS.concurrency
    assert params["timeout"].default == DEFAULTS.timeout


def test_train_flags_reach_the_options(
    capsys: pytest.CaptureFixture[str], sandbox: str, tmp_path: Path
) -> None:
    folder = draw(tmp_path / "imgs", 5)
    argv = ["train", str(folder), "--project", "Flags", *PROJECT, "--json", *api(sandbox)]
    code, out, _ = cli(capsys, *argv, "--rank", "16")
    error = json.loads(out)["error"]
    assert code == 2 and error["field"] == "rank" and "training_mode='expert'" in error["message"]
    code, out, err = cli(capsys, *argv, "--param", "rank=16")  # the deprecated spelling
    assert code == 2 and json.loads(out)["error"]["field"] == "rank" and "use --rank 16" in err
    code, _, err = cli(capsys, *argv, "--lr-scheduler", "sideways")
    assert code == 2 and "--lr-scheduler" in err
    code, out, _ = cli(capsys, *argv, "--concurrency", "0")
    assert code == 2 and json.loads(out)["error"]["field"] == "concurrency"
    code, _, err = cli(capsys, *argv, "--training-version", "bria-9")  # not a documented version
    assert code == 2 and "--training-version" in err
    assert not (tmp_path / "imgs.bria-train.json").exists()


def test_root_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--help")
    assert code == 0 and "train" in out and "demo" in out and "plugins" in out
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and re.fullmatch(r"bria-tailored \d+\.\d+\.\d+\S*\n", out)


def test_sandbox_defaults_follow_the_sandbox_parser() -> None:
    from bria_tailored.sandbox.server import build_parser

    command = dict((tuple(p), c) for p, c in commands())[("sandbox",)]
    ours = {param.name: param.default for param in command.params}
    for action in build_parser()._actions:
        if action.dest == "help":
            continue
        name = "db" if action.dest == "db_path" else action.dest
        assert ours[name] == action.default, name


def test_token_never_in_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIA_API_TOKEN", "sekrit-token-123")
    code, out, err = cli(capsys, "projects", "list", "--help")
    assert code == 0 and "sekrit" not in out + err


# ------------------------------------------------------------------------------------ --json everywhere
def test_json_of_every_api_command(
    capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any], tmp_path: Path
) -> None:
    model_id, dataset_id, project_id = trained["model_id"], trained["dataset_id"], trained["project_id"]

    def doc(*argv: str) -> Any:
        code, out, _ = cli(capsys, *argv, "--json", *api(sandbox))
        assert code == 0, argv
        return json.loads(out)

    images = doc(
        "generate", str(model_id), "a fox", "--count", "2", "--seed", "5", "--out", str(tmp_path / "o")
    )
    assert [i["seed"] for i in images["images"]] == [5, 6]
    saved = Path(images["images"][0]["saved"]["uri"].removeprefix("file://"))
    assert saved.exists() or (tmp_path / "o" / images["images"][0]["saved"]["key"]).exists()
    request_id = images["images"][0]["request_id"]
    assert doc("status", request_id)["status"] == "COMPLETED"
    assert doc("status", request_id, "--wait")["result"]["image_url"]
    clip = doc("video", str(model_id), images["images"][0]["image_url"], "--out", str(tmp_path / "o"))
    assert clip["video_url"] and clip["saved"]["size"] > 0
    assert any(p["id"] == project_id for p in doc("projects", "list"))
    assert doc("projects", "get", str(project_id))["id"] == project_id
    assert any(d["id"] == dataset_id for d in doc("datasets", "list", "--project-id", str(project_id)))
    assert doc("datasets", "get", str(dataset_id))["id"] == dataset_id
    assert any(m["id"] == model_id for m in doc("models", "list"))
    assert doc("models", "get", str(model_id))["status"] == "Completed"
    from bria_tailored import TailoredClient

    with TailoredClient("tok", base_url=sandbox) as client:
        spare = client.projects.create(project_name="Spare", ip_type="icons", ip_medium="illustration").id
        spare_dataset = client.datasets.create(project_id=spare, name="d").id
        spare_model = client.models.create(name="m", dataset_id=spare_dataset).id
    assert doc("models", "delete", str(spare_model), "--yes") == {"deleted": True, "model_id": spare_model}
    assert doc("datasets", "delete", str(spare_dataset), "-y") == {
        "deleted": True,
        "dataset_id": spare_dataset,
    }
    code, out, _ = cli(capsys, "projects", "delete", str(spare), "--json", *api(sandbox))
    assert code == 2 and json.loads(out)["error"]["message"].endswith("without --yes")
    assert doc("projects", "delete", str(spare), "--yes") == {"deleted": True, "project_id": spare}
    for group in ("datasets", "models"):
        assert isinstance(doc(group, "list"), list)


def test_json_of_train_plugins_and_human_output(
    capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any], tmp_path: Path
) -> None:
    code, out, err = cli(capsys, "plugins", "--json")
    assert code == 0 and {"local", "s3", "gcs"} <= {p["name"] for p in json.loads(out)}
    folder = draw(tmp_path / "imgs", 5)
    code, out, err = cli(
        capsys, "train", str(folder), "--project", "Human", *PROJECT, *FAST_TRAIN, *api(sandbox)
    )
    assert code == 0 and "Trained" in out and "Uploading images" in err
    code, out, err = cli(
        capsys, "train", str(folder), "--project", "Human", *PROJECT, "--json", *api(sandbox)
    )
    document = json.loads(out)
    assert code == 0 and document["resumed"] is True and document["model_status"] == "Completed"
    code, out, _ = cli(capsys, "plugins")
    assert code == 0 and "local" in out


def test_sandbox_command_prints_one_json_document() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bria_tailored", "sandbox", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        document = json.loads(process.stdout.readline())
        assert document["base_url"].startswith("http://127.0.0.1:") and document["port"] > 0
        from bria_tailored import TailoredClient

        with TailoredClient("tok", base_url=document["base_url"]) as client:
            assert client.projects.list() == []
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and rest == ""


# ------------------------------------------------------------------------------------------ exit codes
def test_exit_codes(capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any]) -> None:
    assert cli(capsys, "projects", "list", *api(sandbox))[0] == 0
    code, out, err = cli(capsys, "projects", "get", "999999", "--json", *api(sandbox))
    assert code == 1 and json.loads(out)["error"]["status_code"] == 404 and "404" in err
    code, _, err = cli(capsys, "projects", "list", "--bogus")
    assert code == 2 and "--bogus" in err
    code, _, err = cli(capsys, "projects", "list", "--base-url", sandbox)
    assert code == 2 and "BRIA_API_TOKEN" in err
    code, out, err = cli(
        capsys, "generate", str(trained["model_id"]), "[sandbox:error] boom", "--json", *api(sandbox)
    )
    assert code == 1 and json.loads(out)["error"]["type"] == "JobFailedError" and "ERROR" in err


def test_invalid_images_exit_2_naming_every_file(
    capsys: pytest.CaptureFixture[str], sandbox: str, tmp_path: Path
) -> None:
    folder = draw(tmp_path / "imgs", 6)
    Image.new("RGB", (300, 300)).save(folder / "a.gif")
    Image.new("RGB", (100, 100)).save(folder / "small.png")
    (folder / "cut.png").write_bytes((folder / "p0.png").read_bytes()[:200])
    before = main(["projects", "list", "--json", *api(sandbox)])
    listed = json.loads(capsys.readouterr().out)
    code, out, err = cli(capsys, "train", str(folder), "--project", "Bad", *PROJECT, "--json", *api(sandbox))
    assert before == 0 and code == 2
    error = json.loads(out)["error"]
    assert error["type"] == "InvalidImagesError"
    assert {name for name, _ in error["problems"]} == {"a.gif", "small.png", "cut.png"}
    assert "a.gif" in err and "small.png" in err and "cut.png" in err
    main(["projects", "list", "--json", *api(sandbox)])
    assert json.loads(capsys.readouterr().out) == listed


def test_ctrl_c_exits_130_and_train_says_how_to_resume(
    capsys: pytest.CaptureFixture[str], sandbox: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bria_tailored.client import TailoredClient
    from bria_tailored.resources.projects import ProjectPlans

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(ProjectPlans, "list", interrupt)
    code, out, _ = cli(capsys, "projects", "list", "--json", *api(sandbox))
    assert code == 130 and json.loads(out)["exit_code"] == 130
    monkeypatch.setattr(TailoredClient, "train", interrupt)
    folder = draw(tmp_path / "imgs", 5)
    argv = [
        "train",
        str(folder),
        "--project",
        "Stop",
        *PROJECT,
        "--base-url",
        sandbox,
        "--token",
        "sekrit-42",
    ]
    code, _, err = cli(capsys, *argv)
    assert code == 130
    assert "To resume, run the same command again" in err and "bria-tailored train" in err
    assert "imgs.bria-train.json" in err
    assert "sekrit-42" not in err and "--token again" in err  # the hint never prints the secret


def test_missing_cli_extra_names_the_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "typer", None)
    code, _, err = cli(capsys, "projects", "list")
    assert code == 1 and "pip install 'bria-tailored[cli]'" in err
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.startswith("bria-tailored ")


# ------------------------------------------------------------------------------------------------ demo
def test_demo_writes_outputs_with_sidecars(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, stdout, err = cli(capsys, "demo", "--out", str(out), "--training-seconds", "0.3", "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["model_status"] == "Completed" and len(summary["training_images"]) == 8
    files = {Path(f["path"]).relative_to(out).as_posix(): f for f in summary["files"]}
    assert {"images/pip-1.png", "video/pip-1.mp4", "structured-prompt.json"} <= set(files)
    for name in ("images/pip-1.png", "images/pip-2.png", "images/pip-3.png"):
        with Image.open(out / name) as image:
            image.verify()
        sidecar = json.loads((out / f"{name}.json").read_text())
        assert sidecar["model_id"] == summary["model_id"] and sidecar["prompt"]
    assert (out / "video/pip-1.mp4").read_bytes()[4:8] == b"ftyp"
    assert json.loads((out / "video/pip-1.mp4.json").read_text())["sha256"]
    assert json.loads((out / "structured-prompt.json").read_text())["structured_prompt"]
    for path in summary["training_images"]:
        with Image.open(path) as image:
            assert min(image.size) >= 300
    assert set(summary["timings"]) >= {"train", "generate images", "video", "total"}
    code, stdout, err = cli(capsys, "demo", "--out", str(out), "--training-seconds", "0.3")
    assert code == 0 and "Timings" in stdout and "Training the model" in err
