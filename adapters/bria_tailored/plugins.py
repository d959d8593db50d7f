"""The plugin manager: pluggy used as pluggy, the built-in backends, third-party plugins, the scheme table.

* Hooks are declared in :mod:`bria_tailored.hookspecs` and always called as ``pm.hook.<name>(...)``, so
  hookwrappers, ``tryfirst``/``trylast``, ``firstresult`` and pluggy's call monitoring apply to them.
* The built-in plugins (:data:`DEFAULT_PLUGINS`: ``local``, ``s3``, ``gcs``) are registered exactly like
  third-party ones. Their implementations are ``trylast``, so a third-party plugin offering the same
  scheme wins.
* Third-party plugins come from the entry-point group ``bria_tailored``, each imported on its own: one
  that fails to import (or to register) is recorded, reported with a :class:`PluginLoadWarning` and
  skipped; it never breaks the client, and ``bria-tailored plugins`` lists it as failed.
  ``BRIA_DISABLE_PLUGINS=a,b`` blocks plugins by name (entry-point names and built-in names alike).
* Backends by scheme are resolved once, by one call of ``bria_tailored_storage_backends``, and cached on
  the manager. Registering or unregistering a plugin clears the cache; :func:`plugins_changed` does too,
  for a plugin whose offer changed while it stayed registered. A plugin whose implementation raises is
  reported, marked failed and left out.
* Every hook call is traced at DEBUG level to the ``bria_tailored.plugins`` logger (``BRIA_LOG=debug``
  sends it to stderr) through pluggy's ``add_hookcall_monitoring``: the hook, its arguments, the plugins
  in call order, and what it returned or raised.

Public names: :data:`hookimpl` (decorate your hook functions with it), :func:`get_plugin_manager`,
:func:`plugin_info` (what ``bria-tailored plugins`` shows), :func:`storage_backends` (scheme → backend
class), :func:`plugins_changed` and :func:`reset_plugin_manager` (for tests).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import os
import reprlib
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import CodeType, MappingProxyType
from typing import Literal, TypeAlias

import attrs
import pluggy

from . import hookspecs
from ._logging import configure_logging_from_env
from ._storage_base import StorageBackend
from ._version import __version__
from .hookspecs import hookimpl

__all__ = [
    "BUILTIN_PLUGINS",
    "DEFAULT_PLUGINS",
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "BackendTable",
    "BriaPluginManager",
    "PluginInfo",
    "PluginLoadWarning",
    "disabled_plugins",
    "get_plugin_manager",
    "hookimpl",
    "plugin_info",
    "plugins_changed",
    "raising_plugin",
    "reset_plugin_manager",
    "storage_backends",
]

PROJECT_NAME = "bria_tailored"
ENTRY_POINT_GROUP = "bria_tailored"
DISABLE_ENV = "BRIA_DISABLE_PLUGINS"
DISTRIBUTION = "bria-tailored"
BACKENDS_HOOK = "bria_tailored_storage_backends"

#: The built-in plugins, registered like third-party ones: plugin name → module.
DEFAULT_PLUGINS: Mapping[str, str] = MappingProxyType(
    {
        "local": "bria_tailored.storage.local",
        "s3": "bria_tailored.storage.s3",
        "gcs": "bria_tailored.storage.gcs",
        # last: among the trylast built-ins the first registered is called first, so this bridge to any
        # fsspec filesystem only gets the schemes no native backend (or third-party plugin) handles
        "fsspec": "bria_tailored.storage.fsspec",
        # the rate limiter backends (local://, redis://): the bria_tailored_rate_limiters hook
        "ratelimit": "bria_tailored.ratelimits",
    }
)
#: The name :data:`DEFAULT_PLUGINS` had before.
BUILTIN_PLUGINS = DEFAULT_PLUGINS

#: URI scheme → the backend class that handles it (read-only).
BackendTable: TypeAlias = Mapping[str, type[StorageBackend]]
Source = Literal["builtin", "entry point", "registered"]

log = logging.getLogger("bria_tailored.plugins")


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
    """Where a plugin came from, and why it is not in use (if it is not)."""

    source: Source
    distribution: str | None
    version: str | None
    error: str | None = None
    disabled: bool = False


class BriaPluginManager(pluggy.PluginManager):
    """pluggy's manager for project ``bria_tailored``, plus what the SDK derives from the plugins: the
    scheme table, cached until the set of plugins changes, and where each plugin came from."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.records: dict[str, _Record] = {}
        self._lock = threading.RLock()
        self._backends: BackendTable | None = None
        self._generation = 0
        self._failed: set[str] = set()  # plugins whose backends hook raised: left out from now on
        self.add_hookcall_monitoring(_trace_before, _trace_after)

    # ------------------------------------------------------------------ changes
    def register(self, plugin: object, name: str | None = None) -> str | None:
        try:
            return super().register(plugin, name)
        finally:
            self.plugins_changed()

    def unregister(self, plugin: object | None = None, name: str | None = None) -> object | None:
        if name is None and plugin is not None:
            name = self.get_name(plugin)
        removed = super().unregister(plugin, name)
        if name in self._failed:  # a runtime plugin that failed and is gone: forget it
            self._failed.discard(name)
            if self.records[name].source == "registered":
                del self.records[name]
        self.plugins_changed()
        return removed

    def plugins_changed(self) -> None:
        """Forget the scheme table; the next :meth:`storage_backends` calls the hook again."""
        with self._lock:
            self._generation += 1
            self._backends = None

    # ------------------------------------------------------------------ storage backends
    def storage_backends(self) -> BackendTable:
        """URI scheme → backend class, from one call of ``bria_tailored_storage_backends`` (cached).

        When two plugins claim a scheme, the one called first wins: third-party plugins before the
        ``trylast`` built-ins, and among equals the one registered last (pluggy's call order).
        """
        table = self._backends
        if table is not None:
            return table
        with self._lock:
            if self._backends is not None:
                return self._backends
            generation = self._generation
            built: dict[str, type[StorageBackend]] = {}
            for offered in self._offers():
                for cls in _backend_classes(offered):
                    for scheme in schemes_of(cls):
                        built.setdefault(scheme, cls)
            table = MappingProxyType(built)
            if generation == self._generation:  # no plugin came or went during the call
                self._backends = table
            return table

    def schemes_by_plugin(self) -> dict[str, tuple[str, ...]]:
        """Each plugin's own offer, asked plugin by plugin (for ``bria-tailored plugins``)."""
        providers = {
            impl.plugin_name
            for impl in self.hook.bria_tailored_storage_backends.get_hookimpls()
            if not (impl.wrapper or impl.hookwrapper) and impl.plugin_name not in self._failed
        }
        offers: dict[str, tuple[str, ...]] = {}
        for name in sorted(providers):
            others = [
                plugin for other, plugin in self.list_name_plugin() if other != name and plugin is not None
            ]
            schemes: dict[str, None] = {}  # ordered and unique
            for offered in self._offers(others):
                for cls in _backend_classes(offered):
                    schemes.update(dict.fromkeys(schemes_of(cls)))
            offers[name] = tuple(schemes)
        return offers

    def _offers(self, leave_out: Iterable[object] = ()) -> list[object]:
        """The results of ``bria_tailored_storage_backends``, in call order (third-party plugins first).

        ``leave_out`` (and plugins marked failed) are left out of the call through pluggy's
        ``subset_hook_caller``; otherwise it is the plain ``pm.hook`` call. An implementation that raises
        is reported, its plugin marked failed and the call made again without it; an error no plugin can
        be blamed for propagates.
        """
        removed = [*leave_out, *(plugin for name, plugin in self.list_name_plugin() if name in self._failed)]
        while True:
            if removed:
                caller = self.subset_hook_caller(BACKENDS_HOOK, remove_plugins=removed)
            else:
                caller = self.hook.bria_tailored_storage_backends
            try:
                results: list[object] = caller()
                return results
            except Exception as exc:
                name = raising_plugin(caller, exc)
                if name is None or name in self._failed:
                    raise
                self._mark_failed(name, exc)
                removed.append(self.get_plugin(name))

    def _mark_failed(self, name: str, exc: Exception) -> None:
        error = f"{BACKENDS_HOOK}() failed: {type(exc).__name__}: {exc}"
        self._failed.add(name)
        record = self.records.get(name) or _Record("registered", None, None)
        self.records[name] = attrs.evolve(record, error=error)
        warnings.warn(
            f"bria-tailored plugin {name!r}: {error}; its storage backends are skipped",
            PluginLoadWarning,
            stacklevel=2,
        )


