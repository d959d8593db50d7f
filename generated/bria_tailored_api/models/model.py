from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_status import ModelStatus
from ..models.training_mode import TrainingMode
from ..models.training_version import TrainingVersion
from ..types import UNSET, Unset, repr_without_unset

if TYPE_CHECKING:
    from ..models.training_parameters import TrainingParameters


T = TypeVar("T", bound="Model")


@_attrs_define
class Model:
    created_at: datetime.datetime
    """ Timestamp when the model was created. """
    id: int
    """ Unique identifier for the model. """
    name: str
    """ Name of the model. """
    project_id: int
    """ ID of the project this model belongs to. """
    status: ModelStatus | str
    """ Status of the model. """
    active_model_version: str | Unset = UNSET
    """ The active version (checkpoint) of the model. Becomes relevant after training has completed. """
    checkpoint_steps: list[str] | Unset = UNSET
    """ A list of checkpoints saved for the model. Populated via the /start_training endpoint. """
    custom_metadata: str | Unset = UNSET
    """ Custom metadata associated with the model. """
    dataset_id: int | Unset = UNSET
    """ ID of the dataset used for training. """
    description: str | Unset = UNSET
    """ Description of the model. """
    generation_prefix: None | str | Unset = UNSET
    """ Text prepended to generation prompts: the dataset's caption prefix for legacy models, null for fibo models.
    """
    training_mode: str | TrainingMode | Unset = UNSET
    """ Training configuration strategy """
    training_parameters: TrainingParameters | Unset = UNSET
    """ The training parameters used for the model. Populated via the /start_training endpoint. """
    training_version: str | TrainingVersion | Unset = UNSET
    """ The base model this model is fine-tuned from. """
    updated_at: datetime.datetime | Unset = UNSET
    """ Timestamp when the model was last updated. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        name = self.name

        project_id = self.project_id

        status: str
        if isinstance(self.status, ModelStatus):
            status = self.status.value
        else:
            status = self.status

        active_model_version = self.active_model_version

        checkpoint_steps: list[str] | Unset = UNSET
        if not isinstance(self.checkpoint_steps, Unset):
            checkpoint_steps = self.checkpoint_steps

        custom_metadata = self.custom_metadata

        dataset_id = self.dataset_id

        description = self.description

        generation_prefix: None | str | Unset
        if isinstance(self.generation_prefix, Unset):
            generation_prefix = UNSET
        else:
            generation_prefix = self.generation_prefix

        training_mode: str | Unset
        if isinstance(self.training_mode, Unset):
            training_mode = UNSET
        elif isinstance(self.training_mode, TrainingMode):
            training_mode = self.training_mode.value
        else:
            training_mode = self.training_mode

        training_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.training_parameters, Unset):
            training_parameters = self.training_parameters.to_dict()

        training_version: str | Unset
        if isinstance(self.training_version, Unset):
            training_version = UNSET
        elif isinstance(self.training_version, TrainingVersion):
            training_version = self.training_version.value
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
                "name": name,
                "project_id": project_id,
                "status": status,
            }
        )
        if active_model_version is not UNSET:
            field_dict["active_model_version"] = active_model_version
        if checkpoint_steps is not UNSET:
            field_dict["checkpoint_steps"] = checkpoint_steps
        if custom_metadata is not UNSET:
            field_dict["custom_metadata"] = custom_metadata
        if dataset_id is not UNSET:
            field_dict["dataset_id"] = dataset_id
        if description is not UNSET:
            field_dict["description"] = description
        if generation_prefix is not UNSET:
            field_dict["generation_prefix"] = generation_prefix
        if training_mode is not UNSET:
            field_dict["training_mode"] = training_mode
        if training_parameters is not UNSET:
            field_dict["training_parameters"] = training_parameters
        if training_version is not UNSET:
            field_dict["training_version"] = training_version
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.training_parameters import TrainingParameters  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        name = d.pop("name")

        project_id = d.pop("project_id")

        def _parse_status(data: object) -> ModelStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ModelStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ModelStatus | str, data)

        status = _parse_status(d.pop("status"))

        active_model_version = d.pop("active_model_version", UNSET)

        checkpoint_steps = cast(list[str], d.pop("checkpoint_steps", UNSET))

        custom_metadata = d.pop("custom_metadata", UNSET)

        dataset_id = d.pop("dataset_id", UNSET)

        description = d.pop("description", UNSET)

        def _parse_generation_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        generation_prefix = _parse_generation_prefix(d.pop("generation_prefix", UNSET))

        def _parse_training_mode(data: object) -> str | TrainingMode | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                training_mode_type_0 = TrainingMode(data)

                return training_mode_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TrainingMode | Unset, data)

        training_mode = _parse_training_mode(d.pop("training_mode", UNSET))

        _training_parameters = d.pop("training_parameters", UNSET)
        training_parameters: TrainingParameters | Unset
        if isinstance(_training_parameters, Unset):
            training_parameters = UNSET
        else:
            training_parameters = TrainingParameters.from_dict(_training_parameters)

        def _parse_training_version(data: object) -> str | TrainingVersion | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                training_version_type_0 = TrainingVersion(data)

                return training_version_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TrainingVersion | Unset, data)

        training_version = _parse_training_version(d.pop("training_version", UNSET))

        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        model = cls(
            created_at=created_at,
            id=id,
            name=name,
            project_id=project_id,
            status=status,
            active_model_version=active_model_version,
            checkpoint_steps=checkpoint_steps,
            custom_metadata=custom_metadata,
            dataset_id=dataset_id,
            description=description,
            generation_prefix=generation_prefix,
            training_mode=training_mode,
            training_parameters=training_parameters,
            training_version=training_version,
            updated_at=updated_at,
        )

        model.additional_properties = d
        return model

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
