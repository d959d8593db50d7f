"""The properties a storage backend must have, one check function each, in :data:`CHECKS`.

Every check takes a :class:`~bria_tailored.testing.workspace.Workspace` (the backend plus a private
namespace of keys) and raises :class:`~bria_tailored.testing.workspace.ConformanceFailure` naming the
property when the backend breaks it. The checks use nothing but the ``StorageBackend`` contract, plain
httpx for ``public_url`` and the standard library, so they run under pytest (``StorageConformance``) and
without it (``bria-tailored plugins check URI``) alike.
"""

from __future__ import annotations

import functools
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import attrs
import httpx

from .._storage_base import SourceLike, StorageBackend, StoredObject
from ..errors import NotPubliclyAddressableError, ObjectNotFoundError, StorageError
from ..storage.sources import strip_query
from .streams import (
    BLOCK,
    FailingSource,
    PatternSource,
    SourceFailure,
    measure_memory,
    pattern_bytes,
    read_object,
)
from .workspace import ConformanceFailure, MiB, Workspace, expect

__all__ = ["CHECKS", "Check", "check_by_name"]


@attrs.define(frozen=True)
class Check:
    """One property of the contract: ``name`` (an identifier), ``title`` (what it checks) and the check."""

    name: str
    title: str
    run: Callable[[Workspace], str | None]  # returns a note for the report ("not publicly addressable")


# --------------------------------------------------------------------------------------------- helpers
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mib(n: int) -> str:
    return f"{n / MiB:.1f} MiB"


def _listed(storage: StorageBackend, prefix: str, prop: str) -> list[str]:
    try:
        keys = list(storage.list(prefix))
    except Exception as exc:
        raise ConformanceFailure(prop, f"list({prefix!r}) raised {type(exc).__name__}: {exc}") from exc
    bad = [key for key in keys if not isinstance(key, str)]
    expect(not bad, prop, f"list({prefix!r}) must yield keys as str, got {bad[:3]!r}")
    return keys


def _read(storage: StorageBackend, key: str, prop: str) -> bytes:
    try:
        return read_object(storage, key)
    except Exception as exc:
        raise ConformanceFailure(prop, f"open_read({key!r}) raised {type(exc).__name__}: {exc}") from exc


def _same(got: bytes, want: bytes) -> str:
    """Where two byte strings differ, for messages."""
    if got == want:
        return "identical"
    at = next(
        (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want))
    )
    return f"{len(got)} bytes instead of {len(want)}, first difference at offset {at}"


def _check_stored(stored: object, key: str, data: bytes, prop: str, storage: StorageBackend) -> StoredObject:
    expect(isinstance(stored, StoredObject), prop, f"put({key!r}) returned {stored!r}, not a StoredObject")
    assert isinstance(stored, StoredObject)
    expect(stored.key == key, prop, f"StoredObject.key is {stored.key!r}, expected {key!r}")
    expect(stored.size == len(data), prop, f"StoredObject.size of {key!r} is {stored.size}, not {len(data)}")
    expect(
        stored.sha256 == _sha(data),
        prop,
        f"StoredObject.sha256 of {key!r} is {stored.sha256!r}, not the sha256 of the bytes put ({_sha(data)})",
    )
    expect(
        stored.uri == storage.uri(key),
        prop,
        f"StoredObject.uri {stored.uri!r} differs from storage.uri({key!r}) = {storage.uri(key)!r}",
    )
    return stored


def _raises(call: Callable[[], object], kind: type[BaseException]) -> tuple[bool, str]:
    """Whether ``call`` raised ``kind``; otherwise what it did instead (for messages)."""
    try:
        result = call()
        if isinstance(result, Iterator):
            result = list(cast("Iterator[object]", result))  # a lazy list() raises only once iterated
        close: object = getattr(result, "close", None)
        if callable(close):  # a reader opened for a key that should have been refused
            close()
    except kind:
        return True, ""
    except Exception as exc:
        return False, f"raised {type(exc).__name__}: {exc}"
    return False, f"returned {result!r}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# --------------------------------------------------------------------------------------------- the checks
