"""The built-in sandbox as a test bed: a local emulator of the whole API with an accelerated clock and
deterministic fault injection. Here 10% of the requests are answered ``429 Too Many Requests`` (the client
retries them, honouring ``Retry-After``), ``ERROR_MARKER`` in a prompt makes a job end in ``ERROR``
(``JobFailedError``) and ``FAIL_MARKER`` in a model's name makes its training fail (``TrainingFailedError``).

Run it with ``python examples/sandbox_faults.py`` (``BRIA_LOG=info`` shows the retries). It always starts
a sandbox of its own on a free loopback port (``BRIA_BASE_URL`` and ``BRIA_API_TOKEN`` are not used): no
network, no token.
"""

import tempfile
from pathlib import Path

from bria_tailored import TailoredClient, errors
from bria_tailored.cli.demo_art import draw_family
from bria_tailored.sandbox import ERROR_MARKER, FAIL_MARKER, run_sandbox


def main() -> None:
    with (
        # Retry-After: 0 keeps the demo quick (Bria's own 429s ask for seconds; the client honours either).
        run_sandbox(training_seconds=0, fail_rate=0.1, fail_kinds=("429",), seed=1, retry_after=0) as base_url,
        TailoredClient("any-token", base_url=base_url) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        images = Path(tmp, "pip")
        draw_family(images, count=5, size=256)
        trained = client.train(images, project="Icons", ip_type="icons", ip_medium="illustration")
        image = client.generate.image(trained.model.id, "Pip waving", seed=1)
        print("generated", image.image_url)
        try:
            client.generate.image(trained.model.id, f"Pip waving {ERROR_MARKER}")
        except errors.JobFailedError as exc:
            print("JobFailedError:", exc)
        try:
            name, state = f"pip {FAIL_MARKER}", Path(tmp, "run2.json")  # a new run needs its own manifest
            client.train(images, project=trained.project.id, model_name=name, state=state)
        except errors.TrainingFailedError as exc:
            print("TrainingFailedError:", exc)


if __name__ == "__main__":
    main()