def raising_plugin(caller: pluggy.HookCaller, exc: BaseException) -> str | None:
    """The name of the plugin whose hook implementation raised ``exc`` in a call of ``caller`` (None when
    the error came from elsewhere, e.g. pluggy itself)."""
    owners: dict[CodeType, str] = {}
    for impl in caller.get_hookimpls():
        code: object = getattr(inspect.unwrap(impl.function), "__code__", None)
        if isinstance(code, CodeType):
            owners[code] = impl.plugin_name
    found: str | None = None
    tb = exc.__traceback__
    while tb is not None:  # the innermost implementation frame is the one that raised
        owner = owners.get(tb.tb_frame.f_code)
        if owner is not None:
            found = owner
        tb = tb.tb_next
    return found


def schemes_of(cls: type[StorageBackend]) -> tuple[str, ...]:
    """A backend class's URI schemes, lower-cased and without ``://`` (a plain string counts as one)."""
    raw: object = getattr(cls, "schemes", ())
    items = [raw] if isinstance(raw, str) else _as_list(raw)
    return tuple(s.lower().removesuffix("://") for s in items if isinstance(s, str) and s)


def _backend_classes(offered: object) -> Iterator[type[StorageBackend]]:
    """The backend classes of one implementation's result (a list of classes; a single class is accepted)."""
    items: Iterable[object] = (offered,) if isinstance(offered, type) else _as_list(offered)
    for cls in items:
        if isinstance(cls, type) and issubclass(cls, StorageBackend) and schemes_of(cls):
            yield cls
        else:
            warnings.warn(
                f"{BACKENDS_HOOK}() offered {cls!r}, which is not a StorageBackend subclass with "
                "schemes = (...); it is ignored",
                PluginLoadWarning,
                stacklevel=3,
            )