BASIC = "put/open_read/exists/delete/list"


def check_basic(ws: Workspace) -> None:
    storage, key = ws.storage, ws.key("object.txt")
    data = b"bria-tailored conformance kit\n" * 200
    expect(not storage.exists(key), BASIC, f"exists({key!r}) is True before anything was put there")
    _check_stored(ws.put(key, data, content_type="text/plain"), key, data, BASIC, storage)
    expect(storage.exists(key), BASIC, f"exists({key!r}) is False right after put")
    got = _read(storage, key, BASIC)
    expect(got == data, BASIC, f"open_read({key!r}) gave {_same(got, data)}")
    listed = _listed(storage, ws.prefix, BASIC)
    expect(listed == [key], BASIC, f"list({ws.prefix!r}) gave {listed!r}, expected [{key!r}]")
    storage.delete(key)
    expect(not storage.exists(key), BASIC, f"exists({key!r}) is still True after delete")
    listed = _listed(storage, ws.prefix, BASIC)
    expect(listed == [], BASIC, f"list({ws.prefix!r}) still gives {listed!r} after delete")
    ok, instead = _raises(lambda: read_object(storage, key), ObjectNotFoundError)
    expect(ok, BASIC, f"open_read of the deleted key {key!r} {instead}; expected ObjectNotFoundError")


LISTING = "listing under a prefix"


def check_listing(ws: Workspace) -> None:
    storage = ws.storage
    names = [
        "list/a.txt",
        "list/b/c.txt",
        "list/b/d/e.txt",
        "list-sibling.txt",
        "listing/f.txt",
        "other/g.txt",
    ]
    keys = [ws.key(name) for name in names]
    for i, key in enumerate(keys):
        ws.put(key, f"object {i}\n".encode())

    def expect_listing(prefix: str, wanted: Iterable[str], rule: str) -> None:
        got = _listed(storage, prefix, LISTING)
        expect(len(got) == len(set(got)), LISTING, f"list({prefix!r}) repeats keys: {sorted(got)!r}")
        expect(
            sorted(got) == sorted(wanted),
            LISTING,
            f"list({prefix!r}) gave {sorted(got)!r}, expected {sorted(wanted)!r} ({rule})",
        )

    expect_listing(ws.key("list/"), keys[:3], "every key under the folder, at any depth")
    expect_listing(ws.key("list/b/"), keys[1:3], "only the keys under that sub-folder")
    expect_listing(ws.key("list"), keys[:5], "a prefix is a string prefix, not only a folder")
    expect_listing(ws.key("list/b/c"), keys[1:2], "a prefix may end inside a name")
    expect_listing(ws.key("nothing-here/"), [], "an empty prefix lists nothing, without raising")
    expect_listing(ws.prefix, keys, "keys are relative to the storage, as put")
    # list() of the whole storage: every key of ours is in it (a real bucket holds others too)
    missing = set(keys)
    scanned = 0
    for key in storage.list():
        missing.discard(key)
        scanned += 1
        if not missing or scanned > 100_000:
            break
    expect(
        not missing or scanned > 100_000,
        LISTING,
        f"list() (the whole storage) does not include {sorted(missing)!r}",
    )


LARGE = "streaming a large object in constant memory"


