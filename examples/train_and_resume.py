"""``client.train``: from a folder of images to a trained model in one call, with progress, every invalid
image reported at once, and resuming (the same call again carries on where a run stopped; a finished run
returns its result at once).

Run it with ``python examples/train_and_resume.py``. With ``BRIA_BASE_URL`` set, it talks to that server
with ``BRIA_API_TOKEN``; without, to the built-in sandbox (offline, no token). It trains on a few drawings
of the demo's mascot, made with Pillow in a temporary folder (the run's manifest is written beside them).
"""

import os
import tempfile
from pathlib import Path

from bria_tailored import TailoredClient
from bria_tailored.cli.demo_art import draw_family
from bria_tailored.errors import InvalidImagesError


def main() -> None:
    with TailoredClient() as client, tempfile.TemporaryDirectory() as tmp:  # $BRIA_API_TOKEN, $BRIA_BASE_URL
        images = Path(tmp, "mascot-images")  # or your own folder, .zip file or storage prefix of images
        draw_family(images, count=6, size=256)
        try:
            for run in ("first run", "same call again"):  # the second call resumes: here it returns at once
                result = client.train(
                    images,
                    project="Mascot",  # an existing project id, or a name for a new project
                    ip_type="defined_character",
                    ip_medium="illustration",
                    ip_name="Pip",
                    ip_description="a round mascot with an antenna",
                    refine=["keep the flat pastel backgrounds"],  # refines the visual schema
                    on_progress=lambda e: print(e.phase, e.done, e.total, e.detail),
                )
                print(f"{run}: model {result.model.id} {result.model.status}, resumed={result.resumed}")
                print("manifest:", result.state_path)
        except InvalidImagesError as exc:  # raised before anything is created at Bria
            for name, reason in exc.problems:
                print(f"{name}: {reason}")
            raise SystemExit(2) from None


if __name__ == "__main__":
    if os.environ.get("BRIA_BASE_URL"):  # a server you chose (Bria's is https://engine.prod.bria-api.com)
        main()
    else:  # the built-in sandbox on a free loopback port: offline, any token, training takes no time
        from bria_tailored.sandbox import run_sandbox

        with run_sandbox(training_seconds=0) as base_url:
            os.environ.update(BRIA_BASE_URL=base_url, BRIA_API_TOKEN="sandbox")
            main()
