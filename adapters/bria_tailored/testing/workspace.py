"""Where the conformance kit works: a private namespace of keys in the storage under test, cleaned up after.

A :class:`Workspace` hands out keys under ``bria-conformance-<random>/<check>/``, records every key before
anything is written to it (so a put that fails half-way, or a backend that wrongly accepts ``../`` keys,
is still cleaned up) and deletes all of them, plus whatever is left under its namespace, in
:meth:`Workspace.cleanup`. :class:`KitOptions` holds the kit's knobs; :class:`ConformanceFailure` is the
error every check raises: its message starts with the property that broke.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable

import attrs

from .._storage_base import SourceLike, StorageBackend, StoredObject

__all__ = ["MiB", "ConformanceFailure", "KitOptions", "Workspace", "expect"]

MiB = 1024 * 1024
NAMESPACE_PREFIX = "bria-conformance-"


@attrs.define(frozen=True)
class KitOptions:
    """The conformance kit's knobs (the defaults are what the issue and the docs promise)."""

    #: Size of the object streamed by the large-object check (64 MiB: bigger than any sane buffer).
    large_object_size: int = 64 * MiB
    #: The most memory a put or a read of that object may hold beyond what stays allocated afterwards
    #: (a store that keeps objects in this process's memory keeps them; that is not streaming overhead).
    #: ``None``: half of ``large_object_size`` (32 MiB): room for a few 8 MiB parts in flight, far from
    #: a copy of the object. Measured with tracemalloc (Python allocations of this whole process).
    stream_memory_limit: int | None = None
    #: Timeout (seconds) of the plain httpx GET of a ``public_url``.
    http_timeout: float = 60.0
    #: Threads (and twice as many keys) of the concurrent-puts check.
    concurrency: int = 8

    @property
    def memory_limit(self) -> int:
        if self.stream_memory_limit is not None:
            return self.stream_memory_limit
        return self.large_object_size // 2


class ConformanceFailure(AssertionError):
    """A storage backend broke a property of the contract; ``prop`` names it (``"atomic writes"``)."""

    __module__ = "bria_tailored.testing"  # where users import it from (and what pytest shows)

    def __init__(self, prop: str, detail: str) -> None:
        super().__init__(f"{prop}: {detail}")
        self.prop = prop
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.prop, self.detail))


def expect(condition: bool, prop: str, detail: str) -> None:
    """Raise :class:`ConformanceFailure` for ``prop`` unless ``condition`` holds."""
    __tracebackhide__ = True
    if not condition:
        raise ConformanceFailure(prop, detail)


class Workspace:
    """A private, self-cleaning area of keys in ``storage`` for one check (or one test)."""

    def __init__(self, storage: StorageBackend, options: KitOptions | None = None, name: str = "") -> None:
        self.storage = storage
        self.options = options or KitOptions()
        self.namespace = f"{NAMESPACE_PREFIX}{uuid.uuid4().hex[:12]}"
        self.prefix = f"{self.namespace}/{name}/" if name else f"{self.namespace}/"
        self._written: dict[str, None] = {}  # ordered set of every key a put was attempted on
        self._lock = threading.Lock()

    def key(self, name: str) -> str:
        """``name`` inside this workspace's namespace."""
        return self.prefix + name

    def track(self, key: str) -> None:
        """Remember ``key`` for :meth:`cleanup` (done by :meth:`put` before it writes)."""
        with self._lock:
            self._written[key] = None

    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        """``storage.put``, with ``key`` recorded for cleanup first."""
        self.track(key)
        return self.storage.put(key, source, content_type=content_type)

    @property
    def written(self) -> list[str]:
        with self._lock:
            return list(self._written)

    def cleanup(self) -> list[str]:
        """Delete every key written and anything left under the namespace; returns what could not be
        deleted (with the reason), empty when all is gone. Never raises."""
        problems: list[str] = []
        for key in reversed(self.written):
            _delete(self.storage, key, problems)
        try:
            leftovers = _listed(self.storage.list(self.prefix))
        except Exception as exc:  # a backend whose list is broken: the kit reports it elsewhere
            problems.append(f"list({self.prefix!r}) failed during cleanup: {type(exc).__name__}: {exc}")
            leftovers = []
        for key in leftovers:
            if key.startswith(self.prefix):
                _delete(self.storage, key, problems)
        with self._lock:
            self._written.clear()
        return problems


def _listed(keys: Iterable[str]) -> list[str]:
    return [key for key in keys if isinstance(key, str)]


def _delete(storage: StorageBackend, key: str, problems: list[str]) -> None:
    try:
        storage.delete(key)
    except Exception as exc:  # the invalid keys of that check raise here, as they should
        try:
            still_there = storage.exists(key)
        except Exception:
            still_there = False
        if still_there:
            problems.append(f"could not delete {key!r}: {type(exc).__name__}: {exc}")