def check_large_object(ws: Workspace) -> None:
    storage, options = ws.storage, ws.options
    size, limit = options.large_object_size, options.memory_limit
    key = ws.key("large.bin")
    source = PatternSource(size, seed=64)
    with measure_memory() as put_memory:
        stored = ws.put(key, source, content_type="application/octet-stream")
    digest = source.hexdigest()
    expect(isinstance(stored, StoredObject), LARGE, f"put returned {stored!r}, not a StoredObject")
    expect(stored.size == size, LARGE, f"StoredObject.size is {stored.size}, the object has {size} bytes")
    expect(stored.sha256 == digest, LARGE, f"StoredObject.sha256 is {stored.sha256!r}, expected {digest}")
    expect(
        put_memory.transient <= limit,
        LARGE,
        f"put of a {_mib(size)} object held {_mib(put_memory.transient)} at its peak beyond what it kept "
        f"(limit {_mib(limit)}): the backend must stream the source, not buffer the object",
    )
    reader = hashlib.sha256()
    total = 0
    with measure_memory() as read_memory:
        with storage.open_read(key) as stream:
            while True:
                chunk = stream.read(BLOCK)
                if not chunk:
                    break
                reader.update(chunk)
                total += len(chunk)
                del chunk
    expect(total == size, LARGE, f"open_read gave {total} bytes of the {size} put")
    expect(reader.hexdigest() == digest, LARGE, "open_read gave other bytes than were put (sha256 differs)")
    expect(
        read_memory.transient <= limit,
        LARGE,
        f"reading the {_mib(size)} object in 1 MiB chunks held {_mib(read_memory.transient)} at its peak "
        f"(limit {_mib(limit)}): open_read must stream, not load the object",
    )
    storage.delete(key)


STORED = "sha256 and size in StoredObject"


def check_stored_object(ws: Workspace) -> None:
    storage = ws.storage
    data = pattern_bytes(300 * 1024 + 3, seed=1)
    with tempfile.TemporaryDirectory(prefix="bria-conformance-") as tmp:
        path = Path(tmp, "source.bin")
        path.write_bytes(data)
        sources: list[tuple[str, Callable[[], SourceLike]]] = [
            ("bytes", lambda: data),
            ("bytearray", lambda: bytearray(data)),
            ("a binary file object", lambda: io.BytesIO(data)),
            (
                "an iterator of chunks",
                lambda: iter([data[i : i + 65536] for i in range(0, len(data), 65536)]),
            ),
            ("a local path (str)", lambda: str(path)),
            ("a local path (Path)", lambda: path),
        ]
        for i, (kind, make) in enumerate(sources):
            key = ws.key(f"source-{i}.bin")
            try:
                stored = ws.put(key, make())
            except Exception as exc:
                raise ConformanceFailure(
                    STORED, f"put from {kind} raised {type(exc).__name__}: {exc}"
                ) from exc
            _check_stored(stored, key, data, f"{STORED} (source: {kind})", storage)
            got = _read(storage, key, STORED)
            expect(got == data, STORED, f"the object put from {kind} reads back as {_same(got, data)}")
    key = ws.key("empty.bin")
    _check_stored(ws.put(key, b""), key, b"", f"{STORED} (an empty object)", storage)
    expect(storage.exists(key), STORED, "an empty object does not exist after put")
    expect(_read(storage, key, STORED) == b"", STORED, "an empty object does not read back empty")


TYPES = "content types"


def check_content_types(ws: Workspace) -> None:
    cases = [
        ("image.png", None, "image/png", "guessed from the key's extension"),
        ("data.json", None, "application/json", "guessed from the key's extension"),
        ("blob.bin", "image/webp", "image/webp", "the caller's content_type"),
        ("photo.png", "image/jpeg", "image/jpeg", "the caller's content_type beats the extension"),
    ]
    for name, given, wanted, rule in cases:
        stored = ws.put(ws.key(name), b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type=given)
        expect(
            stored.content_type == wanted,
            TYPES,
            f"put({name!r}, content_type={given!r}) stored content_type {stored.content_type!r}, expected "
            f"{wanted!r} ({rule})",
        )
    stored = ws.put(ws.key("no-extension"), b"plain bytes")
    expect(
        stored.content_type in (None, "application/octet-stream"),
        TYPES,
        f"a key without extension got content_type {stored.content_type!r}; expected "
        "application/octet-stream (or None)",
    )


OVERWRITE = "overwrite"


def check_overwrite(ws: Workspace) -> None:
    storage, key = ws.storage, ws.key("twice.bin")
    first, second = pattern_bytes(200 * 1024, seed=2), b"the second, shorter version\n"
    ws.put(key, first)
    _check_stored(ws.put(key, second), key, second, OVERWRITE, storage)
    got = _read(storage, key, OVERWRITE)
    expect(
        got == second,
        OVERWRITE,
        f"after overwriting with a shorter object, open_read gave {_same(got, second)}",
    )
    listed = _listed(storage, ws.prefix, OVERWRITE)
    expect(listed == [key], OVERWRITE, f"after an overwrite, list({ws.prefix!r}) gave {listed!r}")


