"""``client.projects``: create, list, get, update and delete projects (each defines one visual IP)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from .. import _operations as ops
from .. import validation
from .._plan import Plan
from .._request import call
from ..errors import ValidationError
from ._base import PlanGroup, checked, compact

if TYPE_CHECKING:
    from bria_tailored_api.models import IpMedium, IpType, Project

    from .._operations import IpMediumValue, IpTypeValue


class ProjectPlans(PlanGroup):
    """``client.projects``: a project holds one visual IP (a character, a style, an icon set)."""

    def create(
        self,
        *,
        project_name: str,
        ip_medium: IpMediumValue | IpMedium,
        ip_type: IpTypeValue | IpType,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
    ) -> Plan[Project]:
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
        return (yield from call(self._conn, ops.create_project, json=payload))

    def list(self) -> Plan[builtins.list[Project]]:
        """Every project of the organisation."""
        return (yield from call(self._conn, ops.get_projects))

    def get(self, project_id: int) -> Plan[Project]:
        """One project."""
        project_id = validation.check_id("project_id", project_id)
        return (yield from call(self._conn, ops.get_project, path={"project_id": project_id}))

    def update(
        self,
        project_id: int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        ip_name: str | None = None,
        ip_description: str | None = None,
    ) -> Plan[Project]:
        """Change a project's name, description or IP name/description (give at least one)."""
        project_id = validation.check_id("project_id", project_id)
        payload = compact(
            project_name=project_name,
            project_description=project_description,
            ip_name=ip_name,
            ip_description=ip_description,
        )
        if not payload:
            raise ValidationError("project_name", None, "give at least one field to update")
        validation.check_project(payload, creating=False)
        json = checked("ProjectUpdate", payload)
        return (yield from call(self._conn, ops.update_project, path={"project_id": project_id}, json=json))

    def delete(self, project_id: int) -> Plan[None]:
        """Delete a project (Bria refuses while it still has datasets or models: ``ConflictError``)."""
        project_id = validation.check_id("project_id", project_id)
        yield from call(self._conn, ops.delete_project, path={"project_id": project_id})
