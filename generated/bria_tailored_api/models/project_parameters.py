from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ip_medium import IpMedium
from ..models.ip_type import IpType
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="ProjectParameters")


@_attrs_define
class ProjectParameters:
    """Parameters for creating a new project, required only if `project_id` is not provided."""

    ip_medium: IpMedium | Unset = UNSET
    ip_type: IpType | Unset = IpType.OTHER
    project_description: str | Unset = UNSET
    """ Description of the project. """
    project_name: str | Unset = UNSET
    """ Name of the project. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ip_medium: str | Unset = UNSET
        if not isinstance(self.ip_medium, Unset):
            ip_medium = self.ip_medium.value

        ip_type: str | Unset = UNSET
        if not isinstance(self.ip_type, Unset):
            ip_type = self.ip_type.value

        project_description = self.project_description

        project_name = self.project_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if ip_medium is not UNSET:
            field_dict["ip_medium"] = ip_medium
        if ip_type is not UNSET:
            field_dict["ip_type"] = ip_type
        if project_description is not UNSET:
            field_dict["project_description"] = project_description
        if project_name is not UNSET:
            field_dict["project_name"] = project_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _ip_medium = d.pop("ip_medium", UNSET)
        ip_medium: IpMedium | Unset
        if isinstance(_ip_medium, Unset):
            ip_medium = UNSET
        else:
            ip_medium = IpMedium(_ip_medium)

        _ip_type = d.pop("ip_type", UNSET)
        ip_type: IpType | Unset
        if isinstance(_ip_type, Unset):
            ip_type = UNSET
        else:
            ip_type = IpType(_ip_type)

        project_description = d.pop("project_description", UNSET)

        project_name = d.pop("project_name", UNSET)

        project_parameters = cls(
            ip_medium=ip_medium,
            ip_type=ip_type,
            project_description=project_description,
            project_name=project_name,
        )

        project_parameters.additional_properties = d
        return project_parameters

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
