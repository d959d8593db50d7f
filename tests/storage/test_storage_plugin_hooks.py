"""The plugin hooks as pluggy calls them: hookwrappers see every call and can change what it returns, the
scheme table is built once and rebuilt when plugins change, a failing plugin is isolated, and every hook
call is traced to the ``bria_tailored.plugins`` logger (``BRIA_LOG=debug``)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from bria_tailored import plugins
from bria_tailored.errors import PluginNotFoundError
from bria_tailored.plugins import PluginLoadWarning, get_plugin_manager, hookimpl, plugin_info
from bria_tailored.storage import StorageBackend, StoredObject, open_storage
from bria_tailored.storage.local import LocalStorage
from bria_tailored.storage.s3 import S3Storage
from bria_tailored.storage.sidecar import save_output


class TapeStorage(StorageBackend):
    """A backend for a scheme no built-in handles (it only has to be constructible)."""

    schemes = ("tape",)

    def __init__(self, uri: str, **options: object) -> None:
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
        return f"https://tape.example/{key}"

    def uri(self, key: str) -> str:
        return f"{self.base}/{key}"


class TapePlugin:
    @hookimpl
    def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
        return [TapeStorage]


class BackendsTap:
    """A new-style wrapper around the backends hook: records each call and can veto schemes."""

    def __init__(self, veto: tuple[str, ...] = ()) -> None:
        self.calls: list[list[type[StorageBackend]]] = []
        self.veto = veto

    @hookimpl(wrapper=True)
    def bria_tailored_storage_backends(self) -> Generator[None, list[list[type[Any]]], list[list[type[Any]]]]:
        offers = yield
        self.calls.append([cls for offer in offers for cls in offer])
        return [[cls for cls in offer if not set(cls.schemes) & set(self.veto)] for offer in offers]


def test_a_hookwrapper_sees_the_backends_call_and_can_veto_a_scheme(tmp_path: Path) -> None:
    tap = BackendsTap(veto=("s3",))
    get_plugin_manager().register(tap, name="no-s3")

    assert isinstance(open_storage(tmp_path), LocalStorage)
    with pytest.raises(PluginNotFoundError, match="no storage backend handles s3://"):
        open_storage("s3://bucket/prefix")
    open_storage("gs://bucket/prefix")

    assert len(tap.calls) == 1  # one hook call serves every open_storage
    assert {cls.__name__ for cls in tap.calls[0]} == {
        "LocalStorage",
        "S3Storage",
        "GCSStorage",
        "FsspecStorage",
    }


def test_the_scheme_table_is_built_once_and_rebuilt_when_plugins_change(tmp_path: Path) -> None:
    tap = BackendsTap()
    manager = get_plugin_manager()
    manager.register(tap, name="tap")
    for _ in range(50):
        open_storage(tmp_path)
        open_storage("s3://bucket/a")
    assert len(tap.calls) == 1

    tape = TapePlugin()
    manager.register(tape, name="tape")  # takes effect at once
    assert isinstance(open_storage("tape://reel"), TapeStorage)
    open_storage("tape://reel/2")
    assert len(tap.calls) == 2

    manager.unregister(tape)
    with pytest.raises(PluginNotFoundError, match="tape://"):
        open_storage("tape://reel")
    assert len(tap.calls) == 3
    assert isinstance(open_storage("s3://bucket/a"), S3Storage)
    assert len(tap.calls) == 3


def test_plugins_changed_picks_up_a_plugin_whose_offer_changed() -> None:
    class Switchable:
        def __init__(self) -> None:
            self.offer: list[type[StorageBackend]] = []

        @hookimpl
        def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
            return self.offer

    plugin = Switchable()
    get_plugin_manager().register(plugin, name="switchable")
    with pytest.raises(PluginNotFoundError):
        open_storage("tape://reel")
    plugin.offer = [TapeStorage]
    plugins.plugins_changed()
    assert isinstance(open_storage("tape://reel"), TapeStorage)


def test_a_plugin_whose_backends_hook_raises_is_reported_and_left_out(tmp_path: Path) -> None:
    class Broken:
        @hookimpl
        def bria_tailored_storage_backends(self) -> list[type[StorageBackend]]:
            raise RuntimeError("cannot reach the plugin's config service")

    manager = get_plugin_manager()
    manager.register(TapePlugin(), name="tape")
    manager.register(Broken(), name="broken-at-runtime")
    with pytest.warns(
        PluginLoadWarning, match="'broken-at-runtime'.*cannot reach the plugin's config service"
    ):
        assert isinstance(open_storage(tmp_path), LocalStorage)
    assert isinstance(open_storage("tape://reel"), TapeStorage)  # the other plugins keep working

    infos = {info.name: info for info in plugin_info()}
    assert infos["broken-at-runtime"].failed
    assert "cannot reach the plugin's config service" in (infos["broken-at-runtime"].error or "")
    assert infos["tape"].schemes == ("tape",) and not infos["tape"].failed


class SavedTap:
    """An old-style hookwrapper around the output-saved hook: sees every call and its outcome."""

    def __init__(self) -> None:
        self.calls: list[tuple[StoredObject, dict[str, object], BaseException | None]] = []

    @hookimpl(hookwrapper=True)
    def bria_tailored_output_saved(
        self, stored: StoredObject, metadata: dict[str, object]
    ) -> Generator[None, pluggy.Result[None], None]:
        outcome = yield
        self.calls.append((stored, metadata, outcome.exception))


def test_a_hookwrapper_sees_every_output_saved_call(tmp_path: Path) -> None:
    tap = SavedTap()
    get_plugin_manager().register(tap, name="saved-tap")

    first = save_output(tmp_path, "a.png", b"one", {"request_id": "r-1", "team": "design"})
    second = save_output(tmp_path, "b.png", b"two", {"request_id": "r-2"})

    assert [call[0] for call in tap.calls] == [first, second]
    assert tap.calls[0][1]["request_id"] == "r-1" and tap.calls[0][1]["team"] == "design"
    assert tap.calls[1][1]["sha256"] == second.sha256
    assert [call[2] for call in tap.calls] == [None, None]


def test_a_failing_output_hook_is_a_warning_naming_the_plugin_and_wrappers_see_the_error(
    tmp_path: Path,
) -> None:
    class Indexer:
        @hookimpl
        def bria_tailored_output_saved(self, stored: StoredObject) -> None:
            raise ConnectionError("index is down")

    tap = SavedTap()
    manager = get_plugin_manager()
    manager.register(tap, name="saved-tap")
    manager.register(Indexer(), name="indexer")
    with pytest.warns(PluginLoadWarning, match="plugin 'indexer'.*index is down"):
        stored = save_output(tmp_path, "a.png", b"x", {})
    assert open_storage(tmp_path).exists("a.png") and stored.size == 1
    assert isinstance(tap.calls[0][2], ConnectionError)


def test_hook_calls_are_traced_to_the_plugins_logger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bria_tailored.plugins")
    open_storage(tmp_path)
    save_output(tmp_path, "a.png", b"x", {"prompt": "a red fox"})

    lines = [r.getMessage() for r in caplog.records if r.name == "bria_tailored.plugins"]
    assert any(
        line.startswith("hook bria_tailored_storage_backends() -> ") and "local" in line for line in lines
    )
    assert any("bria_tailored_storage_backends returned" in line and "LocalStorage" in line for line in lines)
    saved = [line for line in lines if line.startswith("hook bria_tailored_output_saved(")]
    assert saved and "a red fox" in saved[0]


def test_a_firstresult_hook_added_by_a_plugin_is_called_and_traced_like_the_sdks_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The manager is plain pluggy: a plugin may add hooks for other plugins, with pluggy's options."""
    hookspec = pluggy.HookspecMarker("bria_tailored")

    class PricingSpec:
        @hookspec(firstresult=True)
        def bria_pricing_quote(self, key: str) -> str | None:
            """The first plugin that knows a price answers."""

    class Cheap:
        @hookimpl(trylast=True)
        def bria_pricing_quote(self, key: str) -> str:
            return "0.01"

    class Premium:
        @hookimpl
        def bria_pricing_quote(self, key: str) -> str | None:
            return "0.09" if key.endswith(".mp4") else None

    caplog.set_level(logging.DEBUG, logger="bria_tailored.plugins")
    manager = get_plugin_manager()
    manager.add_hookspecs(PricingSpec)
    manager.register(Cheap(), name="cheap")
    manager.register(Premium(), name="premium")
    assert manager.hook.bria_pricing_quote(key="clip.mp4") == "0.09"
    assert manager.hook.bria_pricing_quote(key="a.png") == "0.01"
    lines = [r.getMessage() for r in caplog.records if r.name == "bria_tailored.plugins"]
    assert "hook bria_pricing_quote(key='clip.mp4') -> premium, cheap" in lines
    assert "hook bria_pricing_quote returned '0.09'" in lines


def test_bria_log_debug_sends_the_trace_to_stderr(tmp_path: Path) -> None:
    code = "import sys; from bria_tailored.storage import open_storage; open_storage(sys.argv[1])"
    env = {**os.environ, "BRIA_LOG": "debug", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("BRIA_DISABLE_PLUGINS", None)
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True, env=env
    )
    assert "bria_tailored.plugins DEBUG hook bria_tailored_storage_backends() -> " in result.stderr
    assert "LocalStorage" in result.stderr
