"""The plugin passes bria-tailored's storage conformance kit, and is found through its entry point.

Run with ``pytest examples/storage-plugin`` once the package is installed (``pip install -e
examples/storage-plugin``): the tests open the storage by URI, as users will, so they go through the
entry point and the plugin manager, not through an import of the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bria_tailored.plugins import plugin_info
from bria_tailored.storage import StorageBackend, open_storage
from bria_tailored.testing import StorageConformance


class TestSQLiteStorage(StorageConformance):
    """Every property of the contract (one test each), on a fresh database per test."""

    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[StorageBackend]:
        with open_storage(f"sqlite://{tmp_path}/objects.db") as store:
            yield store


def test_the_entry_point_registers_the_plugin() -> None:
    info = {entry.name: entry for entry in plugin_info()}["sqlite"]
    assert info.source == "entry point" and info.error is None
    assert info.schemes == ("sqlite",) and info.distribution == "bria-sqlite-storage"


def test_objects_outlive_the_storage_object(tmp_path: Path) -> None:
    uri = f"sqlite://{tmp_path}/objects.db"
    open_storage(uri).put("a/b.txt", b"kept on disk")
    store = open_storage(uri)
    assert store.read_bytes("a/b.txt") == b"kept on disk" and list(store.list("a/")) == ["a/b.txt"]
    assert type(store).__module__ == "bria_sqlite_storage.storage"
