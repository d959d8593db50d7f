"""The offline ``index.html`` gallery (issue 17, item 4), opened in headless Chromium: every image renders
(``naturalWidth > 0``) and the page logs nothing to the console.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it). Without it the browser test is skipped, except
under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bria_tailored import TailoredClient
from bria_tailored.gallery import GALLERY_NAME, gallery_items, write_gallery
from bria_tailored.polling import PollPolicy
from bria_tailored.sandbox import run_sandbox

FAST = PollPolicy(0.05, 0.1)
PROMPTS = ['a <b>"fox"</b> & a cat', "Pip surfing", "Pip on the moon"]

# Injected into a copy of the page: records script errors and, once everything loaded, every image's
# natural width into a <pre> that --dump-dom prints. It logs nothing itself.
CHECK_SCRIPT = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  if (e instanceof ErrorEvent) { window.__errors.push(String(e.message)); }
});
window.addEventListener('load', function () {
  var images = Array.prototype.map.call(document.images, function (i) {
    return {src: i.getAttribute('src'), width: i.naturalWidth, complete: i.complete};
  });
  var pre = document.createElement('pre');
  pre.id = '__gallery_check';
  pre.textContent = JSON.stringify({images: images, errors: window.__errors});
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not on PATH: .ci/run installs it with apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def open_in_browser(page: Path, tmp_path: Path) -> tuple[dict[str, Any], list[str]]:
    """Load ``page`` (a copy with CHECK_SCRIPT, in the same folder) in headless Chromium: the check's result
    and the console lines Chromium logged."""
    check = page.with_name("_gallery_check.html")
    check.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + CHECK_SCRIPT, 1))
    try:
        process = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'chromium-profile'}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000",
                "--dump-dom",
                check.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        check.unlink()
    match = re.search(r'<pre id="__gallery_check">(.*?)</pre>', process.stdout, re.S)
    assert match, f"the page did not finish loading:\n{process.stderr[-2000:]}"
    console = [line for line in process.stderr.splitlines() if ":CONSOLE" in line]
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return result, console


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder as ``generate --out`` leaves it: three images and a video with sidecars, plus an image
    without one, a JSON document and a hidden file."""
    root = tmp_path_factory.mktemp("gallery")
    folder = root / "training"
    folder.mkdir()
    for i in range(5):
        Image.new("RGB", (300, 300), (40 * i, 120, 200)).save(folder / f"p{i}.png")
    out = root / "out"
    with (
        run_sandbox(training_seconds=0.2, caption_seconds=0.05, job_seconds=0.05) as url,
        TailoredClient("tok", base_url=url) as client,
    ):
        model = client.train(folder, project="G", ip_type="icons", ip_medium="illustration", poll_policy=FAST)
        images = [
            client.generate.image(model.model_id, prompt, seed=i, policy=FAST)
            for i, prompt in enumerate(PROMPTS)
        ]
        for image in images:
            client.save(image, out)
        client.save(client.generate.video(model.model_id, images[0], policy=FAST), out / "clips/")
    shutil.copy(folder / "p0.png", out / "reference.png")
    (out / "notes.json").write_text('{"about": "not an output"}')
    (out / ".hidden.png").write_bytes(b"not shown")
    yield out


def test_gallery_lists_every_output_with_its_metadata(outputs: Path) -> None:
    page = write_gallery(outputs)
    assert page == outputs / GALLERY_NAME
    text = page.read_text(encoding="utf-8")
    items = gallery_items(outputs)
    assert [i.kind for i in items] == ["image", "image", "image", "video", "image", "json"]
    assert "&lt;b&gt;&quot;fox&quot;&lt;/b&gt; &amp; a cat" in text and "<b>" not in text  # escaped
    for item in items:
        if item.sidecar is not None:
            assert f'href="{item.path}.json"' in text  # a link to each sidecar
            assert f"<dd>{item.sidecar['model_id']}</dd>" in text
            if item.kind == "image":
                assert f"<dd>{item.sidecar['seed']}</dd>" in text
    # offline: every link and source is a relative path to a file in the folder
    targets = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert targets and all(not re.match(r"^[a-z]+:", t) and (outputs / t).exists() for t in targets)
    assert ".hidden.png" not in text and "<script" not in text
    assert write_gallery(outputs) == page  # writing it again just rewrites it


def test_every_image_renders_in_headless_chromium(outputs: Path, tmp_path: Path) -> None:
    result, console = open_in_browser(write_gallery(outputs), tmp_path)
    assert len(result["images"]) == 4, result  # three outputs and the image without a sidecar
    broken = [i for i in result["images"] if not i["complete"] or i["width"] <= 0]
    assert not broken, f"images that did not render: {broken}"
    assert result["errors"] == [] and console == [], (result["errors"], console)
