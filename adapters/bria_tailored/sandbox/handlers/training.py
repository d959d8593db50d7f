"""Handlers that start and stop a model's training (the lifecycle then moves it on the sandbox clock)."""

from __future__ import annotations

from ..errors import message
from ..lifecycle import FAIL_MARKER, iso
from ..records import TrainingParameters
from ..service import Sandbox
from ..views import model_view
from .base import Call, Reply, handles
from .bodies import TrainingRequest

__all__ = ["EXPERT_PARAMETERS", "start_training", "stop_training", "training_parameters"]

EXPERT_PARAMETERS = (
    "rank",
    "learning_rate",
    "lr_scheduler",
    "lr_warmup_steps",
    "total_training_steps",
    "checkpoint_interval",
)


def training_parameters(body: TrainingRequest) -> TrainingParameters:
    """The defaults, overridden by what the request gives (no warm-up without a warm-up scheduler)."""
    params: TrainingParameters = {
        "rank": body.get("rank", 128),
        "learning_rate": body.get("learning_rate", 0.0001),
        "lr_scheduler": body.get("lr_scheduler", "constant_with_warmup"),
        "lr_warmup_steps": body.get("lr_warmup_steps", 100),
        "total_training_steps": body.get("total_training_steps", 750),
        "checkpoint_interval": body.get("checkpoint_interval", 500),
    }
    if params["lr_scheduler"] != "constant_with_warmup":
        params["lr_warmup_steps"] = None
    return params


@handles("start-training")
async def start_training(sb: Sandbox, call: Call[TrainingRequest]) -> Reply:
    model = sb.model(call.path_id("model_id"))
    body = call.body
    if model["status"] != "Created":
        raise message(409, f"Training already started/cannot be resumed (model status: {model['status']})")
    if any(key in body for key in EXPERT_PARAMETERS) and model.get("training_mode") != "expert":
        raise message(
            400, "Advanced training parameters are only supported when training_mode is set to 'expert'."
        )
    dataset = sb.store.datasets.get(model.get("dataset_id"))
    if dataset is None or dataset["status"] != "completed":
        raise message(412, "Dataset status must be 'completed' to start training")
    params = training_parameters(body)
    model["training_parameters"] = params
    marker_text = f"{model.get('name', '')} {model.get('description', '')}"
    model["_training"] = {
        "started": call.now,
        "duration": sb.options.duration("training"),
        "fail": FAIL_MARKER in marker_text,
        "total_steps": int(params["total_training_steps"]),
        "interval": int(params["checkpoint_interval"]),
        "job_id": sb.store.next_id("training_job", start=12000),
    }
    model["status"] = "InProgress"
    model["updated_at"] = iso(call.now)
    sb.store.models.put(model["id"], model)
    project = sb.store.projects.get(model.get("project_id"))
    if project is not None and project.get("training_version") is None:
        project["training_version"] = "fibo"
        sb.store.projects.put(project["id"], project)
    sb.settle_model(model, call.now)
    return Reply(200, model_view(model))


@handles("stop-training")
async def stop_training(sb: Sandbox, call: Call[None]) -> Reply:
    model = sb.model(call.path_id("model_id"))
    if model["status"] != "InProgress":
        raise message(409, f"Training already stopped/not in training (model status: {model['status']})")
    model["status"] = "Stopping"
    model["_stop"] = {"requested": call.now, "duration": sb.options.duration("stop")}
    model["updated_at"] = iso(call.now)
    sb.store.models.put(model["id"], model)
    sb.settle_model(model, call.now)
    return Reply(200, model_view(model))
