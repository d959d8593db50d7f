#!/usr/bin/env bash
# The package as users get it: build the sdist and the wheel (`python -m build`: the wheel is built from
# the sdist), check both with `twine check --strict`, install the wheel with every extra into a fresh venv
# and, from a folder outside the source tree with nothing of it on sys.path, run `bria-tailored demo` and
# a smoke test (both packages import from the venv; their package data, bria_tailored_api/openapi.json and
# py.typed, is there; a client makes calls against `bria-tailored sandbox --port 0 --json` started from
# the venv). This catches what the editable install hides. .ci/run calls it; about a minute on 2 cores.
#
#   scripts/check_wheel.sh [PYTHON]     PYTHON has build and twine (.[dev]); default .venv/bin/python
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-${repo}/.venv/bin/python}"
work="$(mktemp -d "${TMPDIR:-/tmp}/bria-check-wheel.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
started=${SECONDS}

echo "-- build the sdist and the wheel"
if ! "${python}" -m build --outdir "${work}/dist" "${repo}" >"${work}/build.log" 2>&1; then
  cat "${work}/build.log" >&2
  exit 1
fi
sdists=("${work}"/dist/*.tar.gz)
wheels=("${work}"/dist/*.whl)
if [ "${#sdists[@]}" -ne 1 ] || [ "${#wheels[@]}" -ne 1 ]; then
  echo "expected one sdist and one wheel, got: $(ls "${work}/dist")" >&2
  exit 1
fi
wheel="${wheels[0]}"
echo "   $(basename "${sdists[0]}") $(du -h "${sdists[0]}" | cut -f1), $(basename "${wheel}") $(du -h "${wheel}" | cut -f1)"

echo "-- twine check --strict"
"${python}" -m twine check --strict "${work}"/dist/*

echo "-- what the archives hold"
"${python}" - "${sdists[0]}" "${wheel}" <<'EOF'
import sys
import tarfile
import zipfile

sdist, wheel = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    names = set(archive.namelist())
needed = {
    "bria_tailored/__init__.py",
    "bria_tailored/py.typed",
    "bria_tailored/sandbox/__init__.py",
    "bria_tailored/cli/demo.py",
    "bria_tailored/testing/__init__.py",
    "bria_tailored_api/__init__.py",
    "bria_tailored_api/py.typed",
    "bria_tailored_api/openapi.json",
}
missing = sorted(needed - names)
assert not missing, f"the wheel lacks {missing}"
strays = sorted(n for n in names if n.split("/")[0] not in ("bria_tailored", "bria_tailored_api") and ".dist-info/" not in n)
assert not strays, f"the wheel holds files outside its two packages: {strays[:10]}"
with tarfile.open(sdist) as archive:
    top = archive.getnames()[0].split("/")[0]
    members = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
for path in ("pyproject.toml", "README.md", "CHANGELOG.md", "generated/openapi.json", "adapters/bria_tailored/py.typed"):
    assert path in members, f"the sdist {top} lacks {path}"
print(f"   wheel: {len(names)} files; sdist: {len(members)} files")
EOF

echo "-- a fresh venv with the wheel and every extra"
"${python}" -m venv "${work}/venv"
if ! "${work}/venv/bin/pip" install -q --disable-pip-version-check "${wheel}[all]" >"${work}/pip.log" 2>&1; then
  cat "${work}/pip.log" >&2
  exit 1
fi

# Outside the source tree, with nothing of it on the path (-I below ignores PYTHONPATH and the cwd).
mkdir "${work}/run"
cd "${work}/run"
unset PYTHONPATH

echo "-- bria-tailored demo, from the wheel"
if ! "${work}/venv/bin/bria-tailored" demo --out "${work}/demo" >"${work}/demo.log" 2>&1; then
  cat "${work}/demo.log" >&2
  echo "bria-tailored demo failed when installed from the wheel" >&2
  exit 1
fi
images="$(find "${work}/demo" -name '*.png' | wc -l)"
if [ "${images}" -eq 0 ]; then
  cat "${work}/demo.log" >&2
  echo "bria-tailored demo wrote no image under ${work}/demo" >&2
  exit 1
fi
echo "   ok: ${images} images under its --out folder"

echo "-- smoke test, from the wheel"
"${work}/venv/bin/python" -I - "${repo}" <<'EOF'
import importlib.metadata
import importlib.resources
import json
import select
import subprocess
import sys
from pathlib import Path

repo = Path(sys.argv[1]).resolve()
venv = Path(sys.prefix).resolve()

import bria_tailored
import bria_tailored_api

for module in (bria_tailored, bria_tailored_api):
    where = Path(str(module.__file__)).resolve()
    assert venv in where.parents and repo not in where.parents, f"{module.__name__} imported from {where}"
assert bria_tailored.__version__ == importlib.metadata.version("bria-tailored")

spec = importlib.resources.files("bria_tailored_api") / "openapi.json"
assert spec.is_file(), "bria_tailored_api/openapi.json is not in the wheel"
document = json.loads(spec.read_text(encoding="utf-8"))
assert str(document["openapi"]).startswith("3.") and document["paths"], "openapi.json holds no spec"
for package in ("bria_tailored", "bria_tailored_api"):
    assert (importlib.resources.files(package) / "py.typed").is_file(), f"{package}/py.typed is missing"

sandbox = subprocess.Popen(
    [str(Path(sys.executable).parent / "bria-tailored"), "sandbox", "--port", "0", "--json"],
    stdout=subprocess.PIPE,
    text=True,
)
try:
    assert sandbox.stdout is not None
    ready, _, _ = select.select([sandbox.stdout], [], [], 60)
    assert ready, "bria-tailored sandbox printed no address within 60 s"
    line = sandbox.stdout.readline()
    assert line, f"bria-tailored sandbox exited ({sandbox.poll()}) before printing its address"
    base_url = json.loads(line)["base_url"]

    from bria_tailored import AsyncTailoredClient, TailoredClient

    AsyncTailoredClient(api_token="sandbox", base_url=base_url)  # constructs; makes no call
    with TailoredClient(api_token="sandbox", base_url=base_url) as client:
        project = client.projects.create(
            project_name="wheel smoke test",
            ip_medium="illustration",
            ip_type="defined_character",
            ip_name="Pip",
            ip_description="a round mascot with an antenna",
        )
        assert client.projects.get(project.id).project_name == "wheel smoke test"
    print(f"   ok: bria-tailored {bria_tailored.__version__} from {venv}, project {project.id} on {base_url}")
finally:
    sandbox.terminate()
    try:
        sandbox.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.kill()
        sandbox.wait()
EOF

echo "-- the wheel checks passed in $((SECONDS - started)) s"
