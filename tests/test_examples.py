"""The scripts in ``examples/`` run as written, and the README's Python blocks are those scripts.

Each script runs in a subprocess, in a fresh working directory, without ``BRIA_BASE_URL`` (so it starts the
built-in sandbox itself) and with a guard that refuses any connection or name lookup beyond loopback
(``--block-network`` does not reach subprocesses). Its exit code, what it printed and the files it says it
writes are checked. Every ```python block of README.md must be a contiguous excerpt of one script, so the
README cannot drift from code that is type-checked (CI runs mypy and pyright on ``examples/``) and run here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
TIMEOUT = 180  # seconds per script; each takes a few on the sandbox

# Per script: the files it writes (relative to its working directory; each with a ``.json`` sidecar) and
# lines it must print.
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "sdk_walkthrough.py": (
        ["bria-output/walkthrough/library.png"],
        ["uploaded 6/6", "Completed", "saved file://"],
    ),
    "train_and_resume.py": (
        [],
        ["first run: model", "resumed=False", "same call again: model", "resumed=True", "manifest:"],
    ),
    "train_generate_save.py": (
        [
            "bria-output/train-generate-save/pip-library.png",
            "bria-output/train-generate-save/pip-library.mp4",
        ],
        ['"prompt": "Pip reading in a library"', '"seed": 7'],
    ),
    "async_batch.py": (
        [f"bria-output/async-batch/pip-{i}.png" for i in range(1, 5)],
        ["saved file://"],
    ),
    "storage_plugin.py": (
        [],
        [
            "saved mem://assets/pip/juggling.png",
            "objects: ['juggling.png', 'juggling.png.json']",
            "sidecar: Pip juggling three oranges",
        ],
    ),
    "sandbox_faults.py": (
        [],
        ["generated http://127.0.0.1:", "JobFailedError:", "TrainingFailedError:"],
    ),
}

# Loaded first by every example's interpreter (``sitecustomize``): only loopback may be reached.
LOOPBACK_GUARD = """
import ipaddress
import socket


def _loopback(host):
    if host is None or host == "localhost":
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address):
    if isinstance(address, tuple) and not _loopback(address[0]):
        raise ConnectionRefusedError(f"test_examples: {address!r} is not loopback; examples must stay offline")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def connect(self, address):
    _check(address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        raise socket.gaierror(f"test_examples: no name lookups beyond loopback ({host!r})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""


@pytest.fixture(scope="module")
def guard_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("loopback-guard")
    (folder / "sitecustomize.py").write_text(LOOPBACK_GUARD)
    return folder


def _env(guard_dir: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BRIA_", "AWS_", "GOOGLE_"))
        and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(guard_dir), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _run(script: Path, cwd: Path, guard_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=_env(guard_dir),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_every_example_is_checked() -> None:
    assert SCRIPTS, "examples/ holds no scripts"
    assert sorted(EXPECTED) == [script.name for script in SCRIPTS]


def test_the_guard_refuses_other_hosts(tmp_path: Path, guard_dir: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import socket\n"
        "for attempt in (\n"
        "    lambda: socket.socket().connect(('192.0.2.1', 80)),\n"  # TEST-NET-1: never routed
        "    lambda: socket.getaddrinfo('example.com', 443),\n"
        "    lambda: socket.create_connection(('example.com', 443), timeout=1),\n"
        "):\n"
        "    try:\n"
        "        attempt()\n"
        "    except OSError as exc:\n"
        "        print('refused:', exc)\n"
    )
    done = _run(probe, tmp_path, guard_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("refused: test_examples:") == 3, done.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_example_runs_offline(script: Path, tmp_path: Path, guard_dir: Path) -> None:
    done = _run(script, tmp_path, guard_dir)
    assert done.returncode == 0, f"{script.name} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    files, lines = EXPECTED[script.name]
    for line in lines:
        assert line in done.stdout, f"{script.name} did not print {line!r}:\n{done.stdout}"
    for name in files:
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 0, f"{script.name} did not write {name}"
        head = path.read_bytes()[:12]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else head[4:8] == b"ftyp", name
        sidecar = json.loads(path.with_name(path.name + ".json").read_text())
        assert sidecar["key"] == path.name
        assert isinstance(sidecar["model_id"], int) and isinstance(sidecar["prompt"], str), sidecar
        assert sidecar["size"] == path.stat().st_size


def test_examples_say_what_they_show_and_how_to_run() -> None:
    for script in SCRIPTS:
        source = script.read_text()
        assert source.startswith('"""'), f"{script.name} does not start with a docstring"
        docstring = source[3 : source.index('"""', 3)]
        assert f"python examples/{script.name}" in docstring, f"{script.name}: say how to run it"


def readme_python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", (ROOT / "README.md").read_text(), flags=re.S | re.M)


def test_readme_python_blocks_are_examples() -> None:
    blocks = readme_python_blocks()
    assert len(blocks) >= 5
    sources = {script.name: "\n" + script.read_text() for script in SCRIPTS}
    for block in blocks:
        found = [name for name, source in sources.items() if "\n" + block in source]
        assert found, f"this README block is not an excerpt of any examples/*.py:\n{block}"
