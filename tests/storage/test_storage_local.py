"""Local storage: round trips, atomic writes, key rules, sources, and the refusal to hand out URLs."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bria_tailored.errors import NotPubliclyAddressableError, StorageError, ValidationError
from bria_tailored.storage import HashingReader, ObjectNotFoundError, StoredObject, open_storage
from bria_tailored.storage.local import LocalStorage


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_open_storage_picks_local_for_paths_and_file_uris(tmp_path: Path) -> None:
    for uri in (str(tmp_path), tmp_path, tmp_path.as_uri(), f"file://localhost{tmp_path}"):
        store = open_storage(uri)  # type: ignore[arg-type]
        assert isinstance(store, LocalStorage)
        assert store.root == tmp_path.resolve()
    assert repr(open_storage(tmp_path)) == f"LocalStorage({tmp_path.resolve().as_uri()!r})"


def test_round_trip(tmp_path: Path) -> None:
    store = open_storage(str(tmp_path / "out"))
    data = b"\x89PNG fake image bytes" * 100
    obj = store.put("images/a.png", data)
    assert obj == StoredObject(
        uri=(tmp_path / "out" / "images" / "a.png").as_uri(),
        key="images/a.png",
        size=len(data),
        sha256=sha(data),
        content_type="image/png",
    )
    assert store.uri("images/a.png") == obj.uri
    assert store.exists("images/a.png")
    with store.open_read("images/a.png") as f:
        assert f.read() == data
    store.put("images/b.jpg", b"jpeg")
    store.put("other.txt", b"text")
    assert sorted(store.list()) == ["images/a.png", "images/b.jpg", "other.txt"]
    assert sorted(store.list("images/")) == ["images/a.png", "images/b.jpg"]
    assert list(store.list("images/a")) == ["images/a.png"]
    store.delete("images/a.png")
    store.delete("images/a.png")  # idempotent
    assert not store.exists("images/a.png")
    with pytest.raises(ObjectNotFoundError):
        store.open_read("images/a.png")
    assert b"".join(store.iter_bytes("other.txt")) == b"text"


def test_overwrite_is_atomic_and_replaces(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    store.put("k.bin", b"old")
    store.put("k.bin", b"new")
    assert store.read_bytes("k.bin") == b"new"


def broken_stream(good_chunks: int) -> Iterator[bytes]:
    for _ in range(good_chunks):
        yield b"x" * 65536
    raise ConnectionError("source died half-way")


def test_failed_upload_leaves_nothing(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    with pytest.raises(ConnectionError):
        store.put("half/obj.bin", broken_stream(4))
    assert not store.exists("half/obj.bin")
    assert list(store.list()) == []
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # no temporary file left either


def test_failed_overwrite_keeps_the_previous_object(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    store.put("obj.bin", b"complete")
    with pytest.raises(ConnectionError):
        store.put("obj.bin", broken_stream(2))
    assert store.read_bytes("obj.bin") == b"complete"


@pytest.mark.parametrize(
    "key",
    ["../escape.png", "a/../../b", "/etc/passwd", "a\\b.png", "", "a//b", "a/./b", "C:/x", "dir/", "a\x00b"],
)
def test_bad_keys_are_rejected(tmp_path: Path, key: str) -> None:
    store = open_storage(tmp_path / "root")
    for call in (lambda: store.put(key, b"x"), lambda: store.open_read(key), lambda: store.exists(key)):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "key"
        assert repr(key) in str(info.value) or key == ""
    assert not (tmp_path / "escape.png").exists()


def test_symlink_escaping_the_root_is_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    store = open_storage(root)
    with pytest.raises(ValidationError, match="outside the storage root"):
        store.put("link/x.png", b"x")
    assert list(outside.iterdir()) == []


def test_public_url_says_which_storage_to_use(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    store.put("a.png", b"x")
    with pytest.raises(NotPubliclyAddressableError) as info:
        store.public_url("a.png")
    assert isinstance(info.value, StorageError)
    assert "s3://" in str(info.value) and "gs://" in str(info.value)


def test_sources(tmp_path: Path) -> None:
    store = open_storage(tmp_path / "store")
    src = tmp_path / "input.webp"
    src.write_bytes(b"webp-bytes")
    assert store.put("from-path", str(src)).content_type == "image/webp"  # the source's name tells
    assert store.put("from-pathlike.bin", src).sha256 == sha(b"webp-bytes")
    assert store.put("from-file-uri.bin", src.as_uri()).size == 10
    assert store.put("from-fileobj.bin", io.BytesIO(b"abc")).size == 3
    assert store.put("from-iter.bin", iter([b"a", b"", b"bc"])).sha256 == sha(b"abc")
    assert store.put("from-bytearray.bin", bytearray(b"xy")).size == 2
    assert store.put("typed", b"{}", content_type="application/json").content_type == "application/json"
    assert store.put("copy.bin", store.uri("from-iter.bin")).sha256 == sha(b"abc")
    with pytest.raises(FileNotFoundError):
        store.put("missing.bin", str(tmp_path / "nope.png"))
    with pytest.raises(ValidationError):
        store.put("bad.bin", 12345)


def test_hashing_reader_survives_seek_back_retries() -> None:
    data = bytes(range(256)) * 64
    reader = HashingReader(io.BytesIO(data), seekable=True)
    assert reader.read(1000) == data[:1000]
    reader.seek(500)  # a retry re-reads bytes already hashed
    assert reader.read(1000) == data[500:1500]
    rest = reader.read()
    assert rest == data[1500:]
    assert reader.size == len(data)
    assert reader.hexdigest() == sha(data)


def test_hashing_reader_rehashes_after_a_forward_skip() -> None:
    data = b"0123456789" * 10
    reader = HashingReader(io.BytesIO(data), seekable=True)
    reader.read(10)
    reader.seek(50)
    reader.read()
    assert reader.hexdigest() == sha(data)
    assert reader.size == len(data)
