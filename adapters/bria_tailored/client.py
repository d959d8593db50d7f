"""``TailoredClient`` and ``AsyncTailoredClient``: the facade over every operation of the API.

Both expose the same resource groups with the same method names; the async client's methods return
awaitables. Configuration (token, base URL, timeout, retries, rate limit, the httpx client) has one home,
the client's core (:mod:`bria_tailored._core`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ._core import AsyncCore, Blocking, SyncCore, make_config
from .resources import Datasets, Generate, Models, Projects, Status

if TYPE_CHECKING:
    from ._async_types import AsyncDatasets, AsyncGenerate, AsyncModels, AsyncProjects, AsyncStatus


_RESOURCES = {
    "projects": Projects,
    "datasets": Datasets,
    "models": Models,
    "generate": Generate,
    "status": Status,
}


class _Facade:
    _core: Any

    def _attach(self) -> None:
        # The same resource objects serve both clients; each client declares their types below.
        for name, resource in _RESOURCES.items():
            setattr(self, name, resource(self._core, self))

    @property
    def base_url(self) -> str:
        return str(self._core.config.base_url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def save(
        self, result_or_url: Any, to: str | os.PathLike[str], key: str | None = None, **metadata: Any
    ) -> Any:
        """Stream an output (ImageResult, VideoResult or URL) into storage (a URI or folder) with a sidecar
        ``<key>.json``; calls the ``bria_tailored_output_saved`` hook. Returns the ``StoredObject``."""
        from .saving import save_result

        def plan() -> Any:
            stored = yield Blocking(lambda: save_result(result_or_url, to, key, **metadata))
            return stored

        return self._core.run(plan())

    def train(
        self,
        source: Any,
        *,
        project: int | str,
        dataset_name: str | None = None,
        model_name: str | None = None,
        ip_type: str | None = None,
        ip_medium: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
        via: str | None = None,
        refine: str | Sequence[str] | None = None,
        training_mode: str = "fully_automated",
        state: str | os.PathLike[str] | None = None,
        on_progress: Callable[[Any], Any] | None = None,
        timeout: float | None = 8 * 3600.0,
        upload_type: str | None = None,
        concurrency: int = 8,
        poll_policy: Any = None,
        model_description: str | None = None,
        **expert_params: Any,
    ) -> Any:
        """Train a tailored model on ``source`` (a folder, a ``.zip`` file or a storage prefix of images).

        ``project`` is an existing project id, or a name for a new project (then ``ip_type`` and
        ``ip_medium`` are required, ``ip_name``/``ip_description`` as the IP type demands). Every image is
        checked first (format, truncation, resolution, 5-5000 images; more than 200 need ``via``, a storage
        URI to stage a bulk ZIP in): all problems are raised together as ``InvalidImagesError`` before
        anything is created. Then: dataset (``dataset_name``, default the source's name) → visual schema
        from 5-10 sampled images, refined by ``refine`` (an instruction or a list) → uploads (``concurrency``
        at once) → captions → complete → model (``model_name``, ``training_mode``) → training (expert
        parameters as keyword arguments) → wait up to ``timeout`` seconds (``poll_policy`` overrides the
        waits' backoff).

        Progress goes to ``on_progress(TrainEvent(phase, done, total, detail))`` (from worker threads
        during uploads with the sync client). A JSON manifest (``state``; default
        ``<source>.bria-train.json`` beside the source) records every step, so calling ``train`` again
        with the same arguments after a crash or Ctrl-C resumes: same project, dataset and model, no image
        uploaded twice. Returns a ``TrainResult`` (``.model`` is the trained model, plus ``.project``,
        ``.dataset``, ``.state_path``).
        """
        from .workflows.train import train_plan

        return self._core.run(
            train_plan(
                self._core,
                source,
                project=project,
                dataset_name=dataset_name,
                model_name=model_name,
                ip_type=ip_type,
                ip_medium=ip_medium,
                ip_name=ip_name,
                ip_description=ip_description,
                via=via,
                refine=refine,
                training_mode=training_mode,
                state=state,
                on_progress=on_progress,
                timeout=timeout,
                upload_type=upload_type,
                concurrency=concurrency,
                poll_policy=poll_policy,
                model_description=model_description,
                **expert_params,
            )
        )


class TailoredClient(_Facade):
    """Synchronous client. Use as a context manager, or call :meth:`close`.

    ``api_token`` defaults to ``$BRIA_API_TOKEN``; ``base_url`` to ``$BRIA_BASE_URL`` or Bria's host root
    (paths carry ``/v1`` or ``/v2``); ``timeout`` is seconds or an ``httpx.Timeout`` (never none);
    ``max_retries`` applies to 429 always and to 5xx/connection errors of GET, PUT and DELETE;
    ``requests_per_minute`` is a client-side limit shared by every thread; ``http_client`` is your own
    ``httpx.Client`` (its transport is wrapped with auth, limits and retries).
    """

    projects: Projects
    datasets: Datasets
    models: Models
    generate: Generate
    status: Status

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError(
                "http_client must be an httpx.Client (use AsyncTailoredClient for httpx.AsyncClient)"
            )
        config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        self._core = SyncCore(config, http_client)
        self._attach()

    def close(self) -> None:
        self._core.close()

    def __enter__(self) -> TailoredClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTailoredClient(_Facade):
    """Asynchronous client: the same surface as :class:`TailoredClient`, every method awaitable."""

    projects: AsyncProjects
    datasets: AsyncDatasets
    models: AsyncModels
    generate: AsyncGenerate
    status: AsyncStatus

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        max_retries: int = 3,
        requests_per_minute: float | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use TailoredClient for httpx.Client)")
        config = make_config(api_token, base_url, timeout, max_retries, requests_per_minute)
        self._core = AsyncCore(config, http_client)
        self._attach()

    async def close(self) -> None:
        await self._core.close()

    async def __aenter__(self) -> AsyncTailoredClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
