from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ip_medium import IpMedium
from ..models.ip_type import IpType
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="ProjectCreate")


@_attrs_define
class ProjectCreate:
    ip_medium: IpMedium
    ip_type: IpType
    project_name: str
    """ Name of the project """
    ip_description: str | Unset = UNSET
    """ Required only for defined_character and object_variants IP types. A short phrase (up to 6 words) describing
    the most crucial distinguishing features (e.g., "a female character with purple hair"). """
    ip_name: str | Unset = UNSET
    """ Required only for defined_character IP type. The name of the character (1-3 words, e.g., "Lora", "Captain
    Smith"). """
    project_description: str | Unset = UNSET
    """ Description of the project (optional) """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ip_medium = self.ip_medium.value

        ip_type = self.ip_type.value

        project_name = self.project_name

        ip_description = self.ip_description

        ip_name = self.ip_name

        project_description = self.project_description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ip_medium": ip_medium,
                "ip_type": ip_type,
                "project_name": project_name,
            }
        )
        if ip_description is not UNSET:
            field_dict["ip_description"] = ip_description
        if ip_name is not UNSET:
            field_dict["ip_name"] = ip_name
        if project_description is not UNSET:
            field_dict["project_description"] = project_description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ip_medium = IpMedium(d.pop("ip_medium"))

        ip_type = IpType(d.pop("ip_type"))

        project_name = d.pop("project_name")

        ip_description = d.pop("ip_description", UNSET)

        ip_name = d.pop("ip_name", UNSET)

        project_description = d.pop("project_description", UNSET)

        project_create = cls(
            ip_medium=ip_medium,
            ip_type=ip_type,
            project_name=project_name,
            ip_description=ip_description,
            ip_name=ip_name,
            project_description=project_description,
        )

        project_create.additional_properties = d
        return project_create

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
