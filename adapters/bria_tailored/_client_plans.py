"""The client's own methods, as plans: ``save``, ``train`` and ``request`` (any operation by its id).

Like the resource groups, these are written once and run by both clients (see
:mod:`bria_tailored.resources._base`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from . import _locations as locations
from . import validation
from ._plan import Plan, blocking
from ._request import call
from .errors import ValidationError
from .resources._base import PlanGroup

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .storage import StoredObject
    from .types import ImageResult, VideoResult
    from .workflows.options import TrainOptions, TrainSource
    from .workflows.train import TrainResult


class ClientPlans(PlanGroup):
    """What a client offers besides its resource groups."""

    def save(
        self,
        result_or_url: ImageResult | VideoResult | str,
        to: str | os.PathLike[str],
        key: str | None = None,
        *,
        name: str | None = None,
        model_id: int | str | None = None,
        prompt: str | None = None,
        structured_prompt: str | Mapping[str, object] | None = None,
        seed: int | None = None,
        request_id: str | None = None,
        created_at: datetime | None = None,
        embed_metadata: bool = True,
        **metadata: object,
    ) -> Plan[StoredObject]:
        """Stream an output (an ``ImageResult``, a ``VideoResult`` or a result URL) into storage with a
        metadata sidecar ``<key>.json``; calls the ``bria_tailored_output_saved`` hook. Returns the
        ``StoredObject``.

        ``to`` is the file itself when its last part has an output's extension or is an existing file
        (``"cat.png"``, ``"s3://bucket/cats/cat.png"``: written exactly there), else a folder or storage URI
        (a trailing ``/`` or an existing folder always is). In a folder the file is named ``key``, else by
        the ``name`` template (``"{slug}-{seed}"``; fields: ``slug``, ``seed``, ``model_id``,
        ``request_id``, ``short_id``, ``aspect_ratio``, ``kind``, ``date``, ``time``), else readably
        ``{slug of the prompt}-{seed}.png``; a made-up name never overwrites (``-2``, ``-3``, ... is added).

        The sidecar holds the model id, prompt, negative prompt, seed, aspect ratio, structured prompt (a
        JSON object), request id, a video's source image, the SDK version and timings, all taken from the
        result (the keywords override them), plus any other keyword. With ``embed_metadata`` a PNG also
        carries the same metadata in its text chunks (standard library only); an MP4's record is its
        sidecar."""
        from .saving import save_result
        from .types import ImageResult, VideoResult

        if not isinstance(result_or_url, (ImageResult, VideoResult)):
            if not isinstance(result_or_url, str):
                raise ValidationError(
                    "result_or_url", result_or_url, "must be an ImageResult, a VideoResult or a URL"
                )
            validation.check_text("result_or_url", result_or_url)
        locations.check_destination("to", to)
        validation.check_text("key", key, optional=True)
        validation.check_text("name", name, optional=True)
        validation.check_bool("embed_metadata", embed_metadata)
        if model_id is not None:
            validation.check_id("model_id", model_id)
        validation.check_string("prompt", prompt, optional=True)
        if structured_prompt is not None and not isinstance(structured_prompt, Mapping):
            validation.check_string("structured_prompt", structured_prompt)
        validation.check_seed("seed", seed)
        if request_id is not None:
            validation.check_request_id("request_id", request_id)
        validation.check_datetime("created_at", created_at, optional=True)

        def save() -> StoredObject:
            return save_result(
                result_or_url,
                to,
                key,
                name=name,
                model_id=model_id,
                prompt=prompt,
                structured_prompt=structured_prompt,
                seed=seed,
                request_id=request_id,
                created_at=created_at,
                api_base_url=self._conn.base_url,
                embed_metadata=embed_metadata,
                **metadata,
            )

        return (yield from blocking(save))

    def train(
        self, source: TrainSource, *, project: int | str, **options: Unpack[TrainOptions]
    ) -> Plan[TrainResult]:
        """Train a tailored model on ``source`` (a folder, a ``.zip`` file or a storage prefix of images).

        ``project`` is an existing project id, or a name for a new project (then ``ip_type`` and
        ``ip_medium`` are required, ``ip_name``/``ip_description`` as the IP type demands). Every image is
        checked first (format, truncation, resolution, 5-5000 images; more than 200 need ``via``, a storage
        URI to stage a bulk ZIP in): all problems are raised together as ``InvalidImagesError`` before
        anything is created. Then: dataset → visual schema from 5-10 sampled images, refined by ``refine``
        → uploads → captions → complete → model → training → wait. Every option is described in
        :class:`bria_tailored.workflows.options.TrainOptions`.

        A JSON manifest (``state``; default ``<source>.bria-train.json`` beside the source) records every
        step, so calling ``train`` again with the same arguments after a crash or Ctrl-C resumes: same
        project, dataset and model, no image uploaded twice. Returns a ``TrainResult``."""
        from .workflows._plans import Plans
        from .workflows.train import train_plan

        return (yield from train_plan(Plans(self._conn), source, project=project, **options))

    def request(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        json: object = None,
    ) -> Plan[object]:
        """Call any operation of ``generated/openapi.json`` by its operationId (e.g. one added upstream
        that the facade does not wrap yet), with the client's auth, limits, retries and errors. Returns the
        parsed model(s) the spec documents, or the JSON. The arguments are checked against the operation's
        spec before it is sent: path parameters (ids, request ids), query parameters and the JSON body."""
        from ._operations import OPERATIONS

        validation.check_operation_id("operation_id", operation_id)
        operation = OPERATIONS.get(operation_id) or OPERATIONS.get(operation_id.replace("_", "-"))
        if operation is None:
            known = ", ".join(sorted(OPERATIONS))
            raise ValidationError("operation_id", operation_id, f"must be an operation of the spec ({known})")
        op_id = operation.operation_id
        path: dict[str, object] = {}
        for name, value in validation.check_mapping("path_params", path_params, optional=True).items():
            if name not in operation.path_params:
                raise ValidationError(name, value, f"is not a path parameter of {op_id}")
            path[name] = validation.check_path_param(op_id, name, value)
        for name in operation.path_params:
            if name not in path:
                raise ValidationError(name, None, f"is a path parameter {op_id} requires")
        params = validation.check_mapping("query", query, optional=True)
        for name, value in params.items():
            if name not in operation.query_params:
                raise ValidationError(name, value, f"is not a query parameter of {op_id}")
            if value is not None:
                validation.check_param(op_id, name, value)
        if operation.body_schema is None:
            if json is not None:
                raise ValidationError("json", json, f"{op_id} takes no request body")
        else:
            validation.check_body(operation.body_schema, validation.check_mapping("json", json))
        result: object = yield from call(self._conn, operation, path=path, query=params or None, json=json)
        return result
