"""``client.projects``: create, list, get, update and delete projects (each defines one visual IP)."""

from __future__ import annotations

from bria_tailored_api.api.project import (
    create_project,
    delete_project,
    get_project,
    get_projects,
    update_project,
)
from bria_tailored_api.models import Project, ProjectCreate, ProjectUpdate

from .. import validation
from ._base import Resource, body, call, compact


class Projects(Resource):
    def create(
        self,
        *,
        project_name: str,
        ip_medium: str,
        ip_type: str,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
    ) -> Project:
        """Create a project. ``ip_name`` is required for ``defined_character``; ``ip_description`` for
        ``defined_character`` and ``object_variants``; ``object_variants``, ``multi_object_set``, ``icons``
        and ``character_variants`` need ``ip_medium='illustration'``."""
        payload = compact(
            project_name=project_name,
            ip_medium=ip_medium,
            ip_type=ip_type,
            project_description=project_description,
            ip_name=ip_name,
            ip_description=ip_description,
        )
        validation.check_body("ProjectCreate", payload)
        validation.check_project(payload, creating=True)
        return self._run(call(create_project, body=ProjectCreate.from_dict(payload)))

    def list(self) -> list[Project]:
        return self._run(call(get_projects))

    def get(self, project_id: int) -> Project:
        return self._run(call(get_project, project_id=validation.check_id("project_id", project_id)))

    def update(
        self,
        project_id: int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
    ) -> Project:
        project_id = validation.check_id("project_id", project_id)
        payload = compact(
            project_name=project_name,
            project_description=project_description,
            ip_name=ip_name,
            ip_description=ip_description,
        )
        if not payload:
            raise validation.ValidationError("project_name", None, "give at least one field to update")
        validation.check_project(payload, creating=False)
        return self._run(
            call(update_project, project_id=project_id, body=body(ProjectUpdate, "ProjectUpdate", payload))
        )

    def delete(self, project_id: int) -> None:
        return self._run(call(delete_project, project_id=validation.check_id("project_id", project_id)))
