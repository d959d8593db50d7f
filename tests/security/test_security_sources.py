"""Issue 14, item 2: no symlinks out of a source folder, and no zip bombs.

A folder zipped for ``datasets.bulk_upload(source=...)``/``train``, or read by ``train``, never carries a
file from outside it through a symbolic link: the link is named in the error. A ``.zip`` given to
``train`` is checked against size and compression-ratio limits before any member is read, and a member
that lies about its size is a problem of that member, with bounded memory.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any, Unpack

import pytest
from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.errors import InvalidImagesError, ValidationError
from bria_tailored.polling import PollPolicy
from bria_tailored.staging import stage_zip, zip_entries
from bria_tailored.storage.zipstream import ZipStream, folder_entries
from bria_tailored.workflows import TrainOptions, _source
from bria_tailored.workflows._source import scan, validate

FAST = PollPolicy(0.05, 0.2)


def options(**extra: Unpack[TrainOptions]) -> TrainOptions:
    """A new project's IP and fast polling, plus ``extra``."""
    chosen: TrainOptions = {"ip_type": "icons", "ip_medium": "illustration", "poll_policy": FAST}
    chosen.update(extra)
    return chosen


def png(i: int = 0, size: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (20 * i % 255, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Six good images, and beside the folder a private file that is a valid image too (to tempt)."""
    images = tmp_path / "imgs"
    images.mkdir()
    for i in range(6):
        (images / f"img-{i}.png").write_bytes(png(i))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_rsa.png").write_bytes(png(99))
    return images


def escape(folder: Path, name: str = "x.png") -> Path:
    link = folder / name
    link.symlink_to(Path("..") / "outside" / "id_rsa.png")
    return link


# --------------------------------------------------------------------------------------- symlinks
def test_folder_entries_refuse_a_symlink_out_of_the_folder(folder: Path) -> None:
    escape(folder)
    escape(folder, "deep.png").rename(folder / "deep.png")  # a second one, named too
    with pytest.raises(ValidationError) as info:
        list(folder_entries(folder, suffixes={".png"}))
    assert "x.png -> " in info.value.rule and "deep.png -> " in info.value.rule
    assert str(folder.parent / "outside" / "id_rsa.png") in info.value.rule


def test_bulk_zip_of_a_folder_refuses_before_writing_anything(folder: Path, tmp_path: Path) -> None:
    escape(folder)
    with pytest.raises(ValidationError, match="symbolic links"):
        zip_entries(folder)
    staging = tmp_path / "staging"
    with pytest.raises(ValidationError, match="x.png"):
        stage_zip(folder, str(staging))
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))


def test_links_inside_the_folder_are_followed_and_folder_links_are_not(folder: Path) -> None:
    (folder / "copy.png").symlink_to("img-0.png")
    (folder / "elsewhere").symlink_to(folder.parent / "outside", target_is_directory=True)
    (folder / "sub").mkdir()
    (folder / "sub" / "up.png").symlink_to(Path("..") / "img-1.png")
    entries = dict(folder_entries(folder))
    assert sorted(entries) == ["copy.png", *(f"img-{i}.png" for i in range(6)), "sub/up.png"]
    archive = zipfile.ZipFile(io.BytesIO(ZipStream(entries.items()).read()))
    assert archive.read("copy.png") == png(0) and archive.read("sub/up.png") == png(1)


def test_hidden_and_filtered_links_do_not_matter(folder: Path) -> None:
    escape(folder, ".hidden.png")
    escape(folder, "notes.txt")
    assert len(list(folder_entries(folder, suffixes={".png"}))) == 6


def test_train_source_names_the_symlink_out(folder: Path) -> None:
    escape(folder)
    files = scan(folder)
    assert "x.png" not in files.paths
    with pytest.raises(InvalidImagesError) as info:
        validate(files, via=None, upload_type=None)
    (name, reason), *_ = info.value.problems
    assert name == "x.png" and "symbolic link" in reason and "outside the source folder" in reason


def test_train_with_a_symlink_out_creates_nothing(sandbox: str, folder: Path) -> None:
    escape(folder)
    with TailoredClient("tok", base_url=sandbox) as client:
        with pytest.raises(InvalidImagesError, match="x.png"):
            client.train(folder, project="Symlinked", **options())
        assert not [p for p in client.projects.list() if p.project_name == "Symlinked"]


# --------------------------------------------------------------------------------------- zip files
def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def forbid_member_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading any member of any zip fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member was read before the limits were checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)


def good_members() -> dict[str, bytes]:
    return {f"img-{i}.png": png(i) for i in range(6)}


def test_a_zip_bomb_member_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_zip(tmp_path / "bomb.zip", {**good_members(), "bomb.png": bytes(8 * 1024 * 1024)})
    forbid_member_reads(monkeypatch)
    assert path.stat().st_size < 100_000
    with pytest.raises(InvalidImagesError) as info:
        scan(path)
    assert [name for name, _ in info.value.problems] == ["bomb.png"]
    assert "zip bomb" in info.value.problems[0][1]


def test_an_archive_that_grows_too_much_overall_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each member stays below the per-member floor; together they grow more than 100:1.
    members = {f"pad-{i}.png": bytes(900 * 1024) for i in range(30)}
    path = write_zip(tmp_path / "wide.zip", {**good_members(), **members})
    forbid_member_reads(monkeypatch)
    with pytest.raises(InvalidImagesError) as info:
        scan(path)
    assert info.value.problems[0][0] == "(source)" and "100:1" in info.value.problems[0][1]


def test_total_and_member_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_zip(tmp_path / "images.zip", good_members(), method=zipfile.ZIP_STORED)
    forbid_member_reads(monkeypatch)
    monkeypatch.setattr(_source, "MAX_ZIP_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(InvalidImagesError, match="uncompressed"):
        scan(path)
    monkeypatch.setattr(_source, "MAX_ZIP_UNCOMPRESSED_BYTES", 10**9)
    monkeypatch.setattr(_source, "MAX_ZIP_MEMBER_BYTES", 100)
    with pytest.raises(InvalidImagesError) as info:
        scan(path)
    assert len(info.value.problems) == 6


def forge_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size of member ``name`` in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == name.encode():
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_a_member_lying_about_its_size_is_a_problem_with_bounded_memory(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "liar.zip", {**good_members(), "liar.png": bytes(16 * 1024 * 1024)})
    forge_size(path, "liar.png", 300)  # the directory now says 300 bytes: it passes the limits
    files = scan(path)
    assert "liar.png" in files.paths
    tracemalloc.start()
    try:
        with pytest.raises(InvalidImagesError) as info:
            validate(files, via=None, upload_type=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # far below the 16 MiB the member really holds
    assert [name for name, _ in info.value.problems] == ["liar.png"]
    assert "zip" in info.value.problems[0][1]


def test_train_refuses_a_zip_bomb_before_creating_anything(sandbox: str, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bomb.zip", {**good_members(), "bomb.png": bytes(8 * 1024 * 1024)})
    with TailoredClient("tok", base_url=sandbox) as client:
        with pytest.raises(InvalidImagesError, match=r"bomb.png: grows from \d+ to 8388608 bytes"):
            client.train(path, project="Bombed", **options())
        assert not [p for p in client.projects.list() if p.project_name == "Bombed"]
