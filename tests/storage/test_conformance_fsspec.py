"""The fsspec bridge: ``memory://`` and Azure Blob through adlfs (``az://``, ``abfs://``, against Azurite)
pass the conformance kit; the bridge is a plugin like the others and native backends win over it."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from bria_tailored.errors import NotPubliclyAddressableError, PluginNotFoundError, StorageError
from bria_tailored.plugins import plugin_info, storage_backends
from bria_tailored.storage import StorageBackend, open_storage
from bria_tailored.storage.fsspec import FsspecStorage, available_schemes
from bria_tailored.storage.gcs import GCSStorage
from bria_tailored.storage.local import LocalStorage
from bria_tailored.storage.s3 import S3Storage
from bria_tailored.testing import StorageConformance


class TestMemoryConformance(StorageConformance):
    """The two-line form: a URI the plugin system resolves."""

    storage_uri = f"memory://bria-kit-{uuid.uuid4().hex[:8]}/prefix"


@pytest.fixture(params=["az", "abfs"])
def azure_storage(
    request: pytest.FixtureRequest, azure_container: str, azurite_connection_string: str
) -> Iterator[FsspecStorage]:
    scheme: str = request.param
    with open_storage(
        f"{scheme}://{azure_container}/kit", connection_string=azurite_connection_string
    ) as store:
        assert isinstance(store, FsspecStorage)
        yield store


class TestAzureConformance(StorageConformance):
    """Azure Blob through adlfs against Azurite, with SAS-signed public URLs."""

    @pytest.fixture
    def storage(self, azure_storage: FsspecStorage) -> FsspecStorage:
        return azure_storage


# --------------------------------------------------------------------------------------------- the bridge
def test_native_backends_win_over_the_bridge() -> None:
    table = storage_backends()
    assert table["file"] is LocalStorage and table["s3"] is S3Storage and table["gs"] is GCSStorage
    assert (
        table["memory"] is FsspecStorage and table["az"] is FsspecStorage and table["abfs"] is FsspecStorage
    )


def test_the_bridge_is_listed_as_a_builtin_plugin() -> None:
    info = {entry.name: entry for entry in plugin_info()}["fsspec"]
    assert info.source == "builtin" and info.error is None
    assert {"memory", "az", "abfs", "abfss"} <= set(info.schemes)
    assert not {"file", "local", "http", "https", "zip", "simplecache"} & set(info.schemes)


def test_disabling_the_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    from bria_tailored.plugins import reset_plugin_manager

    monkeypatch.setenv("BRIA_DISABLE_PLUGINS", "fsspec")
    reset_plugin_manager()
    with pytest.raises(PluginNotFoundError, match="memory://"):
        open_storage("memory://bucket/x")


def test_the_bridge_never_offers_local_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from bria_tailored.plugins import reset_plugin_manager

    monkeypatch.setenv("BRIA_DISABLE_PLUGINS", "local")
    reset_plugin_manager()
    assert "file" not in storage_backends()  # fsspec's local filesystem is never offered


def test_runtime_registered_fsspec_implementations_are_offered() -> None:
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    from bria_tailored.plugins import plugins_changed

    class KitMemory(MemoryFileSystem):
        protocol = "kitmem"

    fsspec.register_implementation("kitmem", KitMemory, clobber=True)
    try:
        assert "kitmem" in available_schemes()
        plugins_changed()
        store = open_storage("kitmem://bucket/prefix")
        stored = store.put("a/b.txt", b"hello")
        assert stored.uri == "kitmem://bucket/prefix/a/b.txt" and store.read_bytes("a/b.txt") == b"hello"
        store.delete("a/b.txt")
    finally:
        importlib.import_module("fsspec.registry")._registry.pop("kitmem", None)  # no public unregister
        plugins_changed()


def test_memory_has_no_public_url() -> None:
    store = open_storage("memory://bria-kit/no-url")
    with pytest.raises(NotPubliclyAddressableError, match="cannot sign"):
        store.public_url("a.png")


class TestRenamingConformance(StorageConformance):
    """A filesystem that is neither memory nor an object store (fsspec's local one, built directly: the
    bridge never offers it): writes go to a hidden temporary file, moved into place when complete."""

    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[StorageBackend]:
        with FsspecStorage(f"local://{tmp_path}/store") as store:
            yield store


class BrokenMemory(MemoryFileSystem):
    """A memory filesystem whose every check fails like a lost connection."""

    def isfile(self, path: str) -> bool:
        raise ConnectionError("the filesystem went away")


def test_filesystem_errors_are_storage_errors_chained_to_the_original() -> None:
    store = FsspecStorage("memory://bria-kit/broken", filesystem=BrokenMemory())
    with pytest.raises(StorageError, match="the filesystem went away") as info:
        store.exists("a.txt")
    assert isinstance(info.value.__cause__, ConnectionError)


def test_a_failing_upload_to_azure_is_never_committed(azure_storage: FsspecStorage) -> None:
    from bria_tailored.testing.streams import FailingSource, SourceFailure

    with pytest.raises(SourceFailure):
        azure_storage.put(
            "big.bin", FailingSource(12 * 1024 * 1024)
        )  # two 5 MiB blocks staged, then it fails
    assert not azure_storage.exists("big.bin") and list(azure_storage.list()) == []


def test_azure_sas_url_is_read_only_and_expires(azure_storage: FsspecStorage) -> None:
    azure_storage.put("pixel.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    url = azure_storage.public_url("pixel.png", expires_in=120)
    query = httpx.URL(url).params
    assert query["sp"] == "r" and "sig" in query and "se" in query
    assert httpx.get(url).content == b"\x89PNG\r\n\x1a\n"
    refused = httpx.put(url, content=b"overwrite", headers={"x-ms-blob-type": "BlockBlob"})
    assert refused.status_code == 403  # a read-only SAS
    assert httpx.get(url).content == b"\x89PNG\r\n\x1a\n"
    azure_storage.delete("pixel.png")


def test_azure_without_a_key_cannot_sign(azure_container: str, azurite_blob_endpoint: str) -> None:
    store = open_storage(
        f"az://{azure_container}/kit",
        account_name="devstoreaccount1",
        anon=True,
        account_host=azurite_blob_endpoint,
    )
    with pytest.raises(StorageError):
        store.public_url("a.png")


def test_a_missing_implementation_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec.core

    def missing(uri: str, **options: object) -> object:
        raise ImportError("Install adlfs to access Azure Datalake Gen2 and Azure Blob Storage")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(PluginNotFoundError, match=r"bria-tailored\[azure\]"):
        FsspecStorage("az://container/prefix")
