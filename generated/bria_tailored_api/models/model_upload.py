from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, repr_without_unset

if TYPE_CHECKING:
    from ..models.project_parameters import ProjectParameters


T = TypeVar("T", bound="ModelUpload")


@_attrs_define
class ModelUpload:
    model_url: str
    """ URL of the tailored model file to be uploaded. """
    model_name: str | Unset = UNSET
    """ Name of the new tailored model. """
    project_id: int | Unset = UNSET
    """ ID of the project the model should be assigned to. If omitted, a new project will be created. """
    project_parameters: ProjectParameters | Unset = UNSET
    """ Parameters for creating a new project, required only if `project_id` is not provided. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_url = self.model_url

        model_name = self.model_name

        project_id = self.project_id

        project_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.project_parameters, Unset):
            project_parameters = self.project_parameters.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model_url": model_url,
            }
        )
        if model_name is not UNSET:
            field_dict["model_name"] = model_name
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if project_parameters is not UNSET:
            field_dict["project_parameters"] = project_parameters

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.project_parameters import ProjectParameters  # noqa: PLC0415

        d = dict(src_dict)
        model_url = d.pop("model_url")

        model_name = d.pop("model_name", UNSET)

        project_id = d.pop("project_id", UNSET)

        _project_parameters = d.pop("project_parameters", UNSET)
        project_parameters: ProjectParameters | Unset
        if isinstance(_project_parameters, Unset):
            project_parameters = UNSET
        else:
            project_parameters = ProjectParameters.from_dict(_project_parameters)

        model_upload = cls(
            model_url=model_url,
            model_name=model_name,
            project_id=project_id,
            project_parameters=project_parameters,
        )

        model_upload.additional_properties = d
        return model_upload

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
