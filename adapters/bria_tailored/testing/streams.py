"""Test data for the conformance kit: large objects made on the fly, sources that fail on purpose, and a
memory meter.

* :class:`PatternSource` is a non-seekable binary stream of ``size`` bytes generated as it is read
  (every 1 MiB block starts with its index, so a truncated, repeated or reordered object is caught); it
  never holds more than one block, and knows the sha256 of what it produced.
* :class:`FailingSource` yields some bytes, then raises :class:`SourceFailure`: an upload that breaks
  half-way.
* :func:`measure_memory` is a context manager giving the memory a block of code held at its peak beyond
  what stayed allocated after it (tracemalloc: Python allocations of this process, all threads).
"""

from __future__ import annotations

import gc
import hashlib
import io
import random
import tracemalloc
from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import attrs

from .._storage_base import StorageBackend

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["FailingSource", "MemoryUse", "PatternSource", "SourceFailure", "measure_memory", "read_object"]

BLOCK = 1024 * 1024


def pattern_bytes(size: int, seed: int) -> bytes:
    """``size`` deterministic pseudo-random bytes (every byte value occurs), for small objects."""
    return random.Random(seed).randbytes(size)


class PatternSource(io.RawIOBase):
    """``size`` bytes made while they are read; ``hexdigest()`` is their sha256 once all were read."""

    def __init__(self, size: int, seed: int = 0) -> None:
        super().__init__()
        self.size = size
        self._base = pattern_bytes(BLOCK, seed)
        self._pos = 0
        self._block_index = -1
        self._block = b""
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def _block_at(self, index: int) -> bytes:
        if index != self._block_index:
            self._block_index = index
            self._block = index.to_bytes(8, "big") + self._base[8:]
        return self._block

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self._pos
        size = min(size, self.size - self._pos)
        if size <= 0:
            return b""
        parts: list[bytes] = []
        while size > 0:
            index, offset = divmod(self._pos, BLOCK)
            piece = self._block_at(index)[offset : offset + size]
            parts.append(piece)
            self._pos += len(piece)
            size -= len(piece)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._hash.update(data)
        return data

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def hexdigest(self) -> str:
        """sha256 of everything read so far (the whole object once the stream ended)."""
        return self._hash.hexdigest()

    @staticmethod
    def expected_digest(size: int, seed: int = 0) -> str:
        """The sha256 a fully read ``PatternSource(size, seed)`` has, computed block by block."""
        source = PatternSource(size, seed)
        while source.read(BLOCK):
            pass
        return source.hexdigest()


class SourceFailure(Exception):
    """Raised by :class:`FailingSource`: the kit's stand-in for a source that breaks during an upload."""


class FailingSource(io.RawIOBase):
    """Yields ``fail_after`` bytes, then raises :class:`SourceFailure` (a non-seekable stream)."""

    def __init__(self, fail_after: int, seed: int = 7) -> None:
        super().__init__()
        self._inner = PatternSource(fail_after, seed)
        self.failure = SourceFailure(
            f"conformance kit: the source failed on purpose after {fail_after} bytes"
        )

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # read to the end: that is, to the failure
            while self._inner.read(BLOCK):
                pass
            raise self.failure
        data = self._inner.read(min(size, 256 * 1024))
        if not data:
            raise self.failure
        return data

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


@attrs.define
class MemoryUse:
    """What :func:`measure_memory` found: ``transient`` bytes held at the peak beyond ``retained``."""

    peak: int = 0
    retained: int = 0

    @property
    def transient(self) -> int:
        return max(0, self.peak - self.retained)


@contextmanager
def measure_memory() -> Generator[MemoryUse, None, None]:
    """Measure the block's peak traced memory above both its start and its end (tracemalloc)."""
    use = MemoryUse()
    started = not tracemalloc.is_tracing()
    gc.collect()
    if started:
        tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        yield use
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        use.peak = max(0, peak - base)
        use.retained = max(0, current - base)
    finally:
        if started:
            tracemalloc.stop()


def read_object(storage: StorageBackend, key: str, chunk_size: int = BLOCK) -> bytes:
    """An object's bytes, read with ``open_read`` in chunks until the end (small objects only)."""
    parts: list[bytes] = []
    with storage.open_read(key) as stream:
        while True:
            chunk = stream.read(chunk_size)
            if not chunk:
                break
            parts.append(bytes(chunk))
    return b"".join(parts)
