"""The plugin system: built-ins, a third-party ``mem://`` plugin installed from a dist-info, a broken plugin,
``BRIA_DISABLE_PLUGINS``, scheme overrides, the output-saved hook and lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bria_tailored import plugins
from bria_tailored.errors import PluginNotFoundError
from bria_tailored.plugins import PluginLoadWarning, get_plugin_manager, hookimpl, plugin_info
from bria_tailored.storage import StorageBackend, StoredObject, open_storage
from bria_tailored.storage.local import LocalStorage

MEM_PLUGIN = '''
"""A tiny third-party storage plugin: objects in a dict."""
import hashlib

from bria_tailored.plugins import hookimpl
from bria_tailored.storage import StorageBackend, StoredObject
from bria_tailored.storage.sources import open_source

OBJECTS = {}
SAVED = []


class MemoryStorage(StorageBackend):
    schemes = ("mem",)

    def __init__(self, uri, **options):
        self.base = uri.rstrip("/")
        self.options = options

    def put(self, key, source, content_type=None):
        with open_source(source) as src:
            data = src.stream.read()
        OBJECTS[self.uri(key)] = data
        return StoredObject(self.uri(key), key, len(data), hashlib.sha256(data).hexdigest(), content_type)

    def open_read(self, key):
        import io
        return io.BytesIO(OBJECTS[self.uri(key)])

    def exists(self, key):
        return self.uri(key) in OBJECTS

    def delete(self, key):
        OBJECTS.pop(self.uri(key), None)

    def list(self, prefix=""):
        start = self.base + "/"
        return [k[len(start):] for k in OBJECTS if k.startswith(start + prefix)]

    def public_url(self, key, expires_in=3600):
        return "https://mem.example/" + key

    def uri(self, key):
        return self.base + "/" + key if key else self.base


@hookimpl
def bria_tailored_storage_backends():
    return [MemoryStorage]


@hookimpl
def bria_tailored_output_saved(stored, metadata):
    SAVED.append((stored, metadata))
'''

BROKEN_PLUGIN = """
raise RuntimeError("boom: this plugin is broken")
"""


def install_dist(site: Path, dist: str, version: str, module: str, code: str, entry_point: str) -> None:
    """Write ``module.py`` and ``<dist>-<version>.dist-info`` (METADATA + entry_points.txt) into ``site``."""
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[bria_tailored]\n{entry_point} = {module}\n")
    (info / "RECORD").write_text("")


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site-packages"
    site.mkdir()
    install_dist(site, "bria-mem-storage", "1.2.3", "bria_mem_storage", MEM_PLUGIN, "memory")
    install_dist(site, "bria-broken-plugin", "0.0.1", "bria_broken_plugin", BROKEN_PLUGIN, "broken")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in ("bria_mem_storage", "bria_broken_plugin"):
        sys.modules.pop(name, None)


def by_name() -> dict[str, Any]:
    return {info.name: info for info in plugin_info()}


def test_builtins_are_plugins() -> None:
    infos = by_name()
    assert {name: infos[name].schemes for name in ("local", "s3", "gcs")} == {
        "local": ("file",),
        "s3": ("s3",),
        "gcs": ("gs",),
    }
    for name in ("local", "s3", "gcs"):
        assert infos[name].source == "builtin"
        assert infos[name].distribution == "bria-tailored"
        assert infos[name].error is None
    assert get_plugin_manager() is get_plugin_manager()  # cached


def test_third_party_plugin_and_a_broken_one(third_party: Path, tmp_path: Path) -> None:
    with pytest.warns(PluginLoadWarning, match="broken.*boom: this plugin is broken"):
        get_plugin_manager()
    store = open_storage("mem://bucket/prefix", flavour="x")
    assert type(store).__name__ == "MemoryStorage"
    obj = store.put("a.png", b"hello")
    assert obj.uri == "mem://bucket/prefix/a.png"
    assert store.read_bytes("a.png") == b"hello"
    assert list(store.list()) == ["a.png"]

    infos = by_name()
    memory = infos["memory"]
    assert (memory.schemes, memory.distribution, memory.version) == (("mem",), "bria-mem-storage", "1.2.3")
    assert (memory.source, memory.error, memory.failed) == ("entry point", None, False)
    broken = infos["broken"]
    assert broken.failed and "RuntimeError: boom: this plugin is broken" in (broken.error or "")
    assert (broken.distribution, broken.version, broken.schemes) == ("bria-broken-plugin", "0.0.1", ())

    # the built-ins keep working
    assert isinstance(open_storage(tmp_path / "out"), LocalStorage)
    assert infos["s3"].error is None and infos["gcs"].error is None
    # a storage URI of the plugin's scheme is a valid source for other backends
    local = open_storage(tmp_path / "out")
    assert local.put("copy.png", "mem://bucket/prefix/a.png").size == 5


def test_disable_plugins(third_party: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIA_DISABLE_PLUGINS", "memory, s3,broken")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the broken plugin is not even imported
        infos = by_name()
    assert infos["memory"].disabled and infos["s3"].disabled and infos["broken"].disabled
    assert "bria_broken_plugin" not in sys.modules
    with pytest.raises(PluginNotFoundError, match="no storage backend handles mem://"):
        open_storage("mem://bucket/x")
    with pytest.raises(PluginNotFoundError, match="'s3' is disabled by BRIA_DISABLE_PLUGINS"):
        open_storage("s3://bucket/x")
    assert isinstance(open_storage(tmp_path), LocalStorage)
    assert open_storage("gs://bucket").uri("") == "gs://bucket"


def test_unknown_scheme_lists_known_ones() -> None:
    with pytest.raises(PluginNotFoundError) as info:
        open_storage("nosuch://host/dir")
    message = str(info.value)
    assert "nosuch://" in message
    for scheme in ("file://", "gs://", "s3://"):
        assert scheme in message


class OverridingS3(StorageBackend):
    """A runtime-registered plugin that claims the s3 scheme."""

    schemes = ("s3",)

    def __init__(self, uri: str, **options: Any) -> None:
        self.base = uri

    def put(self, key: str, source: Any, content_type: str | None = None) -> StoredObject:
        raise NotImplementedError

    def open_read(self, key: str) -> Any:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        return False

    def delete(self, key: str) -> None:
        pass

    def list(self, prefix: str = "") -> list[str]:
        return []

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        return "https://cdn.example/" + key

    def uri(self, key: str) -> str:
        return self.base


class OverridePlugin:
    @hookimpl
    def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
        return [OverridingS3]


def test_a_plugin_overrides_a_builtin_scheme() -> None:
    get_plugin_manager().register(OverridePlugin(), name="override")
    assert isinstance(open_storage("s3://bucket/p"), OverridingS3)
    assert by_name()["override"].source == "registered"
    assert by_name()["override"].schemes == ("s3",)
    assert by_name()["s3"].schemes == ("s3",)


def test_output_saved_hook_is_called(third_party: Path, tmp_path: Path) -> None:
    from bria_tailored.storage.sidecar import save_output

    with pytest.warns(PluginLoadWarning):
        get_plugin_manager()
    stored = save_output(tmp_path / "out", "img.png", b"png", {"request_id": "r-1", "seed": 7})
    module = sys.modules["bria_mem_storage"]
    assert len(module.SAVED) == 1
    saved, metadata = module.SAVED[0]
    assert saved == stored and metadata["request_id"] == "r-1" and metadata["seed"] == 7


def test_a_failing_output_hook_only_warns(tmp_path: Path) -> None:
    class Failing:
        @hookimpl
        def bria_tailored_output_saved(self, stored: Any) -> None:
            raise RuntimeError("indexer is down")

    from bria_tailored.storage.sidecar import save_output

    get_plugin_manager().register(Failing(), name="failing-indexer")
    with pytest.warns(PluginLoadWarning, match="indexer is down"):
        stored = save_output(tmp_path, "a.png", b"x", {})
    assert open_storage(tmp_path).exists("a.png")
    assert json.loads(open_storage(tmp_path).read_bytes("a.png.json"))["sha256"] == stored.sha256


def test_reset_rereads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_plugin_manager()
    monkeypatch.setenv("BRIA_DISABLE_PLUGINS", "gcs")
    assert get_plugin_manager() is first  # cached until reset
    plugins.reset_plugin_manager()
    assert get_plugin_manager() is not first
    assert by_name()["gcs"].disabled


def test_importing_storage_does_not_import_cloud_libraries() -> None:
    code = (
        "import sys, bria_tailored.storage, bria_tailored.plugins\n"
        "bria_tailored.plugins.plugin_info()\n"
        "bria_tailored.storage.open_storage('.')\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'google.cloud.storage') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_child_env()
    )
    assert result.stdout.strip() == "[]"


def _child_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def test_plugin_manager_is_built_once_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        managers = list(pool.map(lambda _: get_plugin_manager(), range(32)))
    assert all(m is managers[0] for m in managers)
    from bria_tailored import plugins

    assert len(managers[0].list_name_plugin()) == len(plugins.DEFAULT_PLUGINS)


def test_the_plugins_command_lists_a_third_party_plugin_and_a_broken_one(
    third_party: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bria_tailored.__main__ import main

    with pytest.warns(PluginLoadWarning):
        code = main(["plugins", "--json"])
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert listed["memory"]["schemes"] == ["mem"] and listed["memory"]["distribution"] == "bria-mem-storage"
    assert listed["memory"]["version"] == "1.2.3"
    assert "boom" in listed["broken"]["error"]
    assert {"local", "s3", "gcs"} <= set(listed)
