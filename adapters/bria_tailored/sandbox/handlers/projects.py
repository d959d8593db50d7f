"""Handlers of the projects resource: list, create, read, update and delete projects, and list a
project's datasets and models.

Only create-project applies the IP rules (``rules.py``: ``ip_name`` for a defined character, ...), with a
400 its spec documents. update-project documents no 400 (200, 401, 403, 404, 429, 500), so an update is
applied as asked, even one that leaves a defined character without a name.
"""

from __future__ import annotations

from ..errors import message
from ..lifecycle import TRAINING_STATES, iso
from ..service import Sandbox
from ..views import dataset_view, model_view, public
from .base import Call, Reply, handles
from .bodies import ProjectCreate, ProjectUpdate
from .rules import check_ip

__all__ = [
    "create_project",
    "delete_project",
    "get_datasets_by_project",
    "get_models_by_project",
    "get_project",
    "get_projects",
    "update_project",
]


@handles("get-projects")
async def get_projects(sb: Sandbox, call: Call[None]) -> Reply:
    return Reply(200, [public(p) for p in sb.store.projects.all()])


@handles("create-project")
async def create_project(sb: Sandbox, call: Call[ProjectCreate]) -> Reply:
    body = call.body
    check_ip(body["ip_medium"], body["ip_type"], body.get("ip_name"), body.get("ip_description"))
    project = sb.new_project(
        call.now,
        name=body["project_name"],
        description=body.get("project_description", ""),
        ip_medium=body["ip_medium"],
        ip_type=body["ip_type"],
        ip_name=body.get("ip_name"),
        ip_description=body.get("ip_description"),
    )
    return Reply(201, public(project))


@handles("get-project")
async def get_project(sb: Sandbox, call: Call[None]) -> Reply:
    return Reply(200, public(sb.project(call.path_id("project_id"))))


@handles("update-project")
async def update_project(sb: Sandbox, call: Call[ProjectUpdate]) -> Reply:
    project = sb.project(call.path_id("project_id"))
    body = call.body
    for key, value in body.items():  # in the caller's order: a new ip_name/ip_description is added in it
        if not isinstance(value, str):
            continue
        if key == "project_name":
            project["project_name"] = value
        elif key == "project_description":
            project["project_description"] = value
        elif key == "ip_name":
            project["ip_name"] = value
        elif key == "ip_description":
            project["ip_description"] = value
    project["updated_at"] = iso(call.now)
    sb.store.projects.put(project["id"], project)
    return Reply(200, public(project))


@handles("delete-project")
async def delete_project(sb: Sandbox, call: Call[None]) -> Reply:
    project = sb.project(call.path_id("project_id"))
    models = sb.models_of_project(project["id"])
    if any(m["status"] in TRAINING_STATES for m in models):
        raise message(409, "Cannot delete project while models are in training")
    for model in models:
        sb.delete_model_record(model)
    for dataset in sb.datasets_of_project(project["id"]):
        sb.delete_dataset_cascade(dataset["id"])
    sb.store.projects.delete(project["id"])
    return Reply(204)


@handles("get-datasets-by-project")
async def get_datasets_by_project(sb: Sandbox, call: Call[None]) -> Reply:
    project = sb.project(call.path_id("project_id"))
    return Reply(
        200,
        [
            dataset_view(
                sb,
                dataset,
                call.base_url,
                include_models=call.flag("include_models"),
                include_model_ids=call.flag("include_models_ids"),
            )
            for dataset in sb.datasets_of_project(project["id"])
        ],
    )


@handles("get-models-by-project")
async def get_models_by_project(sb: Sandbox, call: Call[None]) -> Reply:
    project = sb.project(call.path_id("project_id"))
    include = call.flag("include_training_parameters")
    return Reply(200, [model_view(m, include) for m in sb.models_of_project(project["id"])])
