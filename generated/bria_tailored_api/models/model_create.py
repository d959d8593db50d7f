from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.training_mode import TrainingMode
from ..models.training_version import TrainingVersion
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="ModelCreate")


@_attrs_define
class ModelCreate:
    dataset_id: int
    """ ID of the dataset to use """
    name: str
    """ Name of the model """
    description: str | Unset = UNSET
    """ Description of the model (optional) """
    training_mode: TrainingMode | Unset = TrainingMode.FULLY_AUTOMATED
    training_version: TrainingVersion | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dataset_id = self.dataset_id

        name = self.name

        description = self.description

        training_mode: str | Unset = UNSET
        if not isinstance(self.training_mode, Unset):
            training_mode = self.training_mode.value

        training_version: str | Unset = UNSET
        if not isinstance(self.training_version, Unset):
            training_version = self.training_version.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dataset_id": dataset_id,
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if training_mode is not UNSET:
            field_dict["training_mode"] = training_mode
        if training_version is not UNSET:
            field_dict["training_version"] = training_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dataset_id = d.pop("dataset_id")

        name = d.pop("name")

        description = d.pop("description", UNSET)

        _training_mode = d.pop("training_mode", UNSET)
        training_mode: TrainingMode | Unset
        if isinstance(_training_mode, Unset):
            training_mode = UNSET
        else:
            training_mode = TrainingMode(_training_mode)

        _training_version = d.pop("training_version", UNSET)
        training_version: TrainingVersion | Unset
        if isinstance(_training_version, Unset):
            training_version = UNSET
        else:
            training_version = TrainingVersion(_training_version)

        model_create = cls(
            dataset_id=dataset_id,
            name=name,
            description=description,
            training_mode=training_mode,
            training_version=training_version,
        )

        model_create.additional_properties = d
        return model_create

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