def _as_list(offered: object) -> list[object]:
    if isinstance(offered, list | tuple | set | frozenset):
        return [*offered]
    return [offered]


# --------------------------------------------------------------------------------------------- tracing
_repr = reprlib.Repr()  # arguments and results, shortened: a sidecar shows whole, a long prompt does not
_repr.maxstring = 80
_repr.maxother = 200
_repr.maxdict = 24
_repr.maxlist = 24


def _trace_before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]) -> None:
    if log.isEnabledFor(logging.DEBUG):
        args = ", ".join(f"{name}={_repr.repr(value)}" for name, value in kwargs.items())
        called = ", ".join(impl.plugin_name for impl in reversed(impls)) or "no implementation"
        log.debug("hook %s(%s) -> %s", hook_name, args, called)


def _trace_after(
    outcome: pluggy.Result[object],
    hook_name: str,
    impls: Sequence[pluggy.HookImpl],
    kwargs: Mapping[str, object],
) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return
    if outcome.exception is not None:
        log.debug("hook %s raised %s: %s", hook_name, type(outcome.exception).__name__, outcome.exception)
    else:
        log.debug("hook %s returned %s", hook_name, _repr.repr(outcome.get_result()))


# --------------------------------------------------------------------------------------------- the manager
_lock = threading.RLock()
_manager: BriaPluginManager | None = None
_building: BriaPluginManager | None = None


