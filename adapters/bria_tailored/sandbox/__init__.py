"""A local, stateful emulator of Bria's Tailored Generation API (extra ``sandbox``).

Every operation of the repaired spec (``generated/openapi.json``, or ``bria_tailored_api/openapi.json``
in a wheel) is served under the same ``/v1`` and ``/v2`` paths, with the documented lifecycle and rules,
real output files and fault injection::

    from bria_tailored.sandbox import run_sandbox

    with run_sandbox(training_seconds=1.0) as base_url:        # or: async with run_sandbox() as base_url
        ...  # point the client at base_url with any non-empty api_token

    app = create_app(db_path="sandbox.db")                     # an ASGI app for your own server
    serve_forever(port=8787)                                   # what `bria-tailored sandbox --port 8787` runs

Options (keyword arguments; see :class:`SandboxOptions`): ``token``, ``time_scale``,
``training_seconds``, ``stop_seconds``, ``caption_seconds``, ``bulk_seconds``, ``job_seconds``,
``sync_seconds``, ``clock``, ``latency_ms``, ``fail_rate``, ``fail_kinds``, ``retry_after``,
``rate_limit``, ``request_log_size``, ``seed``, ``fault_downloads``, ``drop_download_after_bytes``,
``db_path``, ``public_base_url``, ``image_scale``, ``max_zip_bytes``, ``max_zip_entries``,
``max_zip_uncompressed_bytes``, ``max_model_bytes``, ``max_image_bytes``, ``max_body_bytes``,
``max_json_depth``, ``fetch_allow``, ``allowed_hosts``, ``webhook_attempts``,
``webhook_backoff_seconds``, ``webhook_timeout_seconds``, ``spec_path``.

Safe on a laptop (``netpolicy.py``, ``guards.py``, ``fetching.py``): the sandbox binds to loopback only,
answers only loopback ``Host`` names (421 otherwise: DNS rebinding), caps bodies (413) and JSON depth
(400), and fetches the URLs requests name only from its own port, ``public_base_url`` and ``fetch_allow``
(``host``, ``host:port`` or a URL prefix; ``$BRIA_SANDBOX_FETCH_ALLOW`` when not given), redirects checked
hop by hop. A URL it may not fetch fails exactly like one that does not answer. A file server started after
the sandbox is added with ``server.allow_fetch("127.0.0.1:PORT")`` (or ``app.allow_fetch``).

Webhooks (``webhooks.py``): a generation request with ``webhook_url`` (loopback, or allowed by
``fetch_allow``) gets the job's final status POSTed there once it ends, signed as Bria signs them
(``Bria-Webhook-Id``/``-Timestamp``/``-Signature``, key derived from the request's ``api_token``), with
retries; ``bria_tailored.webhooks.verify`` checks them.

Limits and counting, for tests and benchmarks (``requestlog.py``): ``rate_limit`` (``--rate-limit RPM``)
allows that many requests per minute per ``api_token`` (status polls count) and answers the rest 429 with
``Retry-After``. ``GET /_sandbox/requests`` (no token) lists the requests that reached the sandbox, answered
or not (401, 429, injected faults; ``/_sandbox/*`` excluded), as ``{"requests": [{"t", "method", "path",
"operation", "status", "token"}, ...], "dropped": N}``: ``t`` the wall-clock time of the answer (epoch seconds, strictly increasing),
``operation`` the operationId (``null`` for none), ``status`` ``0`` for a dropped connection, ``token`` the
first 16 hex digits of the ``api_token``'s SHA-256 (:func:`token_hash`). ``?since=T`` keeps entries after
``T``, ``?operation=ID`` (repeatable) those of an operation. In process: ``app.request_log.entries(since=...,
operation=...)`` (also ``server.request_log``). It keeps the last ``request_log_size`` entries (200,000);
``dropped`` counts the older ones.

Markers that make things fail on purpose (for testing error paths):

- ``[sandbox:error]`` in a generation ``prompt`` or ``structured_prompt`` (or in the ``image`` of a video
  request): the job ends in Status Service ``ERROR`` with ``error {code: 500, message, details}``; with
  ``sync=true`` the request answers 500 ``{"message": ...}``.
- ``[sandbox:fail]`` in a model's ``name`` or ``description``: training ends ``Failed`` half-way.

Behaviour worth knowing:

- Lifecycle durations run on the sandbox clock, multiplied by ``time_scale``: a model is ``InProgress``
  for ``training_seconds`` then ``Completed`` (expert mode: checkpoints every ``checkpoint_interval``
  steps, plus the final step); ``stop_training`` → ``Stopping`` for ``stop_seconds`` → ``Stopped``;
  ``regenerate-all-captions`` keeps ``captions_update_status`` ``in_progress`` for ``caption_seconds``;
  a bulk upload fetches the zip, then adds its images progressively over ``bulk_seconds``; generation
  jobs are ``IN_PROGRESS`` for ``job_seconds``; uploaded models are ``syncing`` for ``sync_seconds``, then
  ``Completed``.
- Files the API points at (images, thumbnails, outputs, model weights, dataset zips, captions) are served
  at ``/_sandbox/files/...`` without a token, with ``Range`` support.
- Generated images have the requested aspect ratio exactly; their size is about 1024² × ``image_scale``²
  pixels (``image_scale=1`` gives 1:1 → 1024x1024). Videos are 5-second Motion-JPEG MP4s; model weights
  are small valid ``.safetensors`` files.
- Faults (``fail_rate``) are decided before any work is done, so a retried request never duplicates work,
  and an operation only gets a status its spec entry documents (``faults.py``).
- Where the sandbox follows its spec, or the real API where they differ for a documented reason, the
  handler's module docstring says so (``handlers/datasets.py``, ``images.py``, ``projects.py``,
  ``generation.py``).
"""

from __future__ import annotations

from .app import SandboxApp, create_app
from .lifecycle import ERROR_MARKER, FAIL_MARKER
from .options import SandboxOptions
from .requestlog import RequestEntry, RequestLog, token_hash
from .server import SandboxServer, main, run_sandbox, serve_forever

__all__ = [
    "ERROR_MARKER",
    "FAIL_MARKER",
    "RequestEntry",
    "RequestLog",
    "SandboxApp",
    "SandboxOptions",
    "SandboxServer",
    "create_app",
    "main",
    "run_sandbox",
    "serve_forever",
    "token_hash",
]
