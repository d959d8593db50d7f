"""``client.train`` against the sandbox: the whole pipeline, crash and resume, and up-front validation."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bria_tailored import AsyncTailoredClient, TailoredClient, errors
from bria_tailored.plugins import get_plugin_manager, hookimpl
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox
from bria_tailored.storage import StorageBackend, StoredObject
from bria_tailored.workflows import InvalidImagesError, TrainEvent, TrainResult, UploadsFailedError
from bria_tailored.workflows._source import SourceFiles, sample

FAST = PollPolicy(0.05, 0.2)
PROJECT = {"ip_type": "icons", "ip_medium": "illustration"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with run_sandbox(training_seconds=0.3, caption_seconds=0.1, job_seconds=0.1, bulk_seconds=0.2) as url:
        yield url


def draw(folder: Path, count: int, size: int = 300, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"img-{i:03d}.png"
        Image.new("RGB", (size, size), (20 * i % 255, 90, 160)).save(path)
        paths.append(path)
    return paths


def dataset_images(client: TailoredClient, dataset_id: int) -> list[str]:
    return sorted(image.image_name for image in client.datasets.images.list(dataset_id))


def test_train_end_to_end_then_rerun_returns_the_same_model(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "imgs", 7)
    events: list[TrainEvent] = []
    with TailoredClient("tok", base_url=sandbox) as client:
        result = client.train(
            tmp_path / "imgs",
            project="Icons",
            refine=["make it bluer", "flat shading"],
            on_progress=events.append,
            poll_policy=FAST,
            **PROJECT,
        )
        assert isinstance(result, TrainResult)
        assert result.model.status.value == "Completed" and result.images == 7 and not result.resumed
        assert result.state_path == tmp_path / "imgs.bria-train.json"
        assert dataset_images(client, result.dataset.id) == [f"img-{i:03d}.png" for i in range(7)]
        state = json.loads(result.state_path.read_text())
        assert state["step"] == "done" and len(state["images"]) == 7
        assert state["model_id"] == result.model.id
        phases = [e.phase for e in events]
        for phase in ("validate", "project", "dataset", "schema", "upload", "captions", "model", "training"):
            assert phase in phases
        assert [e.done for e in events if e.phase == "upload"][-1] == 7
        again = client.train(tmp_path / "imgs", project="Icons", poll_policy=FAST, **PROJECT)
        assert again.model.id == result.model.id and again.resumed


class FailNthUpload(httpx.BaseTransport):
    """Forwards every request; the ``n``-th image upload reaches the server, then the connection 'drops'."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.n = n
        self.uploads = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/images"):
            with self.lock:
                self.uploads += 1
                hit = self.uploads == self.n
            if hit:
                response.read()
                raise httpx.ReadError("connection dropped after the upload", request=request)
        return response


def test_crash_during_uploads_then_resume(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "imgs", 9)
    state_path = tmp_path / "run.json"
    flaky = httpx.Client(transport=FailNthUpload(4))
    with TailoredClient("tok", base_url=sandbox, http_client=flaky) as client:
        with pytest.raises(UploadsFailedError) as info:
            client.train(tmp_path / "imgs", project="Crash", state=state_path, concurrency=1, **PROJECT)
    assert [name for name, _ in info.value.failures] == ["img-003.png"]
    first = json.loads(state_path.read_text())
    assert first["step"] == "schema" and "img-003.png" not in first["images"] and len(first["images"]) == 8
    with TailoredClient("tok", base_url=sandbox) as client:
        # The upload that hit the server just before the "crash" is found by name, not sent again.
        assert "img-003.png" in dataset_images(client, first["dataset_id"])
        projects_before = len(client.projects.list())
        result = client.train(
            tmp_path / "imgs", project="Crash", state=state_path, poll_policy=FAST, concurrency=1, **PROJECT
        )
        assert (result.project.id, result.dataset.id, result.model.id) == (
            first["project_id"],
            first["dataset_id"],
            result.model.id,
        )
        assert result.resumed and result.model.status.value == "Completed"
        assert dataset_images(client, result.dataset.id) == [f"img-{i:03d}.png" for i in range(9)]
        assert len(client.projects.list()) == projects_before