ATOMIC = "atomic writes (no partial object after a failed put)"
FAIL_AFTER = 3 * MiB + 17


def _failing_put(ws: Workspace, key: str) -> BaseException:
    source = FailingSource(FAIL_AFTER)
    try:
        stored = ws.put(key, source)
    except Exception as exc:
        return exc
    raise ConformanceFailure(
        ATOMIC,
        f"put({key!r}) returned {stored!r} although its source raised after {FAIL_AFTER} bytes: an "
        "error of the source must reach the caller, and nothing may be stored",
    )


def check_atomic_writes(ws: Workspace) -> None:
    storage = ws.storage
    new = ws.key("new.bin")
    _failing_put(ws, new)
    expect(
        not storage.exists(new),
        ATOMIC,
        f"a put that failed after {FAIL_AFTER} bytes left an object at {new!r} (exists() is True)",
    )
    listed = _listed(storage, ws.prefix, ATOMIC)
    expect(new not in listed, ATOMIC, f"a put that failed part-way left {new!r} in list(): {listed!r}")
    ok, instead = _raises(lambda: read_object(storage, new), ObjectNotFoundError)
    expect(ok, ATOMIC, f"open_read of the key of a failed put {instead}; expected ObjectNotFoundError")
    old = ws.key("existing.bin")
    original = pattern_bytes(64 * 1024, seed=3)
    ws.put(old, original)
    _failing_put(ws, old)
    got = _read(storage, old, ATOMIC)
    expect(
        got == original,
        ATOMIC,
        f"a put over an existing object that failed part-way changed it: open_read gave {_same(got, original)}",
    )
    hidden = [key for key in _listed(storage, ws.prefix, ATOMIC) if key != old]
    expect(not hidden, ATOMIC, f"failed puts left other objects behind: {hidden!r}")


CONCURRENT = "concurrent puts to distinct keys"


def check_concurrent_puts(ws: Workspace) -> None:
    storage, threads = ws.storage, max(2, ws.options.concurrency)
    jobs = {
        ws.key(f"parallel/{i:02d}.bin"): pattern_bytes(96 * 1024 + i, seed=100 + i)
        for i in range(threads * 2)
    }

    def put(item: tuple[str, bytes]) -> StoredObject:
        return ws.put(item[0], item[1])

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bria-conformance") as pool:
        futures = [pool.submit(put, item) for item in jobs.items()]
        errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        first = errors[0]
        raise ConformanceFailure(
            CONCURRENT,
            f"{len(errors)} of {len(jobs)} puts from {threads} threads raised, first "
            f"{type(first).__name__}: {first}",
        ) from first
    for future, (key, data) in zip(futures, jobs.items(), strict=True):
        _check_stored(future.result(), key, data, CONCURRENT, storage)
        got = _read(storage, key, CONCURRENT)
        expect(got == data, CONCURRENT, f"{key!r}, put from a thread, reads back as {_same(got, data)}")
    listed = _listed(storage, ws.key("parallel/"), CONCURRENT)
    expect(
        sorted(listed) == sorted(jobs),
        CONCURRENT,
        f"after {len(jobs)} concurrent puts, list() gave {len(listed)} keys: missing "
        f"{sorted(set(jobs) - set(listed))!r}",
    )


UNICODE = "keys with unicode and spaces"
UNICODE_NAMES = [
    "with space.txt",
    "ünïcödé/naïve café.png",
    "日本語/ファイル 名.bin",
    "emoji 😀 ✓.txt",
    "reserved +&=;,@$#'%20 100%.txt",
]


