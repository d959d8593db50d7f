"""The conformance kit itself: wrong backends fail it with messages naming the property (run with
pytest's ``pytester``, as a backend author would run the kit), and it cleans up after itself."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bria_tailored.storage import open_storage
from bria_tailored.testing import CHECKS, ConformanceFailure, KitOptions, check_by_name, run_check, run_checks

pytest_plugins = ["pytester"]

# A small, correct, dict-backed backend; the wrong ones below each break it in one place.
BACKEND = """
import hashlib
import io
import threading

from bria_tailored.errors import NotPubliclyAddressableError, ObjectNotFoundError
from bria_tailored.storage import StorageBackend, StoredObject, validate_key
from bria_tailored.storage.base import iter_chunks, validate_prefix
from bria_tailored.storage.sources import content_type_for, open_source

OBJECTS = {}
LOCK = threading.Lock()


class Reader(io.RawIOBase):
    def __init__(self, data):
        self.view, self.pos = memoryview(data), 0

    def readable(self):
        return True

    def read(self, size=-1):
        end = len(self.view) if size is None or size < 0 else self.pos + size
        chunk = bytes(self.view[self.pos : end])
        self.pos += len(chunk)
        return chunk


class DictStorage(StorageBackend):
    schemes = ("dict",)

    def __init__(self, uri="dict://kit", **options):
        self.base = uri.rstrip("/")

    def check(self, key):
        return validate_key(key)

    def put(self, key, source, content_type=None):
        key = self.check(key)
        digest, data = hashlib.sha256(), bytearray()
        with open_source(source) as src:
            ctype = content_type_for(key, content_type, src)
            for chunk in iter_chunks(src.stream):
                digest.update(chunk)
                data += chunk
                self.wrote_part(key, data)
        with LOCK:
            OBJECTS[key] = data
        return StoredObject(self.uri(key), key, len(data), digest.hexdigest(), ctype)

    def wrote_part(self, key, data):
        pass

    def open_read(self, key):
        key = self.check(key)
        with LOCK:
            if key not in OBJECTS:
                raise ObjectNotFoundError(f"no object at {self.uri(key)}")
            return Reader(OBJECTS[key])

    def exists(self, key):
        return self.check(key) in OBJECTS

    def delete(self, key):
        with LOCK:
            OBJECTS.pop(self.check(key), None)

    def list(self, prefix=""):
        prefix = validate_prefix(prefix)
        with LOCK:
            return sorted(k for k in OBJECTS if k.startswith(prefix))

    def public_url(self, key, expires_in=3600):
        self.check(key)
        raise NotPubliclyAddressableError("objects in a dict have no URL")

    def uri(self, key):
        return f"{self.base}/{self.check(key)}" if key else self.base
"""

KIT = """
import pytest
from bria_tailored.storage.sources import open_source
from bria_tailored.testing import KitOptions, StorageConformance
from dict_backend import OBJECTS, DictStorage


class {name}(DictStorage):
{body}


