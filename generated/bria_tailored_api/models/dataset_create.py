from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.upload_type import UploadType
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="DatasetCreate")


@_attrs_define
class DatasetCreate:
    name: str
    """ Dataset name """
    project_id: int
    """ Associated project ID """
    upload_type: UploadType | Unset = UploadType.BASIC
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        project_id = self.project_id

        upload_type: str | Unset = UNSET
        if not isinstance(self.upload_type, Unset):
            upload_type = self.upload_type.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "project_id": project_id,
            }
        )
        if upload_type is not UNSET:
            field_dict["upload_type"] = upload_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        project_id = d.pop("project_id")

        _upload_type = d.pop("upload_type", UNSET)
        upload_type: UploadType | Unset
        if isinstance(_upload_type, Unset):
            upload_type = UNSET
        else:
            upload_type = UploadType(_upload_type)

        dataset_create = cls(
            name=name,
            project_id=project_id,
            upload_type=upload_type,
        )

        dataset_create.additional_properties = d
        return dataset_create

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