def check_unicode_keys(ws: Workspace) -> None:
    storage = ws.storage
    keys = {ws.key(name): f"object named {name}".encode() for name in UNICODE_NAMES}
    for key, data in keys.items():
        try:
            stored = ws.put(key, data)
        except Exception as exc:
            raise ConformanceFailure(UNICODE, f"put({key!r}) raised {type(exc).__name__}: {exc}") from exc
        _check_stored(stored, key, data, UNICODE, storage)
        expect(storage.exists(key), UNICODE, f"exists({key!r}) is False after put")
        got = _read(storage, key, UNICODE)
        expect(got == data, UNICODE, f"open_read({key!r}) gave {_same(got, data)}")
    listed = _listed(storage, ws.prefix, UNICODE)
    expect(
        sorted(listed) == sorted(keys),
        UNICODE,
        f"list() must give the keys exactly as put (no re-encoding or normalisation): got {sorted(listed)!r}",
    )
    for key in keys:
        storage.delete(key)
        expect(not storage.exists(key), UNICODE, f"exists({key!r}) is True after delete")


INVALID = "traversal, absolute and empty keys rejected with StorageError"


def check_invalid_keys(ws: Workspace) -> None:
    storage = ws.storage
    escape = f"escape-{ws.namespace}.txt"
    bad_keys = [
        "",
        f"../{escape}",
        f"{ws.namespace}/../../{escape}",
        "..",
        f"/{ws.namespace}/absolute.txt",
    ]
    operations: list[tuple[str, Callable[[StorageBackend, str], object]]] = [
        ("put", lambda s, k: ws.put(k, b"the conformance kit: this must never be stored")),
        ("open_read", lambda s, k: s.open_read(k)),
        ("exists", lambda s, k: s.exists(k)),
        ("delete", lambda s, k: s.delete(k)),
        ("public_url", lambda s, k: s.public_url(k)),
    ]
    broken: list[str] = []
    for key in bad_keys:
        for name, operation in operations:
            ok, instead = _raises(functools.partial(operation, storage, key), StorageError)
            if not ok:
                broken.append(f"{name}({key!r}) {instead}")
    for prefix in ("../", f"{ws.namespace}/../../"):
        ok, instead = _raises(functools.partial(storage.list, prefix), StorageError)
        if not ok:
            broken.append(f"list({prefix!r}) {instead}")
    expect(
        not broken,
        INVALID,
        f"{len(broken)} calls accepted a key that is empty, absolute or escapes the storage root: "
        + "; ".join(broken[:8])
        + ("; ..." if len(broken) > 8 else ""),
    )


PUBLIC = "public_url fetched with a plain HTTP GET"


def check_public_url(ws: Workspace) -> str | None:
    storage = ws.storage
    data = pattern_bytes(100 * 1024, seed=4) + bytes(range(256))
    targets = [ws.key("public/pixel.png"), ws.key("public/with space ü+plus.png")]
    for key in targets:
        ws.put(key, data, content_type="image/png")
    urls: list[tuple[str, str]] = []
    for key in targets:
        try:
            url = storage.public_url(key, expires_in=600)
        except NotPubliclyAddressableError:
            if urls:
                raise ConformanceFailure(
                    PUBLIC, f"public_url gave a URL for {urls[0][0]!r} but raised for {key!r}"
                ) from None
            return "not publicly addressable (NotPubliclyAddressableError)"
        except Exception as exc:
            raise ConformanceFailure(
                PUBLIC,
                f"public_url({key!r}) raised {type(exc).__name__}: {exc}; it must return a URL or raise "
                "NotPubliclyAddressableError",
            ) from exc
        expect(
            isinstance(url, str) and url.lower().startswith(("http://", "https://")),
            PUBLIC,
            f"public_url({key!r}) returned {url!r}, not an http(s) URL",
        )
        urls.append((key, url))
    with httpx.Client(timeout=ws.options.http_timeout, follow_redirects=True) as client:
        for key, url in urls:
            shown = strip_query(url)
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                raise ConformanceFailure(PUBLIC, f"GET {shown} failed: {type(exc).__name__}: {exc}") from exc
            expect(
                response.status_code == 200,
                PUBLIC,
                f"GET {shown} (public_url of {key!r}) answered {response.status_code}: {response.text[:300]!r}",
            )
            expect(
                response.content == data,
                PUBLIC,
                f"GET {shown} gave other bytes than were put: {_same(response.content, data)}",
            )
            served = response.headers.get("content-type", "").split(";")[0].strip().lower()
            expect(
                served == "image/png",
                PUBLIC,
                f"GET {shown} served Content-Type {served!r}; the object was put as image/png",
            )
    return None


