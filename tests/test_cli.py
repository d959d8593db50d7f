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

from bria_tailored import polling
from bria_tailored.__main__ import main
from bria_tailored.cli import build_app
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox

FAST_TRAIN = ["--poll-interval", "0.05"]
PROJECT = ["--ip-type", "icons", "--ip-medium", "illustration"]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("BRIA_BASE_URL", raising=False)
    monkeypatch.delenv("BRIA_API_TOKEN", raising=False)


@pytest.fixture(autouse=True)
def _quick_generation_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's jobs take 0.1 s: poll them at that pace, not at Bria's (the default policy's delays
    are checked on a fake clock in test_polling.py)."""
    monkeypatch.setattr(polling, "GENERATION", PollPolicy(0.05, 0.5))


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
    expected = {"demo", "sandbox", "train", "generate", "video", "structured-prompt", "status", "plugins"}
    expected |= {
        f"{group} {verb}"
        for group in ("projects", "datasets", "models")
        for verb in ("list", "get", "delete")
    }
    expected |= {"projects create", "datasets create", "models stop"}
    names -= {"batch"}  # another command group, tested on its own
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


def test_both_sandbox_entry_points_take_the_same_options() -> None:
    """``bria-tailored sandbox`` and ``python -m bria_tailored.sandbox``: the same flags, the same defaults."""
    from bria_tailored.sandbox.server import build_parser

    command = dict((tuple(p), c) for p, c in commands())[("sandbox",)]
    ours = {opt: param.default for param in command.params for opt in param.opts}
    theirs = {
        opt: action.default
        for action in build_parser()._actions
        if action.dest != "help"
        for opt in action.option_strings
    }
    assert set(ours) == set(theirs), set(ours) ^ set(theirs)
    for opt, default in theirs.items():
        assert ours[opt] == default, opt
    assert {"--json", "--fetch-allow", "--port"} <= set(ours)


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


@pytest.mark.parametrize(
    "entry", [["bria_tailored", "sandbox"], ["bria_tailored.sandbox"]], ids=["bria-tailored", "python-m"]
)
def test_sandbox_command_prints_one_json_document(entry: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", *entry, "--port", "0", "--json", "--fetch-allow", "127.0.0.1:9"],
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


@pytest.mark.parametrize(
    "entry", [["bria_tailored", "sandbox"], ["bria_tailored.sandbox"]], ids=["bria-tailored", "python-m"]
)
def test_a_taken_sandbox_port_is_named_and_port_0_picks_a_free_one(entry: list[str], sandbox: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    port = sandbox.rsplit(":", 1)[1]
    taken = subprocess.run(
        [sys.executable, "-m", *entry, "--port", port], capture_output=True, text=True, env=env, timeout=60
    )
    assert taken.returncode == 1 and f"127.0.0.1:{port} is already in use" in taken.stderr
    assert "--port 0" in taken.stderr and "Traceback" not in taken.stderr
    bad = subprocess.run(
        [sys.executable, "-m", *entry, "--port", "0", "--fetch-allow", "ftp://x/"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "ftp" in bad.stderr and "Traceback" not in bad.stderr


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
    video_sidecar = json.loads((out / "video/pip-1.mp4.json").read_text())
    assert video_sidecar["sha256"] and video_sidecar["model_id"] == summary["model_id"]
    assert video_sidecar["source_image"]  # the video was made from the first image: results chain
    assert json.loads((out / "structured-prompt.json").read_text())["structured_prompt"]
    for path in summary["training_images"]:
        with Image.open(path) as image:
            assert min(image.size) >= 300
    assert set(summary["timings"]) >= {"train", "generate images", "video", "total"}
    page = Path(summary["gallery"])
    assert page == out / "index.html" and 'src="images/pip-1.png"' in page.read_text()
    code, stdout, err = cli(capsys, "demo", "--out", str(out), "--training-seconds", "0.3")
    assert code == 0 and "Timings" in stdout and "Training the model" in err
    assert stdout.rstrip().splitlines()[-1] == f"Gallery: {out / 'index.html'}"  # the demo ends with it


# ---------------------------------------------------------------------------- a CLI that tells the truth
def test_enum_options_offer_the_specs_values_and_complete(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typing import get_args

    from bria_tailored._operations import (
        AspectRatioValue,
        IpMediumValue,
        IpTypeValue,
        TrainingModeValue,
        UploadTypeValue,
    )

    by_path = dict((tuple(p), c) for p, c in commands())
    cases: list[tuple[tuple[str, ...], str, Any]] = [
        (("generate",), "aspect_ratio", AspectRatioValue),
        (("train",), "ip_type", IpTypeValue),
        (("train",), "ip_medium", IpMediumValue),
        (("train",), "training_mode", TrainingModeValue),
        (("train",), "upload_type", UploadTypeValue),
        (("projects", "create"), "ip_type", IpTypeValue),
        (("projects", "create"), "ip_medium", IpMediumValue),
        (("datasets", "create"), "upload_type", UploadTypeValue),
    ]
    for path, name, literal in cases:
        [param] = [p for p in by_path[path].params if p.name == name]
        assert list(getattr(param.type, "choices", [])) == list(get_args(literal)), (path, name)
    code, _, err = cli(capsys, "generate", "5", "cat", "--aspect-ratio", "7:3", "--token", "t")
    assert code == 2 and "--aspect-ratio" in err and "16:9" in err
    code, out, _ = cli(capsys, "--show-completion", "bash")
    assert code == 0 and "complete" in out


def test_errors_name_flags_not_parameters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = draw(tmp_path / "imgs", 5)
    code, out, err = cli(capsys, "train", str(folder), "--project", "New", "--json", "--token", "t")
    error = json.loads(out)["error"]
    assert code == 2 and error["flag"] == "--ip-type" and error["field"] == "ip_type"
    assert "--ip-type is required" in err and "ip_type=" not in err
    code, out, err = cli(capsys, "generate", "5", "cat", "--steps", "0", "--json", "--token", "t")
    assert code == 2 and json.loads(out)["error"]["flag"] == "--steps" and "--steps 0:" in err
    assert "steps_num" not in err
    code, _, err = cli(capsys, "generate", "5", "cat", "--influence", "9", "--token", "t")
    assert code == 2 and "--influence 9.0:" in err and "tailored_model_influence" not in err
    code, _, err = cli(capsys, "generate", "5", "cat", "--out", "a.png", "--count", "2", "--token", "t")
    assert code == 2 and "--out a.png names one file" in err and "--count is 2" in err
    code, _, err = cli(capsys, "train", str(tmp_path / "nope"), "--project", "X", *PROJECT, "--token", "t")
    assert code == 2 and "SOURCE" in err and "does not exist" in err and "✓" not in err


def test_skip_invalid_lists_and_skips_what_is_not_an_image(
    capsys: pytest.CaptureFixture[str], sandbox: str, tmp_path: Path
) -> None:
    folder = draw(tmp_path / "shoot", 5)
    (folder / "notes.txt").write_text("remember the cat")
    (folder / "Thumbs.db").write_bytes(b"\x00" * 64)
    argv = ["train", str(folder), "--project", "Skips", *PROJECT, *FAST_TRAIN, "--json", *api(sandbox)]
    code, out, err = cli(capsys, *argv)
    problems = {name for name, _ in json.loads(out)["error"]["problems"]}
    assert code == 2 and problems == {"notes.txt", "Thumbs.db"}
    assert "--skip-invalid lists these files and trains on the others" in err
    code, out, err = cli(capsys, *argv, "--skip-invalid")
    assert code == 0, err
    document = json.loads(out)
    assert document["images"] == 5 and document["dataset"]["name"] == "shoot"
    assert "Skipping 2 file(s)" in err and "notes.txt" in err and "Thumbs.db" in err
    assert (tmp_path / "shoot.bria-train.json").exists()  # the run keeps the source's own manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "shoot",
        "shoot.bria-train.json",
        "shoot.bria-train.json.lock",
    ]
    code, out, _ = cli(capsys, *argv, "--skip-invalid")  # the same command again resumes
    assert code == 0 and json.loads(out)["resumed"] is True


def test_a_numeric_project_that_is_no_id_gets_a_hint(
    capsys: pytest.CaptureFixture[str], sandbox: str, tmp_path: Path
) -> None:
    folder = draw(tmp_path / "imgs", 5)
    code, out, err = cli(capsys, "train", str(folder), "--project", "2024", "--json", *api(sandbox))
    message = json.loads(out)["error"]["message"]
    assert code == 1 and message in " ".join(err.split())
    assert (
        "✓ 5 images, basic upload" in err and "✗ finding or creating the project" in err
    )  # the step that failed
    assert "--project 2024: no project has the id 2024" in message
    assert "bria-tailored projects list" in message and "bria-tailored projects create 2024" in message


def test_create_stop_and_structured_prompt_commands(
    capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any]
) -> None:
    def doc(*argv: str) -> Any:
        code, out, err = cli(capsys, *argv, "--json", *api(sandbox))
        assert code == 0, err
        return json.loads(out)

    project = doc("projects", "create", "Fresh", "--ip-type", "icons", "--ip-medium", "illustration")
    assert isinstance(project["id"], int) and project["project_name"] == "Fresh"
    dataset = doc("datasets", "create", "fresh-set", "--project-id", str(project["id"]))
    assert isinstance(dataset["id"], int) and dataset["project_id"] == project["id"]
    code, out, err = cli(
        capsys, "projects", "create", "Pip", "--ip-type", "defined_character", "--ip-medium", "illustration",
        "--json", *api(sandbox),
    )  # fmt: skip
    assert code == 2 and json.loads(out)["error"]["flag"] == "--ip-name" and "--ip-name is required" in err
    prompt = doc("structured-prompt", str(trained["model_id"]), "a fox", "--seed", "4")
    assert isinstance(prompt["structured_prompt"], dict) and prompt["seed"] == 4
    assert prompt["model_id"] == trained["model_id"]
    code, out, _ = cli(capsys, "structured-prompt", str(trained["model_id"]), "a fox", *api(sandbox))
    assert code == 0 and isinstance(json.loads(out), dict)  # the object itself, ready for a pipe
    code, out, err = cli(capsys, "models", "stop", str(trained["model_id"]), "--json", *api(sandbox))
    assert code == 1 and json.loads(out)["error"]["status_code"] in (409, 412)  # a trained model cannot stop


def _ids(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "model_id", "project_id", "dataset_id"):
                yield f"{where}.{key}", item
            yield from _ids(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _ids(item, f"{where}[{i}]")


def test_json_ids_are_numbers_and_structured_prompts_objects(
    capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any], tmp_path: Path
) -> None:
    model_id = str(trained["model_id"])
    documents: dict[str, Any] = {}
    for argv in (
        ["generate", model_id, "a fox", "--seed", "2", "--out", str(tmp_path / "o")],
        ["structured-prompt", model_id, "a fox"],
        ["models", "get", model_id],
        ["models", "list"],
        ["datasets", "list"],
        ["projects", "list"],
    ):
        code, out, err = cli(capsys, *argv, "--json", *api(sandbox))
        assert code == 0, err
        documents[" ".join(argv[:2])] = json.loads(out)
    request_id = documents[f"generate {model_id}"]["images"][0]["request_id"]
    for argv in (["status", request_id], ["status", request_id, "--wait"]):
        code, out, err = cli(capsys, *argv, "--json", *api(sandbox))
        assert code == 0, err
        documents[" ".join(argv)] = json.loads(out)
    ids = [(f"{name}{where}", value) for name, doc in documents.items() for where, value in _ids(doc)]
    assert ids and all(isinstance(v, int) or v is None for _, v in ids), [
        i for i in ids if isinstance(i[1], str)
    ]
    image = documents[f"generate {model_id}"]["images"][0]
    assert image["model_id"] == trained["model_id"] and isinstance(image["structured_prompt"], dict)
    assert isinstance(documents[f"status {request_id}"]["result"]["structured_prompt"], dict)
    assert isinstance(documents[f"status {request_id} --wait"]["result"]["structured_prompt"], dict)


def test_generate_out_writes_files_names_and_a_gallery(
    capsys: pytest.CaptureFixture[str], sandbox: str, trained: dict[str, Any], tmp_path: Path
) -> None:
    model_id = str(trained["model_id"])
    out = tmp_path / "out"
    code, stdout, err = cli(
        capsys, "generate", model_id, "A fox, in snow!", "--count", "2", "--seed", "8", "--out", str(out),
        *api(sandbox),
    )  # fmt: skip
    assert code == 0, err
    assert {p.name for p in out.iterdir()} >= {"a-fox-in-snow-8.png", "a-fox-in-snow-9.png", "index.html"}
    assert f"Gallery: {out / 'index.html'}" in stdout
    page = (out / "index.html").read_text()
    assert 'src="a-fox-in-snow-8.png"' in page and 'href="a-fox-in-snow-9.png.json"' in page
    code, stdout, _ = cli(
        capsys, "generate", model_id, "A fox", "--seed", "3", "--out", str(out), "--name", "{model_id}/{slug}-s{seed}",
        "--json", *api(sandbox),
    )  # fmt: skip
    saved = json.loads(stdout)["images"][0]["saved"]
    assert code == 0 and saved["key"] == f"{model_id}/a-fox-s3.png" and json.loads(stdout)["gallery"]
    code, stdout, _ = cli(
        capsys, "generate", model_id, "A fox", "--out", str(tmp_path / "cat.png"), *api(sandbox)
    )
    assert code == 0 and (tmp_path / "cat.png").is_file() and not (tmp_path / "index.html").exists()
    code, _, err = cli(capsys, "generate", model_id, "A fox", "--name", "{slug}", *api(sandbox))
    assert code == 2 and "--name" in err and "--out" in err
