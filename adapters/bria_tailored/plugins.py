"""The plugin manager: built-in storage backends and third-party plugins, loaded once and listed for the CLI.

The built-in backends (plugins ``local``, ``s3`` and ``gcs``) are registered exactly like third-party
plugins: each is a module with a ``@hookimpl(trylast=True)`` implementation of
``bria_tailored_storage_backends``, so a third-party plugin offering the same scheme wins. Third-party
plugins come from the entry-point group ``bria_tailored``; one that fails to import (or to register) is
recorded, reported with a warning and skipped: it never breaks the client. ``BRIA_DISABLE_PLUGINS=a,b``
blocks plugins by name (entry-point names and the built-in names alike).

Public names: :data:`hookimpl` (decorate your hook functions with it), :func:`get_plugin_manager`,
:func:`plugin_info` (what ``bria-tailored plugins`` shows), :func:`storage_backends` (scheme → backend
class) and :func:`reset_plugin_manager` (for tests).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any, Literal

import attrs
import pluggy

from . import hookspecs
from ._version import __version__
from .hookspecs import hookimpl

__all__ = [
    "BUILTIN_PLUGINS",
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "PluginLoadWarning",
    "disabled_plugins",
    "get_plugin_manager",
    "hookimpl",
    "plugin_info",
    "reset_plugin_manager",
    "storage_backends",
]

PROJECT_NAME = "bria_tailored"
ENTRY_POINT_GROUP = "bria_tailored"
DISABLE_ENV = "BRIA_DISABLE_PLUGINS"
DISTRIBUTION = "bria-tailored"

#: Built-in plugin name → module registered under that name.
BUILTIN_PLUGINS: dict[str, str] = {
    "local": "bria_tailored.storage.local",
    "s3": "bria_tailored.storage.s3",
    "gcs": "bria_tailored.storage.gcs",
}

Source = Literal["builtin", "entry point", "registered"]


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded (or its hook failed) and was skipped."""


@attrs.define(frozen=True)
class PluginInfo:
    """One line of ``bria-tailored plugins``: a loaded, failed or disabled plugin."""

    name: str
    schemes: tuple[str, ...]
    distribution: str | None
    version: str | None
    source: Source
    error: str | None = None
    disabled: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None


@attrs.define(frozen=True)
class _Record:
    source: Source
    distribution: str | None
    version: str | None
    error: str | None = None
    disabled: bool = False


@attrs.define
class _State:
    manager: pluggy.PluginManager
    records: dict[str, _Record]


_lock = threading.RLock()
_state: _State | None = None
_building: pluggy.PluginManager | None = None


