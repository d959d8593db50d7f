"""Train, generate, save: train a model on a folder of images, generate an image and a video from it, and
save both with their metadata sidecars (``<file>.json``: model id, prompt, seed, structured prompt,
request id, size, sha256, ...).

Run it with ``python examples/train_generate_save.py``. With ``BRIA_BASE_URL`` set, it talks to that server
with ``BRIA_API_TOKEN``; without, to the built-in sandbox (offline, no token). It trains on a few drawings
of the demo's mascot (Pillow, in a temporary folder) and writes ``pip-library.png``, ``pip-library.mp4``
and their ``.json`` sidecars into ``./bria-output/train-generate-save/``.
"""

import json
import os
import tempfile
from pathlib import Path

from bria_tailored import TailoredClient
from bria_tailored.cli.demo_art import draw_family

OUT = Path("bria-output", "train-generate-save")  # or a storage URI: "s3://bucket/prefix/", "gs://..."
PROMPT = "Pip reading in a library"


def main() -> None:
    with TailoredClient() as client, tempfile.TemporaryDirectory() as tmp:  # $BRIA_API_TOKEN, $BRIA_BASE_URL
        images = Path(tmp, "pip")
        draw_family(images, count=6, size=256)
        trained = client.train(
            images,
            project="Pip",
            ip_type="defined_character",
            ip_medium="illustration",
            ip_name="Pip",
            ip_description="a round mascot with an antenna",
        )
        model_id = trained.model.id

        image = client.generate.image(model_id, PROMPT, seed=7, aspect_ratio="4:3")
        video = client.generate.video(model_id, image)  # animates the image just made
        client.save(image, OUT, key="pip-library.png", model_id=model_id, prompt=PROMPT)
        client.save(video, OUT, key="pip-library.mp4", model_id=model_id, prompt=PROMPT)

    sidecar = json.loads((OUT / "pip-library.png.json").read_text())
    print(
        json.dumps({name: sidecar[name] for name in ("uri", "model_id", "prompt", "seed", "size")}, indent=2)
    )


if __name__ == "__main__":
    if os.environ.get("BRIA_BASE_URL"):  # a server you chose (Bria's is https://engine.prod.bria-api.com)
        main()
    else:  # the built-in sandbox on a free loopback port: offline, any token, training takes no time
        from bria_tailored.sandbox import run_sandbox

        with run_sandbox(training_seconds=0) as base_url:
            os.environ.update(BRIA_BASE_URL=base_url, BRIA_API_TOKEN="sandbox")
            main()
