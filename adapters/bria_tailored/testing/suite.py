"""``StorageConformance``: the conformance kit as a pytest test class, one test per property.

Subclass it in a test module (the name must start with ``Test``) and say which storage to test::

    from bria_tailored.testing import StorageConformance

    class TestMemoryStorage(StorageConformance):
        storage_uri = "mem://conformance"           # opened with open_storage(uri, **storage_options)

or override the ``storage`` fixture to build the backend yourself (with your own fixtures: a server, a
bucket, credentials)::

    class TestMyStorage(StorageConformance):
        @pytest.fixture
        def storage(self, my_server: str) -> Iterator[StorageBackend]:
            with MyStorage(f"my://{my_server}/bucket") as store:
                yield store

With neither, the URI comes from ``--bria-storage-uri`` (the pytest plugin
``bria_tailored.testing.plugin``, loaded with ``-p bria_tailored.testing.plugin``). ``conformance_options``
(a :class:`KitOptions`) tunes the large object's size, the memory limit and the HTTP timeout.

Every test runs in its own namespace of keys (``bria-conformance-<random>/<check>/``) that is emptied
afterwards, whether the test passed or not; objects that could not be deleted are reported as a
``ConformanceCleanupWarning``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import pytest

from ..storage import StorageBackend, open_storage
from .checks import check_by_name
from .runner import run_check
from .workspace import KitOptions

__all__ = ["StorageConformance"]

URI_OPTION = "bria_storage_uri"


class StorageConformance:
    """The storage conformance kit for pytest. Subclass as ``Test...``; set :attr:`storage_uri` (and
    :attr:`storage_options`) or override the :meth:`storage` fixture."""

    #: The storage to test, opened with ``open_storage(storage_uri, **storage_options)``.
    storage_uri: ClassVar[str | None] = None
    #: Keyword options for the backend's constructor.
    storage_options: ClassVar[Mapping[str, object]] = MappingProxyType({})
    #: The kit's knobs: large object size, memory limit, HTTP timeout, threads.
    conformance_options: ClassVar[KitOptions] = KitOptions()

    @pytest.fixture
    def storage(self, request: pytest.FixtureRequest) -> Iterator[StorageBackend]:
        """The backend under test (override this fixture to build it yourself)."""
        uri = self.storage_uri or _uri_option(request.config)
        if not uri:
            pytest.fail(
                f"{type(self).__name__}: set storage_uri = '...' on the class, override the storage "
                "fixture, or run pytest with -p bria_tailored.testing.plugin --bria-storage-uri URI",
                pytrace=False,
            )
        with open_storage(uri, **self.storage_options) as store:
            yield store

    def _run(self, name: str, storage: StorageBackend) -> str | None:
        __tracebackhide__ = True
        return run_check(check_by_name(name), storage, self.conformance_options)

    def test_basic_operations(self, storage: StorageBackend) -> None:
        """put, open_read, exists, delete and list work together on one object."""
        self._run("basic_operations", storage)

    def test_listing(self, storage: StorageBackend) -> None:
        """list(prefix) gives exactly the keys starting with the prefix, relative to the storage."""
        self._run("listing", storage)

    def test_large_object(self, storage: StorageBackend) -> None:
        """A 64 MiB object is put and read back in constant memory (tracemalloc), with the right digest."""
        self._run("large_object", storage)

    def test_stored_object(self, storage: StorageBackend) -> None:
        """StoredObject carries the key, uri, size and sha256 of what was put, from every kind of source."""
        self._run("stored_object", storage)

    def test_content_types(self, storage: StorageBackend) -> None:
        """The caller's content type is kept; otherwise it is guessed from the key's extension."""
        self._run("content_types", storage)

    def test_overwrite(self, storage: StorageBackend) -> None:
        """A second put replaces the object entirely."""
        self._run("overwrite", storage)

    def test_atomic_writes(self, storage: StorageBackend) -> None:
        """A put whose source fails leaves no partial object, and an existing object unchanged."""
        self._run("atomic_writes", storage)

    def test_concurrent_puts(self, storage: StorageBackend) -> None:
        """Puts from several threads to distinct keys all land intact."""
        self._run("concurrent_puts", storage)

    def test_unicode_keys(self, storage: StorageBackend) -> None:
        """Keys with unicode, spaces and URL-reserved characters round-trip exactly."""
        self._run("unicode_keys", storage)

    def test_invalid_keys(self, storage: StorageBackend) -> None:
        """Traversal (``..``), absolute and empty keys are rejected with StorageError by every operation."""
        self._run("invalid_keys", storage)

    def test_public_url(self, storage: StorageBackend) -> None:
        """public_url is fetched with a plain httpx GET, byte for byte, or raises NotPubliclyAddressableError."""
        self._run("public_url", storage)

    def test_delete_missing(self, storage: StorageBackend) -> None:
        """Deleting a key that does not exist is not an error."""
        self._run("delete_missing", storage)

    def test_error_types(self, storage: StorageBackend) -> None:
        """Missing objects raise ObjectNotFoundError; a failing source's error reaches the caller."""
        self._run("error_types", storage)


def _uri_option(config: pytest.Config) -> str | None:
    value: object = config.getoption(URI_OPTION, default=None)
    return value if isinstance(value, str) and value else None