def test_ctrl_c_mid_upload_then_resume(sandbox: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draw(tmp_path / "imgs", 6)
    original = SourceFiles.read
    reads = {"n": 0}

    def read(self: SourceFiles, name: str) -> bytes:
        reads["n"] += 1
        if reads["n"] == 6 + 3:  # 6 reads for the visual schema, then the third upload
            raise KeyboardInterrupt
        return original(self, name)

    monkeypatch.setattr(SourceFiles, "read", read)
    with TailoredClient("tok", base_url=sandbox) as client:
        with pytest.raises(KeyboardInterrupt):
            client.train(tmp_path / "imgs", project="Interrupted", concurrency=1, **PROJECT)
        state = json.loads((tmp_path / "imgs.bria-train.json").read_text())
        # The interrupted upload is not recorded (a running one may finish and be recorded).
        assert "img-002.png" not in state["images"] and 2 <= len(state["images"]) < 6
        assert state["model_id"] is None
        monkeypatch.setattr(SourceFiles, "read", original)
        result = client.train(tmp_path / "imgs", project="Interrupted", poll_policy=FAST, **PROJECT)
        assert result.dataset.id == state["dataset_id"] and result.project.id == state["project_id"]
        assert len(dataset_images(client, result.dataset.id)) == 6
        assert result.model.status.value == "Completed"


def test_crash_between_create_and_record_adopts_the_project(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "imgs", 5)
    with TailoredClient("tok", base_url=sandbox) as client:
        made = client.projects.create(project_name="Orphan", **PROJECT)
        (tmp_path / "imgs.bria-train.json").write_text(
            json.dumps(
                {
                    "version": 1,
                    "base_url": client.base_url,
                    "source": str(tmp_path / "imgs"),
                    "step": "new",
                    "creating": "project",
                    "creating_since": time.time() - 1,
                }
            )
        )
        result = client.train(tmp_path / "imgs", project="Orphan", poll_policy=FAST, **PROJECT)
        assert result.project.id == made.id
        assert [p.id for p in client.projects.list() if p.project_name == "Orphan"] == [made.id]


def test_invalid_images_are_all_reported_before_anything_is_created(sandbox: str, tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    draw(folder, 6)
    Image.new("RGB", (300, 300), "red").save(folder / "anim.gif")
    Image.new("RGB", (100, 100), "blue").save(folder / "tiny.png")
    whole = (folder / "img-000.png").read_bytes()
    (folder / "cut.png").write_bytes(whole[: len(whole) // 2])
    with TailoredClient("tok", base_url=sandbox) as client:
        before = [p.id for p in client.projects.list()]
        with pytest.raises(InvalidImagesError) as info:
            client.train(folder, project="Never", **PROJECT)
        assert [p.id for p in client.projects.list()] == before
    names = {name for name, _ in info.value.problems}
    assert names == {"anim.gif", "tiny.png", "cut.png"}
    text = str(info.value)
    assert "anim.gif" in text and "tiny.png" in text and "100x100" in text and "truncated" in text
    assert isinstance(info.value, errors.ValidationError)
    assert not (tmp_path / "imgs.bria-train.json").exists()


def test_count_limits_and_arguments_are_checked_first(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "few", 4)
    draw(tmp_path / "many", 201, size=256)
    with TailoredClient("tok", base_url=sandbox) as client:
        before = len(client.projects.list())
        with pytest.raises(InvalidImagesError, match="at least 5"):
            client.train(tmp_path / "few", project="P", **PROJECT)
        with pytest.raises(InvalidImagesError, match="via="):
            client.train(tmp_path / "many", project="P", **PROJECT)
        with pytest.raises(errors.ValidationError, match="ip_type"):
            client.train(tmp_path / "few", project="P", ip_medium="illustration")
        with pytest.raises(errors.ValidationError, match="training_mode='expert'"):
            client.train(tmp_path / "few", project="P", rank=16, **PROJECT)
        with pytest.raises(errors.ValidationError, match="not a training parameter"):
            client.train(tmp_path / "few", project="P", bogus=1, **PROJECT)
        with pytest.raises(errors.ValidationError, match="does not exist"):
            client.train(tmp_path / "missing", project="P", **PROJECT)
        assert len(client.projects.list()) == before


def test_a_state_file_pins_its_run(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "imgs", 5)
    with TailoredClient("tok", base_url=sandbox) as client:
        client.train(tmp_path / "imgs", project="Pinned", poll_policy=FAST, **PROJECT)
        with pytest.raises(errors.ValidationError, match="differs from 'imgs-model'"):
            client.train(tmp_path / "imgs", project="Pinned", model_name="other", **PROJECT)
    with run_sandbox() as other, TailoredClient("tok", base_url=other) as client:
        with pytest.raises(errors.ValidationError, match="records a run against"):
            client.train(tmp_path / "imgs", project="Pinned", **PROJECT)


def test_existing_project_id_and_zip_source(sandbox: str, tmp_path: Path) -> None:
    import zipfile

    paths = draw(tmp_path / "imgs", 6)
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in paths:
            zf.write(path, f"nested/{path.name}")
    with TailoredClient("tok", base_url=sandbox) as client:
        project = client.projects.create(project_name="Existing", **PROJECT)
        result = client.train(archive, project=str(project.id), poll_policy=FAST)
        assert result.project.id == project.id and result.dataset.name == "set"
        assert result.state_path == tmp_path / "set.zip.bria-train.json"
        assert dataset_images(client, result.dataset.id) == sorted(p.name for p in paths)


def test_training_version_reaches_create_model_and_training_starts_without_a_body(
    sandbox: str, tmp_path: Path
) -> None:
    draw(tmp_path / "imgs", 5)
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    with TailoredClient("tok", base_url=sandbox, http_client=http) as client:
        result = client.train(
            tmp_path / "imgs", project="Versioned", training_version="max", poll_policy=FAST, **PROJECT
        )
        assert result.model.status.value == "Completed"
    create = next(r for r in sent if r.method == "POST" and r.url.path.endswith("/tailored-gen/models"))
    assert json.loads(create.content)["training_version"] == "max"
    start = next(r for r in sent if r.url.path.endswith("/start_training"))
    assert start.content == b"" and "content-type" not in start.headers  # as Bria's cookbook sends it


async def test_async_client_trains_with_the_same_plan(sandbox: str, tmp_path: Path) -> None:
    draw(tmp_path / "imgs", 5)
    events: list[TrainEvent] = []
    async with AsyncTailoredClient("tok", base_url=sandbox) as client:
        result = await client.train(
            tmp_path / "imgs", project="Async", on_progress=events.append, poll_policy=FAST, **PROJECT
        )
        assert result.model.status.value == "Completed"
        images = await client.datasets.images.list(result.dataset.id)
        assert len(images) == 5
    assert events[-1].phase == "done"


def test_sample_is_deterministic_and_spread() -> None:
    names = [f"{i:03d}" for i in range(40)]
    assert sample(names) == sample(list(reversed(names)))
    assert len(sample(names)) == 10 and sample(names)[0] == "000" and sample(names)[-1] == "039"
    assert sample(names[:7]) == names[:7]


def test_options_resolve_to_defaults_and_errors_name_the_option(tmp_path: Path) -> None:
    from bria_tailored.workflows.options import DEFAULTS, NewProject, resolve

    settings = resolve(tmp_path / "imgs", "New", {"ip_type": "icons", "ip_medium": "illustration"})
    assert settings.project == NewProject("New", "icons", "illustration")
    assert (settings.dataset_name, settings.model_name) == ("imgs", "imgs-model")
    assert (settings.training_mode, settings.timeout, settings.concurrency, settings.refine) == (
        DEFAULTS.training_mode,
        DEFAULTS.timeout,
        DEFAULTS.concurrency,
        (),
    )
    assert settings.state_path == tmp_path.resolve() / "imgs.bria-train.json"
    assert resolve(tmp_path, 7, {}).project == 7 and resolve(tmp_path, "7", {}).project == 7
    assert resolve(tmp_path, 7, {"refine": "warmer"}).refine == ("warmer",)
    assert resolve(tmp_path, 7, {"training_mode": "expert", "rank": 16}).expert == {"rank": 16}
    assert resolve(tmp_path, 7, {}).training_version is None
    assert resolve(tmp_path, 7, {"training_version": "fibo"}).training_version == "fibo"
    bad: list[tuple[dict[str, Any], str]] = [
        ({"concurrency": 0}, "concurrency"),
        ({"timeout": -1}, "timeout"),
        ({"refine": ["ok", " "]}, "refine[1]"),
        ({"state": 3}, "state"),
        ({"poll_policy": 1.0}, "poll_policy"),
        ({"upload_type": "huge"}, "upload_type"),
        ({"training_mode": "manual"}, "training_mode"),
        ({"training_version": "bria-9"}, "training_version"),
        ({"dataset_name": " "}, "dataset_name"),
        ({"lr_scheduler": "constant"}, "lr_scheduler"),
        ({"training_mode": "expert", "rank": 1}, "rank"),
        ({"bogus": 1}, "bogus"),
    ]
    for options, option in bad:
        with pytest.raises(errors.ValidationError) as info:
            resolve(tmp_path, 7, options)  # type: ignore[arg-type]  # wrong on purpose
        assert info.value.field == option, options


def test_train_errors_live_in_the_errors_tree(tmp_path: Path) -> None:
    import pickle

    from bria_tailored.workflows import _source, train

    assert InvalidImagesError is errors.InvalidImagesError is _source.InvalidImagesError
    assert train.InvalidImagesError is InvalidImagesError
    assert UploadsFailedError is errors.UploadsFailedError is train.UploadsFailedError
    assert issubclass(InvalidImagesError, errors.ValidationError)
    assert issubclass(UploadsFailedError, errors.BriaError)
    failed = UploadsFailedError([("a.png", ValueError("boom"))], tmp_path / "s.json")
    copy = pickle.loads(pickle.dumps(failed))
    assert (
        copy.failures[0][0] == "a.png" and copy.state_path == tmp_path / "s.json" and str(copy) == str(failed)
    )
    invalid = pickle.loads(pickle.dumps(InvalidImagesError("src", [("b.png", "too small")], 6)))
    assert invalid.problems == [("b.png", "too small")] and invalid.field == "source"


# ------------------------------------------------------------------------------ advanced (bulk ZIP) path
class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class WebStorage(StorageBackend):
    """A test storage: files in a folder, 'presigned' as URLs of a tiny HTTP server on 127.0.0.1."""

    schemes = ("web",)
    root: Path
    base: str

    def __init__(self, uri: str, **options: Any) -> None:
        self.prefix = uri.split("://", 1)[1].strip("/")

    def _path(self, key: str) -> Path:
        return WebStorage.root / self.prefix / key

    def put(self, key: str, source: Any, content_type: str | None = None) -> StoredObject:
        import hashlib

        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (
            source.read_bytes()
            if isinstance(source, Path)
            else b"".join(iter(lambda: source.read(65536), b""))
        )
        path.write_bytes(data)
        return StoredObject(
            uri=self.uri(key),
            key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=None,
        )

    def open_read(self, key: str) -> Any:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> list[str]:
        base = WebStorage.root / self.prefix
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        return f"{WebStorage.base}/{self.prefix}/{key}"

    def uri(self, key: str) -> str:
        return f"web://{self.prefix}/{key}"


class WebPlugin:
    @hookimpl
    def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
        return [WebStorage]


@pytest.fixture
def web_storage(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "web"
    root.mkdir()
    handler = lambda *a, **k: _Files(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    WebStorage.root, WebStorage.base = root, f"http://127.0.0.1:{server.server_address[1]}"
    manager = get_plugin_manager()
    plugin = WebPlugin()
    manager.register(plugin, name="web-test")
    try:
        yield root
    finally:
        manager.unregister(plugin)
        server.shutdown()
        server.server_close()


def test_advanced_upload_stages_a_zip_and_cleans_up(sandbox: str, tmp_path: Path, web_storage: Path) -> None:
    draw(tmp_path / "big", 5, size=1024)
    events: list[TrainEvent] = []
    with TailoredClient("tok", base_url=sandbox) as client:
        result = client.train(
            tmp_path / "big",
            project="Bulk",
            via="web://bucket/staging",
            upload_type="advanced",
            poll_policy=FAST,
            on_progress=events.append,
            **PROJECT,
        )
        assert result.upload_type == "advanced" and result.images == 5
        assert result.dataset.upload_type.value == "advanced"
        assert len(dataset_images(client, result.dataset.id)) == 5
    assert any(e.phase == "bulk" for e in events)
    assert not [p for p in web_storage.rglob("*") if p.is_file()]  # the staged ZIP is gone
    draw(tmp_path / "small", 5, size=512)
    with TailoredClient("tok", base_url=sandbox) as client, pytest.raises(InvalidImagesError, match="1024"):
        client.train(
            tmp_path / "small", project="Bulk", via="web://bucket/staging", upload_type="advanced", **PROJECT
        )