class TestIt(StorageConformance):
    conformance_options = KitOptions(large_object_size=8 * 1024 * 1024)

    @pytest.fixture
    def storage(self):
        yield {name}()
        assert OBJECTS == {{}}, f"the kit left objects behind: {{sorted(OBJECTS)}}"
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """pytest's own, with an ini file for the inner runs (pytest-asyncio wants its loop scope set)."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester


def run_kit(pytester: pytest.Pytester, name: str, body: str) -> pytest.RunResult:
    pytester.makepyfile(dict_backend=BACKEND)
    pytester.makepyfile(
        test_backend=KIT.format(name=name, body=textwrap.indent(textwrap.dedent(body), "    "))
    )
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "-rf", "-q")


def test_a_correct_backend_passes(pytester: pytest.Pytester) -> None:
    result = run_kit(pytester, "Correct", "pass")
    result.assert_outcomes(passed=len(CHECKS))


def test_a_non_atomic_backend_fails_atomic_writes(pytester: pytest.Pytester) -> None:
    body = """
    def wrote_part(self, key, data):  # each part is visible as it arrives, like open(path, "wb")
        OBJECTS[key] = data
    """
    result = run_kit(pytester, "NonAtomic", body)
    result.assert_outcomes(passed=len(CHECKS) - 1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *ConformanceFailure: atomic writes (no partial object after a failed put): a put that failed "
            "after * bytes left an object at 'bria-conformance-*/atomic_writes/new.bin' (exists() is True)",
            "FAILED test_backend.py::TestIt::test_atomic_writes - *",
        ]
    )


def test_a_backend_accepting_traversal_keys_fails_invalid_keys(pytester: pytest.Pytester) -> None:
    body = """
    def check(self, key):  # no validation: '../x', '/abs' and '' are all accepted
        return key
    """
    result = run_kit(pytester, "Trusting", body)
    result.assert_outcomes(passed=len(CHECKS) - 1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *ConformanceFailure: traversal, absolute and empty keys rejected with StorageError: * calls "
            "accepted a key that is empty, absolute or escapes the storage root: put('') returned StoredObject(*",
            "FAILED test_backend.py::TestIt::test_invalid_keys - *",
        ]
    )
    assert "put('../escape-bria-conformance-" in result.stdout.str()


def test_a_buffering_backend_fails_large_object(pytester: pytest.Pytester) -> None:
    body = """
    def put(self, key, source, content_type=None):
        with open_source(source) as src:
            data = src.stream.read()  # the whole object in memory before anything is stored
        return super().put(key, data, content_type)
    """
    result = run_kit(pytester, "Buffering", body)
    result.assert_outcomes(passed=len(CHECKS) - 1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *ConformanceFailure: streaming a large object in constant memory: put of a 8.0 MiB object "
            "held * MiB at its peak beyond what it kept (limit 4.0 MiB): the backend must stream the source, "
            "not buffer the object"
        ]
    )


def test_the_class_without_storage_says_how_to_configure_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_empty="from bria_tailored.testing import StorageConformance\n"
        "class TestNothing(StorageConformance):\n    pass\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-q", "-k", "basic")
    result.stdout.fnmatch_lines(["*set storage_uri = '...' on the class, override the storage fixture*"])


def test_the_pytest_plugin_gives_the_uri(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_uri="from bria_tailored.testing import StorageConformance\n"
        "class TestFromCommandLine(StorageConformance):\n    pass\n"
    )
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-p",
        "bria_tailored.testing.plugin",
        "--bria-storage-uri",
        "memory://bria-kit-plugin/x",
        "-q",
        "-k",
        "basic or listing or invalid",
    )
    result.assert_outcomes(passed=3)


# --------------------------------------------------------------------------------------------- without pytest
def test_run_checks_cleans_up_even_when_a_check_fails(tmp_path: Path) -> None:
    class Exploding(type(open_storage(tmp_path))):  # type: ignore[misc]
        def list(self, prefix: str = "") -> list[str]:
            listed = list(super().list(prefix))
            if "/listing/" in prefix:
                raise RuntimeError("listing is broken")
            return listed

    store = Exploding(tmp_path / "store")
    results = {
        r.name: r
        for r in run_checks(
            store, KitOptions(large_object_size=1024 * 1024), only=["listing", "basic_operations"]
        )
    }
    assert results["basic_operations"].passed
    failed = results["listing"]
    assert failed.status == "failed" and failed.message is not None
    assert failed.message.startswith("listing under a prefix: list('bria-conformance-")
    assert "RuntimeError: listing is broken" in failed.message
    assert not any(p.is_file() for p in (tmp_path / "store").rglob("*"))


def test_failures_name_their_property() -> None:
    failure = ConformanceFailure("atomic writes", "something broke")
    assert str(failure) == "atomic writes: something broke" and isinstance(failure, AssertionError)
    with pytest.raises(KeyError, match="known: basic_operations"):
        check_by_name("nope")
    with pytest.raises(ValueError, match="unknown conformance checks"):
        run_checks(open_storage("memory://x/y"), only=["nope"])


def test_an_unexpected_exception_becomes_a_failure_naming_the_property() -> None:
    class Raising(type(open_storage("memory://bria-kit/raising"))):  # type: ignore[misc]
        def exists(self, key: str) -> bool:
            raise KeyError(key)

    with pytest.raises(ConformanceFailure, match=r"^put/open_read/exists/delete/list: unexpected KeyError"):
        run_check(check_by_name("basic_operations"), Raising("memory://bria-kit/raising"))