def disabled_plugins() -> frozenset[str]:
    """The plugin names blocked by ``BRIA_DISABLE_PLUGINS`` (comma separated, spaces ignored)."""
    raw = os.environ.get(DISABLE_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def get_plugin_manager() -> BriaPluginManager:
    """The process-wide plugin manager, built on first use (thread-safe) and cached."""
    global _manager, _building
    manager = _manager
    if manager is not None:
        return manager
    with _lock:
        if _manager is not None:
            return _manager
        if _building is not None:  # a plugin asked for the manager while being imported
            return _building
        configure_logging_from_env()  # BRIA_LOG=debug traces hook calls without a client too
        manager = BriaPluginManager()
        _building = manager
        try:
            _load(manager)
        finally:
            _building = None
        _manager = manager
        return manager


def reset_plugin_manager() -> None:
    """Forget the plugin manager; the next call rebuilds it (re-reading entry points and the environment)."""
    global _manager
    with _lock:
        _manager = None


def plugins_changed() -> None:
    """Clear the cached scheme table of the current manager (registering or unregistering does it too)."""
    manager = _manager
    if manager is not None:
        manager.plugins_changed()


def storage_backends() -> BackendTable:
    """URI scheme → backend class. When two plugins claim a scheme, a third-party one beats a built-in."""
    return get_plugin_manager().storage_backends()


def _load(manager: BriaPluginManager) -> None:
    records = manager.records
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
        if ep.name in DEFAULT_PLUGINS:
            error = f"the name {ep.name!r} is taken by a built-in plugin; rename the entry point"
            records[ep.name] = _failed(ep.name, ep.value, "entry point", dist_name, dist_version, error)
            continue
        try:  # each plugin on its own: one that fails to import never stops the others
            plugin: object = ep.load()
            manager.register(plugin, name=ep.name)
        except Exception as exc:  # a plugin must never break the client
            error = f"{type(exc).__name__}: {exc}"
            records[ep.name] = _failed(ep.name, ep.value, "entry point", dist_name, dist_version, error)
            continue
        records[ep.name] = _Record("entry point", dist_name, dist_version)

    for name, module_name in DEFAULT_PLUGINS.items():
        if name in blocked:
            records[name] = _Record("builtin", DISTRIBUTION, __version__, disabled=True)
            continue
        try:
            manager.register(importlib.import_module(module_name), name=name)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            records[name] = _failed(name, module_name, "builtin", DISTRIBUTION, __version__, error)
            continue
        records[name] = _Record("builtin", DISTRIBUTION, __version__)


def _entry_points() -> Iterator[importlib.metadata.EntryPoint]:
    try:
        yield from importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception as exc:  # a broken dist-info somewhere on sys.path
        warnings.warn(
            f"could not read the {ENTRY_POINT_GROUP!r} entry points: {exc}", PluginLoadWarning, stacklevel=3
        )


def _dist_of(ep: importlib.metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = ep.dist
    if dist is None:
        return None, None
    try:
        return dist.metadata["Name"] or dist.name, dist.version
    except Exception:  # unreadable metadata: show the plugin without a distribution
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


def plugin_info() -> list[PluginInfo]:
    """Every plugin the manager knows: loaded, failed and disabled (the data of ``bria-tailored plugins``)."""
    manager = get_plugin_manager()
    schemes = manager.schemes_by_plugin()
    infos: list[PluginInfo] = []
    for name, record in manager.records.items():
        infos.append(
            PluginInfo(
                name=name,
                schemes=schemes.get(name, ()),
                distribution=record.distribution,
                version=record.version,
                source=record.source,
                error=record.error,
                disabled=record.disabled,
            )
        )
    for name, plugin in manager.list_name_plugin():
        if name in manager.records or plugin is None:
            continue
        infos.append(PluginInfo(name, schemes.get(name, ()), None, None, "registered"))
    order = {"entry point": 0, "registered": 1, "builtin": 2}
    infos.sort(key=lambda info: (order[info.source], info.name))
    return infos