def disabled_plugins() -> frozenset[str]:
    """The plugin names blocked by ``BRIA_DISABLE_PLUGINS`` (comma separated, spaces ignored)."""
    raw = os.environ.get(DISABLE_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built on first use (thread-safe) and cached."""
    global _state, _building
    state = _state
    if state is not None:
        return state.manager
    with _lock:
        if _state is not None:
            return _state.manager
        if _building is not None:  # a plugin asked for the manager while being imported
            return _building
        manager = pluggy.PluginManager(PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        _building = manager
        try:
            records = _load(manager)
        finally:
            _building = None
        _state = _State(manager=manager, records=records)
        return manager


def reset_plugin_manager() -> None:
    """Forget the plugin manager; the next call rebuilds it (re-reading entry points and the environment)."""
    global _state
    with _lock:
        _state = None


def _load(manager: pluggy.PluginManager) -> dict[str, _Record]:
    records: dict[str, _Record] = {}
    blocked = disabled_plugins()
    for name in sorted(blocked):
        manager.set_blocked(name)

    for ep in _entry_points():
        dist_name, dist_version = _dist_of(ep)
        if ep.name in records:
            continue  # the same name from a second distribution: the first one wins, as in pluggy
        if ep.name in blocked:
            records[ep.name] = _Record("entry point", dist_name, dist_version, disabled=True)
            continue
        if ep.name in BUILTIN_PLUGINS:
            error = f"the name {ep.name!r} is taken by a built-in plugin; rename the entry point"
            records[ep.name] = _failed(ep.name, ep.value, "entry point", dist_name, dist_version, error)
            continue
        try:
            plugin = ep.load()
            manager.register(plugin, name=ep.name)
        except Exception as exc:  # a plugin must never break the client
            error = f"{type(exc).__name__}: {exc}"
            records[ep.name] = _failed(ep.name, ep.value, "entry point", dist_name, dist_version, error)
            continue
        records[ep.name] = _Record("entry point", dist_name, dist_version)

    for name, module_name in BUILTIN_PLUGINS.items():
        if name in blocked:
            records[name] = _Record("builtin", DISTRIBUTION, __version__, disabled=True)
            continue
        try:
            module = importlib.import_module(module_name)
            manager.register(module, name=name)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            records[name] = _failed(name, module_name, "builtin", DISTRIBUTION, __version__, error)
            continue
        records[name] = _Record("builtin", DISTRIBUTION, __version__)
    return records


def _entry_points() -> Iterator[importlib.metadata.EntryPoint]:
    try:
        yield from importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception as exc:  # a broken dist-info somewhere on sys.path
        warnings.warn(
            f"could not read the {ENTRY_POINT_GROUP!r} entry points: {exc}", PluginLoadWarning, stacklevel=3
        )


def _dist_of(ep: importlib.metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    try:
        return dist.metadata["Name"] or dist.name, dist.version
    except Exception:
        return None, None


def _failed(
    name: str, target: str, source: Source, dist: str | None, version: str | None, error: str
) -> _Record:
    warnings.warn(
        f"bria-tailored plugin {name!r} ({target}) failed to load and was skipped: {error}",
        PluginLoadWarning,
        stacklevel=4,
    )
    return _Record(source, dist, version, error=error)


def _current() -> _State:
    get_plugin_manager()
    state = _state
    assert state is not None
    return state


def _backends_by_plugin(manager: pluggy.PluginManager) -> list[tuple[str, list[type[Any]]]]:
    """Each plugin's backend classes, in call order (third-party first, built-ins last)."""
    result: list[tuple[str, list[type[Any]]]] = []
    caller = manager.hook.bria_tailored_storage_backends
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        try:
            classes: list[type[Any]] = list(impl.function() or [])  # type: ignore[call-overload]
        except Exception as exc:
            warnings.warn(
                f"bria-tailored plugin {impl.plugin_name!r}: bria_tailored_storage_backends() failed and was "
                f"skipped: {type(exc).__name__}: {exc}",
                PluginLoadWarning,
                stacklevel=3,
            )
            continue
        result.append((impl.plugin_name, [cls for cls in classes if _schemes_of(cls)]))
    return result


def _schemes_of(cls: Any) -> tuple[str, ...]:
    schemes = getattr(cls, "schemes", ())
    if isinstance(schemes, str):
        schemes = (schemes,)
    try:
        return tuple(str(s).lower().removesuffix("://") for s in schemes)
    except TypeError:
        return ()


def storage_backends() -> dict[str, type[Any]]:
    """URI scheme → backend class. When two plugins claim a scheme, a third-party one beats a built-in."""
    table: dict[str, type[Any]] = {}
    for _name, classes in _backends_by_plugin(get_plugin_manager()):
        for cls in classes:
            for scheme in _schemes_of(cls):
                table.setdefault(scheme, cls)
    return table


def plugin_info() -> list[PluginInfo]:
    """Every plugin the manager knows: loaded, failed and disabled (the data of ``bria-tailored plugins``)."""
    state = _current()
    schemes: dict[str, list[str]] = {}
    for name, classes in _backends_by_plugin(state.manager):
        for cls in classes:
            for scheme in _schemes_of(cls):
                if scheme not in schemes.setdefault(name, []):
                    schemes[name].append(scheme)
    infos: list[PluginInfo] = []
    seen: set[str] = set()
    for name, record in state.records.items():
        seen.add(name)
        infos.append(
            PluginInfo(
                name=name,
                schemes=tuple(schemes.get(name, ())),
                distribution=record.distribution,
                version=record.version,
                source=record.source,
                error=record.error,
                disabled=record.disabled,
            )
        )
    for name, _plugin in state.manager.list_name_plugin():
        if name is None or name in seen or _plugin is None:
            continue
        infos.append(PluginInfo(name, tuple(schemes.get(name, ())), None, None, "registered"))
    order = {"entry point": 0, "registered": 1, "builtin": 2}
    infos.sort(key=lambda info: (order[info.source], info.name))
    return infos