DELETE_MISSING = "deleting a missing key"


def check_delete_missing(ws: Workspace) -> None:
    storage = ws.storage
    missing = ws.key("never/written.txt")
    try:
        storage.delete(missing)
    except Exception as exc:
        raise ConformanceFailure(
            DELETE_MISSING, f"delete({missing!r}) of a key never written raised {type(exc).__name__}: {exc}"
        ) from exc
    key = ws.key("twice-deleted.txt")
    ws.put(key, b"delete me twice")
    storage.delete(key)
    try:
        storage.delete(key)
    except Exception as exc:
        raise ConformanceFailure(
            DELETE_MISSING, f"deleting {key!r} a second time raised {type(exc).__name__}: {exc}"
        ) from exc
    expect(not storage.exists(key), DELETE_MISSING, f"exists({key!r}) is True after two deletes")


ERRORS = "error types"


def check_error_types(ws: Workspace) -> None:
    storage = ws.storage
    missing = ws.key("missing/object.bin")
    try:
        stream = storage.open_read(missing)
    except ObjectNotFoundError as exc:
        expect(
            isinstance(exc, StorageError) and isinstance(exc, FileNotFoundError),
            ERRORS,
            "ObjectNotFoundError must stay a StorageError and a FileNotFoundError",
        )
    except Exception as exc:
        raise ConformanceFailure(
            ERRORS,
            f"open_read of a missing key raised {type(exc).__name__}: {exc}; it must raise "
            "bria_tailored.errors.ObjectNotFoundError",
        ) from exc
    else:
        stream.close()
        raise ConformanceFailure(
            ERRORS,
            f"open_read({missing!r}) of a missing key returned {stream!r}; it must raise ObjectNotFoundError",
        )
    try:
        found = storage.exists(missing)
    except Exception as exc:
        raise ConformanceFailure(
            ERRORS, f"exists() of a missing key raised {type(exc).__name__}: {exc}; it must return False"
        ) from exc
    expect(found is False, ERRORS, f"exists() of a missing key returned {found!r}, not False")
    failing = FailingSource(64 * 1024)
    key = ws.key("failing-source.bin")
    try:
        ws.put(key, failing)
    except Exception as exc:
        expect(
            any(link is failing.failure or isinstance(link, SourceFailure) for link in _chain(exc)),
            ERRORS,
            f"a put whose source raised SourceFailure raised {type(exc).__name__}: {exc}, which does not "
            "carry it: let the source's error through (or chain it: raise StorageError(...) from exc)",
        )
    else:
        raise ConformanceFailure(
            ERRORS, "a put whose source raised returned normally: the error was swallowed"
        )


CHECKS: tuple[Check, ...] = (
    Check("basic_operations", BASIC, check_basic),
    Check("listing", LISTING, check_listing),
    Check("large_object", LARGE, check_large_object),
    Check("stored_object", STORED, check_stored_object),
    Check("content_types", TYPES, check_content_types),
    Check("overwrite", OVERWRITE, check_overwrite),
    Check("atomic_writes", ATOMIC, check_atomic_writes),
    Check("concurrent_puts", CONCURRENT, check_concurrent_puts),
    Check("unicode_keys", UNICODE, check_unicode_keys),
    Check("invalid_keys", INVALID, check_invalid_keys),
    Check("public_url", PUBLIC, check_public_url),
    Check("delete_missing", DELETE_MISSING, check_delete_missing),
    Check("error_types", ERRORS, check_error_types),
)


def check_by_name(name: str) -> Check:
    """The check called ``name`` (``KeyError`` naming the known ones otherwise)."""
    for check in CHECKS:
        if check.name == name:
            return check
    raise KeyError(f"no conformance check {name!r}; known: {', '.join(c.name for c in CHECKS)}")
