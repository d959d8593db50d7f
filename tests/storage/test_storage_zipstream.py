"""The streaming ZIP writer: archives zipfile reads back with correct CRCs, in bounded memory."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bria_tailored.errors import ValidationError
from bria_tailored.storage import open_storage
from bria_tailored.storage.zipstream import ZipStream, folder_entries, iter_zip

MiB = 1024 * 1024


def test_round_trip_with_every_kind_of_source(tmp_path: Path) -> None:
    (tmp_path / "imgs" / "sub").mkdir(parents=True)
    (tmp_path / "imgs" / "a.png").write_bytes(os.urandom(70_000))
    (tmp_path / "imgs" / "sub" / "b.jpg").write_bytes(os.urandom(1234))
    (tmp_path / "imgs" / ".DS_Store").write_bytes(b"junk")
    entries: list[tuple[str, object]] = list(folder_entries(tmp_path / "imgs"))
    assert [name for name, _ in entries] == ["a.png", "sub/b.jpg"]
    entries += [
        ("bytes.webp", b"webp" * 100),
        ("fileobj.png", io.BytesIO(b"from a file object")),
        ("stream.png", iter([b"chunk-1", b"chunk-2"])),
        ("empty.png", b""),
    ]
    expected = {
        "a.png": (tmp_path / "imgs" / "a.png").read_bytes(),
        "sub/b.jpg": (tmp_path / "imgs" / "sub" / "b.jpg").read_bytes(),
        "bytes.webp": b"webp" * 100,
        "fileobj.png": b"from a file object",
        "stream.png": b"chunk-1chunk-2",
        "empty.png": b"",
    }
    chunks = list(iter_zip(entries, chunk_size=16 * 1024))
    assert max(len(c) for c in chunks) < 16 * 1024 + 2048  # drained after every chunk
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None  # every CRC checks out
    assert archive.namelist() == list(expected)
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.flag_bits & 0x08  # data descriptor: written without seeking
        assert archive.read(info) == expected[info.filename]


def test_zipstream_is_a_file_object_for_put(tmp_path: Path) -> None:
    store = open_storage(tmp_path / "staging")
    obj = store.put("dataset.zip", ZipStream([("a.png", b"A" * 5000), ("b.png", b"B" * 10)], chunk_size=1024))
    assert obj.content_type == "application/zip"
    with zipfile.ZipFile(store.open_read("dataset.zip")) as archive:
        assert archive.read("a.png") == b"A" * 5000
        assert archive.read("b.png") == b"B" * 10


def test_force_zip64_archives_are_readable() -> None:
    data = b"".join(iter_zip([("a.bin", b"x" * 1000), ("b.bin", iter([b"y" * 10]))], force_zip64=True))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.read("b.bin") == b"y" * 10


@pytest.mark.parametrize("name", ["../evil.png", "/abs.png", "a\\b.png", ""])
def test_zip_slip_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        b"".join(iter_zip([(name, b"x")]))
    assert info.value.field == "arcname"


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ValidationError, match="twice"):
        b"".join(iter_zip([("a.png", b"1"), ("a.png", b"2")]))


def generated(total: int, chunk: int = MiB) -> Iterator[bytes]:
    block = bytes(range(256)) * (chunk // 256)
    for _ in range(total // chunk):
        yield block


def test_memory_stays_bounded_for_a_200_mb_archive() -> None:
    total = 200 * MiB
    entries = [(f"image-{i}.png", generated(total // 4)) for i in range(4)]
    digest = hashlib.sha256()
    size = 0
    tracemalloc.start()
    try:
        for chunk in iter_zip(entries, chunk_size=MiB):
            digest.update(chunk)
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > total  # the whole archive went through
    assert peak < 8 * MiB, f"peak traced memory {peak / MiB:.1f} MiB"
