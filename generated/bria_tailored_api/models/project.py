from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ip_medium import IpMedium
from ..models.ip_type import IpType
from ..models.project_status import ProjectStatus
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="Project")


@_attrs_define
class Project:
    created_at: datetime.datetime
    """ Timestamp when the project was created """
    id: int
    """ Unique identifier for the project """
    project_name: str
    """ Name of the project """
    status: ProjectStatus | str
    """ Status of the project """
    ip_description: str | Unset = UNSET
    """ Description of the IP """
    ip_medium: IpMedium | str | Unset = UNSET
    """ Medium of the IP """
    ip_name: str | Unset = UNSET
    """ Name of the IP """
    ip_type: IpType | str | Unset = UNSET
    """ Type of the IP """
    project_description: str | Unset = UNSET
    """ Description of the project """
    training_version: None | str | Unset = UNSET
    """ The training version family this project is locked to (e.g., 'fibo', 'max', or null if unlocked). """
    updated_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        project_name = self.project_name

        status: str
        if isinstance(self.status, ProjectStatus):
            status = self.status.value
        else:
            status = self.status

        ip_description = self.ip_description

        ip_medium: str | Unset
        if isinstance(self.ip_medium, Unset):
            ip_medium = UNSET
        elif isinstance(self.ip_medium, IpMedium):
            ip_medium = self.ip_medium.value
        else:
            ip_medium = self.ip_medium

        ip_name = self.ip_name

        ip_type: str | Unset
        if isinstance(self.ip_type, Unset):
            ip_type = UNSET
        elif isinstance(self.ip_type, IpType):
            ip_type = self.ip_type.value
        else:
            ip_type = self.ip_type

        project_description = self.project_description

        training_version: None | str | Unset
        if isinstance(self.training_version, Unset):
            training_version = UNSET
        else:
            training_version = self.training_version

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "project_name": project_name,
                "status": status,
            }
        )
        if ip_description is not UNSET:
            field_dict["ip_description"] = ip_description
        if ip_medium is not UNSET:
            field_dict["ip_medium"] = ip_medium
        if ip_name is not UNSET:
            field_dict["ip_name"] = ip_name
        if ip_type is not UNSET:
            field_dict["ip_type"] = ip_type
        if project_description is not UNSET:
            field_dict["project_description"] = project_description
        if training_version is not UNSET:
            field_dict["training_version"] = training_version
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        project_name = d.pop("project_name")

        def _parse_status(data: object) -> ProjectStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ProjectStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ProjectStatus | str, data)

        status = _parse_status(d.pop("status"))

        ip_description = d.pop("ip_description", UNSET)

        def _parse_ip_medium(data: object) -> IpMedium | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ip_medium_type_0 = IpMedium(data)

                return ip_medium_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(IpMedium | str | Unset, data)

        ip_medium = _parse_ip_medium(d.pop("ip_medium", UNSET))

        ip_name = d.pop("ip_name", UNSET)

        def _parse_ip_type(data: object) -> IpType | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ip_type_type_0 = IpType(data)

                return ip_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(IpType | str | Unset, data)

        ip_type = _parse_ip_type(d.pop("ip_type", UNSET))

        project_description = d.pop("project_description", UNSET)

        def _parse_training_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        training_version = _parse_training_version(d.pop("training_version", UNSET))

        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        project = cls(
            created_at=created_at,
            id=id,
            project_name=project_name,
            status=status,
            ip_description=ip_description,
            ip_medium=ip_medium,
            ip_name=ip_name,
            ip_type=ip_type,
            project_description=project_description,
            training_version=training_version,
            updated_at=updated_at,
        )

        project.additional_properties = d
        return project

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

    def __repr__(self) -> str:
        return repr_without_unset(self)
