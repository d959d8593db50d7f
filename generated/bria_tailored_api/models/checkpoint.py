from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import repr_without_unset

T = TypeVar("T", bound="Checkpoint")


@_attrs_define
class Checkpoint:
    checkpoint_step: int
    """ The training step at which the checkpoint was saved. """
    created_at: datetime.datetime
    """ Timestamp of checkpoint creation. """
    training_job_id: int
    """ The ID of the training job associated with the checkpoint. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_step = self.checkpoint_step

        created_at = self.created_at.isoformat()

        training_job_id = self.training_job_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_step": checkpoint_step,
                "created_at": created_at,
                "training_job_id": training_job_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        checkpoint_step = d.pop("checkpoint_step")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        training_job_id = d.pop("training_job_id")

        checkpoint = cls(
            checkpoint_step=checkpoint_step,
            created_at=created_at,
            training_job_id=training_job_id,
        )

        checkpoint.additional_properties = d
        return checkpoint

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
