"""The CLI in a real terminal (tmux): what a person sees when a step fails, on Ctrl-C during training, and
when they decline a delete (issue 17, item 5).

Each test runs one command in a pane of a tmux server of its own (``tmux -L <unique name>``) and reads the
screen as tmux rendered it, so a spinner left frozen or a bar drawn full would show. Without ``tmux`` the
tests are skipped, except under CI (``CI`` set), where ``.ci/run`` installs it and they fail.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.__main__ import main
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox

SPINNER_FRAMES = re.compile("[\u2800-\u28ff]")  # rich's default spinner ("dots") is braille
PROJECT = ["--ip-type", "icons", "--ip-medium", "illustration"]


def tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is not on PATH: .ci/run installs it with apt-get install tmux")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    return found


class Terminal:
    """One command in a 160x50 tmux pane, on a tmux server of its own."""

    def __init__(self, argv: list[str]) -> None:
        self.server = f"bria-cli-test-{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIA_", "TMUX"))}
        env["PYTHONPATH"] = os.pathsep.join(sys.path)
        command = shlex.join([sys.executable, "-m", "bria_tailored", *argv])
        # A trap (not an ignore, which the command would inherit) keeps the shell alive after Ctrl-C, to
        # print the command's exit status.
        script = f"trap ':' INT; {command}; echo __EXIT=$?; sleep 600"
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "160",
            "-y",
            "50",
            "bash",
            "--norc",
            "-c",
            script,
            env=env,
        )

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [tmux(), "-L", self.server, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=True,
        )
        return done.stdout

    def screen(self) -> str:
        """What the pane shows, scrollback included, wrapped lines joined."""
        return self._tmux("capture-pane", "-p", "-J", "-t", "main", "-S", "-500")

    def wait_for(self, pattern: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if re.search(pattern, text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never showed; the screen:\n{text}")
            time.sleep(0.1)

    def exit_code(self, timeout: float = 60.0) -> tuple[int, str]:
        text = self.wait_for(r"__EXIT=\d+", timeout)
        return int(re.findall(r"__EXIT=(\d+)", text)[-1]), text

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def close(self) -> None:
        subprocess.run([tmux(), "-L", self.server, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def start(opened: list[Terminal], *argv: str) -> Terminal:
    tmux()
    term = Terminal(list(argv))
    opened.append(term)
    return term


def draw(folder: Path, count: int = 5) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.new("RGB", (300, 300), (40 * i, 120, 200)).save(folder / f"p{i}.png")
    return folder


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A quick sandbox with a trained model."""
    with (
        run_sandbox(training_seconds=0.2, caption_seconds=0.05, job_seconds=0.3) as url,
        TailoredClient("tok", base_url=url) as client,
    ):
        folder = draw(tmp_path_factory.mktemp("terminal") / "imgs")
        trained = client.train(
            folder, project="T", ip_type="icons", ip_medium="illustration", poll_policy=PollPolicy(0.05, 0.1)
        )
        yield {"url": url, "model_id": trained.model.id, "project_id": trained.project.id, "client": client}


def api(url: str) -> list[str]:
    return ["--base-url", url, "--token", "tok"]


def test_a_failed_batch_leaves_a_cross_not_a_frozen_spinner(
    fast: dict[str, Any], terminal: list[Terminal]
) -> None:
    term = start(
        terminal, "generate", str(fast["model_id"]), "[sandbox:error] boom", "--count", "3", *api(fast["url"])
    )
    code, screen = term.exit_code()
    assert code == 1, screen
    [line] = [line for line in screen.splitlines() if "Generating images" in line]
    assert line.lstrip().startswith("✗") and "0/3 failed" in line, line
    assert not SPINNER_FRAMES.search(screen), screen
    assert "✗ error: job" in screen and "ended ERROR" in screen


def test_a_step_that_fails_is_never_ticked(
    fast: dict[str, Any], terminal: list[Terminal], tmp_path: Path
) -> None:
    missing = Path("/tmp") / f"{uuid.uuid4().hex[:8]}-nope"  # short: the step's line must fit the terminal
    term = start(terminal, "train", str(missing), "--project", "X", *PROJECT, *api(fast["url"]))
    code, screen = term.exit_code()
    assert code == 2, screen
    assert re.search(r"✗ checking the images of \S*nope\s+failed", screen), screen
    assert "✓" not in screen and not SPINNER_FRAMES.search(screen)
    assert "SOURCE" in screen and "does not exist" in screen


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path (pytest-xdist's tmp_path is long): the lines under test fit the pane."""
    folder = Path(tempfile.mkdtemp(prefix="bt-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_ctrl_c_during_training_says_it_goes_on_and_how_to_stop_it(
    terminal: list[Terminal], short_tmp: Path
) -> None:
    folder = draw(short_tmp / "imgs")
    with run_sandbox(training_seconds=120, caption_seconds=0.05) as url:
        term = start(
            terminal, "train", str(folder), "--project", "Long", *PROJECT, "--poll-interval", "0.2", *api(url)
        )
        term.wait_for(r"Training the model")
        time.sleep(0.5)
        term.keys("C-c")
        code, screen = term.exit_code()
        assert code == 130, screen
        assert "Training goes on at Bria" in screen, screen
        [model_id] = re.findall(r"bria-tailored models stop (\d+)", screen)
        assert "To resume, run the same command again" in screen
        [line] = [line for line in screen.splitlines() if "Training the model" in line]
        assert line.lstrip().startswith("✗") and "interrupted" in line, line
        assert not SPINNER_FRAMES.search(screen), screen
        # and the printed command does stop it
        assert main(["models", "stop", model_id, "--json", *api(url)]) == 0
        with TailoredClient("tok", base_url=url) as client:
            assert str(client.models.get(int(model_id)).status) in ("Stopping", "Stopped")


def test_declining_a_delete_prints_aborted_and_exits_1(
    fast: dict[str, Any], terminal: list[Terminal]
) -> None:
    client: TailoredClient = fast["client"]
    project = client.projects.create(project_name="Keep me", ip_type="icons", ip_medium="illustration")
    term = start(terminal, "projects", "delete", str(project.id), *api(fast["url"]))
    term.wait_for(rf"Delete project {project.id}\?")
    term.keys("n", "Enter")
    code, screen = term.exit_code()
    assert code == 1 and "aborted" in screen and "error" not in screen.lower(), screen
    assert client.projects.get(project.id).id == project.id  # still there
    term = start(terminal, "projects", "delete", str(project.id), "--json", *api(fast["url"]))
    code, screen = term.exit_code()  # with --json it never asks: --yes is required
    assert code == 2 and "without --yes" in screen
    assert json.loads(screen[screen.index("{") : screen.rindex("}") + 1])["exit_code"] == 2
