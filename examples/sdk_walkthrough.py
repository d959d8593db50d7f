"""The SDK step by step: project, dataset, visual schema, uploads, captions, model, training, then one
image saved with its metadata sidecar. (``client.train`` does all the training steps in one call: see
``train_and_resume.py``.)

Run it with ``python examples/sdk_walkthrough.py``. With ``BRIA_BASE_URL`` set, it talks to that server
with ``BRIA_API_TOKEN``; without, to the built-in sandbox (offline, no token). It trains on a few drawings
of the demo's mascot (Pillow, in a temporary folder) and saves ``library.png`` and ``library.png.json``
into ``./bria-output/walkthrough/``.
"""

import os
import tempfile
from pathlib import Path

from bria_tailored import TailoredClient
from bria_tailored.cli.demo_art import draw_family


def main() -> None:
    with TailoredClient() as client, tempfile.TemporaryDirectory() as tmp:  # $BRIA_API_TOKEN, $BRIA_BASE_URL
        paths = draw_family(Path(tmp), count=6, size=256)  # or your own: sorted(Path("pip").glob("*.png"))
        project = client.projects.create(
            project_name="Mascot",
            ip_medium="illustration",
            ip_type="defined_character",
            ip_name="Pip",
            ip_description="a round mascot with an antenna",
        )
        dataset = client.datasets.create(project_id=project.id, name="v1")
        schema = client.datasets.generate_visual_schema(paths[:5])  # 5-10 sample images
        client.datasets.update(dataset.id, visual_schema=schema)
        client.datasets.images.upload_many(
            dataset.id,
            paths,
            concurrency=8,
            return_exceptions=False,
            on_progress=lambda done, total, _: print(f"uploaded {done}/{total}"),
        )
        client.datasets.wait_for_captions(dataset.id)
        client.datasets.complete(dataset.id)
        model = client.models.create(name="pip-v1", dataset_id=dataset.id)
        client.models.start_training(model.id)
        model = client.models.wait_for_training(model.id, on_progress=lambda m: print(m.status))
        prompt = "Pip reading in a library"
        image = client.generate.image(model.id, prompt, seed=7)
        stored = client.save(
            image,
            "bria-output/walkthrough",  # a folder, or a storage URI such as "s3://bucket/prefix/"
            key="library.png",
            model_id=model.id,
            prompt=prompt,
        )
        print("saved", stored.uri)


if __name__ == "__main__":
    if os.environ.get("BRIA_BASE_URL"):  # a server you chose (Bria's is https://engine.prod.bria-api.com)
        main()
    else:  # the built-in sandbox on a free loopback port: offline, any token, training takes no time
        from bria_tailored.sandbox import run_sandbox

        with run_sandbox(training_seconds=0) as base_url:
            os.environ.update(BRIA_BASE_URL=base_url, BRIA_API_TOKEN="sandbox")
            main()
