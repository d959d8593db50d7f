"""The docs site: ``mkdocs build --strict`` passes offline, and the API reference documents every public name.

One build (about 10 s) into a temporary folder, shared by the tests below:

- ``--strict`` turns every warning into a failure: a broken link to a page or an anchor, a README section
  marker (``start=``/``end=`` of an include) that no longer matches, an object mkdocstrings cannot find;
- the build runs with the network refused (socket connect and DNS raise), so a theme or plugin that would
  download fonts or inventories fails it; the pages link to no web font either;
- every name in the ``__all__`` of each public module (the public names defined there, for a module
  without ``__all__``) is in the site's object inventory (``objects.inv``), on a reference page; so is
  every public method of the resource groups (the facades' ``Projects``, ``AsyncProjects``, ...);
- every public class, function and module among them has a docstring (a constant may have none);
- every ``##`` section of README.md is a part of some page (the guides include the README's sections).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

griffe = pytest.importorskip("griffe", reason="the docs extra (mkdocstrings[python]) is not installed")
pytest.importorskip("mkdocs", reason="the docs extra is not installed")

ROOT = Path(__file__).resolve().parents[1]

#: The modules whose names the reference documents (``docs/reference/*.md``).
PUBLIC_MODULES = (
    "bria_tailored",
    "bria_tailored.client",
    "bria_tailored.errors",
    "bria_tailored.types",
    "bria_tailored.workflows",
    "bria_tailored.polling",
    "bria_tailored.statuses",
    "bria_tailored.storage",
    "bria_tailored.storage.local",
    "bria_tailored.storage.s3",
    "bria_tailored.storage.gcs",
    "bria_tailored.storage.fsspec",
    "bria_tailored.plugins",
    "bria_tailored.hookspecs",
    "bria_tailored.testing",
    "bria_tailored.webhooks",
    "bria_tailored.batch",
    "bria_tailored.ratelimit",
    "bria_tailored.ratelimits",
    "bria_tailored.gallery",
    "bria_tailored.sandbox",
)
#: Generated modules whose public classes are the clients' resource groups (documented on the client pages).
FACADE_MODULES = ("bria_tailored._sync_facade", "bria_tailored._async_facade")

# `mkdocs build` with every socket connect and DNS look-up refused.
_OFFLINE_MKDOCS = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("tests/test_docs.py: the docs build may not reach the network")

socket.getaddrinfo = refuse
socket.create_connection = refuse
socket.socket.connect = refuse
socket.socket.connect_ex = refuse

from mkdocs.__main__ import cli

sys.exit(cli(prog_name="mkdocs"))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-c", _OFFLINE_MKDOCS, "build", "--strict", "--config-file", "mkdocs.yml"]
        + ["--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    warnings = [line for line in result.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not warnings, "\n".join(warnings)
    return site_dir


def inventory(site_dir: Path) -> dict[str, str]:
    """``objects.inv`` (Sphinx inventory v2) as {identifier: page URI}."""
    data = (site_dir / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # four header lines, then zlib
        header_end = data.index(b"\n", header_end) + 1
    entries: dict[str, str] = {}
    for line in zlib.decompress(data[header_end:]).decode().splitlines():
        match = re.match(r"(?x)(.+?)\s+(\S+:\S+)\s+(-?\d+)\s+(\S*)\s+(.*)", line)
        assert match, line
        name, uri = match.group(1), match.group(4)
        entries[name] = uri.replace("$", name)
    return entries


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        from griffe_rst import ReSTDocstrings  # pyright: ignore[reportMissingImports]
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    loaded = griffe.load(
        "bria_tailored",
        search_paths=[str(ROOT / "adapters"), str(ROOT / "generated")],
        extensions=griffe.load_extensions(ReSTDocstrings()),
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


def public_names(module: griffe.Module) -> list[str]:
    """``__all__``, or (no ``__all__``) the public names the module defines itself."""
    if module.exports is not None:
        return [str(name) for name in module.exports]
    return [name for name, member in module.members.items() if not member.is_alias and not name.startswith("_")]


def exported(package: griffe.Module) -> Iterator[tuple[str, str, griffe.Object]]:
    """(module path, name, the object it names) for every public name of every public module."""
    for module_path in PUBLIC_MODULES:
        module = package.modules_collection[module_path]
        assert isinstance(module, griffe.Module), module_path
        names = public_names(module)
        assert names, f"{module_path} exports nothing"
        for name in names:
            member = module[name]
            target = member.final_target if isinstance(member, griffe.Alias) else member
            assert isinstance(target, griffe.Object)
            yield module_path, name, target


def test_every_public_name_is_in_the_reference(site: Path, package: griffe.Module) -> None:
    entries = inventory(site)
    missing: list[str] = []
    for module_path, name, target in exported(package):
        uri = entries.get(f"{module_path}.{name}") or entries.get(target.path)
        if uri is None or not uri.startswith("reference/"):
            missing.append(f"{module_path}.{name} ({target.path})")
    assert not missing, "not in the API reference (docs/reference/*.md):\n" + "\n".join(missing)


def test_every_resource_group_method_is_in_the_reference(site: Path, package: griffe.Module) -> None:
    entries = inventory(site)
    missing: list[str] = []
    for module_path in FACADE_MODULES:
        module = package.modules_collection[module_path]
        for cls in (c for c in module.classes.values() if not c.is_alias):
            paths = [f.path for n, f in cls.functions.items() if not n.startswith("_")]
            if not cls.name.endswith("ClientMethods"):  # the clients' save/train/request: on the client
                paths.insert(0, cls.path)
            missing += [path for path in paths if not entries.get(path, "").startswith("reference/")]
    assert not missing, "resource groups missing from docs/reference/client.md / async-client.md:\n" + "\n".join(
        missing
    )


def test_every_public_class_function_and_module_has_a_docstring(package: griffe.Module) -> None:
    undocumented: list[str] = []
    for module_path, name, target in exported(package):
        if target.kind in (griffe.Kind.CLASS, griffe.Kind.FUNCTION, griffe.Kind.MODULE) and not target.docstring:
            undocumented.append(f"{module_path}.{name} ({target.kind.value} {target.path})")
    for module_path in PUBLIC_MODULES:
        if not package.modules_collection[module_path].docstring:
            undocumented.append(f"{module_path} (module)")
    for module_path in FACADE_MODULES:
        for cls in (c for c in package.modules_collection[module_path].classes.values() if not c.is_alias):
            if not cls.docstring:
                undocumented.append(f"{cls.path} (class)")
            for method_name, method in cls.functions.items():
                if not method_name.startswith("_") and not method.docstring:
                    undocumented.append(f"{method.path} (method)")
    assert not undocumented, "public names without a docstring:\n" + "\n".join(undocumented)


def test_every_readme_section_is_a_page_section(site: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"(?ms)^```.*?^```", "", readme)
    headings = re.findall(r"(?m)^## (.+)$", prose)
    assert headings
    html = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    text = re.sub(r"<[^>]+>", "", html)
    for heading in headings:
        plain = re.sub(r"[`*_]", "", heading).replace("&", "&amp;").strip()
        assert plain in text, f"README section {heading!r} is on no page of the docs site"


def test_the_site_loads_no_web_font(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page
