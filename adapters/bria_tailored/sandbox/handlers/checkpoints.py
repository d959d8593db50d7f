"""Handlers of an expert model's checkpoints: list them, read one, delete one.

Checkpoint errors are bare JSON strings, as Bria answers them.
"""

from __future__ import annotations

from ..errors import ApiError
from ..records import Checkpoint, ModelRecord
from ..service import Sandbox
from .base import Call, Reply, handles

__all__ = ["delete_checkpoint", "get_checkpoint", "list_checkpoints"]


def _checkpoint_model(sb: Sandbox, model_id: int) -> ModelRecord:
    model = sb.store.models.get(model_id)
    if model is None:
        raise ApiError(404, "Model not found")
    if model["status"] != "Completed":
        raise ApiError(400, "The model status is not completed")
    if model.get("training_mode") != "expert":
        raise ApiError(400, "Checkpoints are only available for models trained in expert mode")
    return model


def _find_checkpoint(model: ModelRecord, step: int) -> Checkpoint:
    for checkpoint in model.get("_checkpoints", []):
        if checkpoint["checkpoint_step"] == step:
            return checkpoint.copy()
    raise ApiError(404, "Checkpoint not found")


@handles("list-checkpoints")
async def list_checkpoints(sb: Sandbox, call: Call[None]) -> Reply:
    model = _checkpoint_model(sb, call.path_id("model_id"))
    return Reply(
        200,
        {
            "active_model_version": model.get("active_model_version", "default"),
            "checkpoints": list(reversed(model.get("_checkpoints", []))),
        },
    )


@handles("get-checkpoint")
async def get_checkpoint(sb: Sandbox, call: Call[None]) -> Reply:
    model = _checkpoint_model(sb, call.path_id("model_id"))
    return Reply(200, _find_checkpoint(model, call.path_id("checkpoint_step")))


@handles("delete-checkpoint")
async def delete_checkpoint(sb: Sandbox, call: Call[None]) -> Reply:
    model = _checkpoint_model(sb, call.path_id("model_id"))
    step = call.path_id("checkpoint_step")
    _find_checkpoint(model, step)
    if str(step) == str(model.get("active_model_version")):
        raise ApiError(400, "Cannot delete checkpoint currently selected for inference")
    model["_checkpoints"] = [c for c in model.get("_checkpoints", []) if c["checkpoint_step"] != step]
    model["_deleted_checkpoints"] = [*model.get("_deleted_checkpoints", []), step]
    model["checkpoint_steps"] = [s for s in model["checkpoint_steps"] if s != str(step)]
    sb.store.models.put(model["id"], model)
    return Reply(204)
