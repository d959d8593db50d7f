"""Generate a batch of images concurrently with ``AsyncTailoredClient``: every request is submitted at once
(``generate.image(..., wait=False)`` under ``asyncio.gather``), one ``status.wait_all`` loop follows all
the jobs (a failed job is reported, not fatal), and the images are saved concurrently with their sidecars.

Run it with ``python examples/async_batch.py``. With ``BRIA_BASE_URL`` set, it talks to that server with
``BRIA_API_TOKEN``; without, to the built-in sandbox (offline, no token). It first trains a model on a few
drawings of the demo's mascot (Pillow, in a temporary folder), then writes ``pip-1.png`` ... ``pip-4.png``
and their ``.json`` sidecars into ``./bria-output/async-batch/``.
"""

import asyncio
import os
import tempfile
from collections.abc import Awaitable
from pathlib import Path

from bria_tailored import AsyncTailoredClient
from bria_tailored.cli.demo_art import draw_family
from bria_tailored.errors import BriaError
from bria_tailored.storage import StoredObject

OUT = Path("bria-output", "async-batch")
PROMPTS = [
    "Pip reading a book under an apple tree",
    "Pip surfing a huge turquoise wave",
    "Pip as an astronaut waving from the moon",
    "Pip baking a birthday cake",
]


async def train_model(client: AsyncTailoredClient) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        images = Path(tmp, "pip")
        draw_family(images, count=6, size=256)
        trained = await client.train(images, project="Pip", ip_type="icons", ip_medium="illustration")
    return trained.model.id


async def main() -> None:
    async with AsyncTailoredClient() as client:  # $BRIA_API_TOKEN, $BRIA_BASE_URL
        model_id = await train_model(client)  # or the id of a model you trained before
        jobs = await asyncio.gather(  # every request submitted at once; each returns a Job
            *(
                client.generate.image(model_id, prompt, seed=i, wait=False)
                for i, prompt in enumerate(PROMPTS, 1)
            )
        )
        results = await client.status.wait_all(jobs, return_exceptions=True)  # one loop polls them all
        saves: list[Awaitable[StoredObject]] = []
        for i, (prompt, result) in enumerate(zip(PROMPTS, results, strict=True), 1):
            if isinstance(result, BriaError):
                print(f"failed: {prompt!r}: {result}")
            else:
                saves.append(client.save(result, OUT, key=f"pip-{i}.png", model_id=model_id, prompt=prompt))
        for stored in await asyncio.gather(*saves):
            print("saved", stored.uri)


if __name__ == "__main__":
    if os.environ.get("BRIA_BASE_URL"):  # a server you chose (Bria's is https://engine.prod.bria-api.com)
        asyncio.run(main())
    else:  # the built-in sandbox on a free loopback port: offline, any token, training takes no time
        from bria_tailored.sandbox import run_sandbox

        with run_sandbox(training_seconds=0) as base_url:
            os.environ.update(BRIA_BASE_URL=base_url, BRIA_API_TOKEN="sandbox")
            asyncio.run(main())
