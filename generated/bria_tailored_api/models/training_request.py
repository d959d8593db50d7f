from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lr_scheduler import LrScheduler
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="TrainingRequest")


@_attrs_define
class TrainingRequest:
    checkpoint_interval: int | Unset = UNSET
    """ The interval (in steps) at which model checkpoints are saved. Default is 500. """
    learning_rate: float | Unset = UNSET
    """ The initial learning rate. Default is 0.0001. """
    lr_scheduler: LrScheduler | Unset = LrScheduler.CONSTANT_WITH_WARMUP
    lr_warmup_steps: int | Unset = 100
    """ Number of warmup steps for the learning rate scheduler.
    Relevant only when `lr_scheduler` is set to `constant_with_warmup`.
     """
    rank: int | Unset = UNSET
    """ The rank (latent dimension). Default is 128. """
    total_training_steps: int | Unset = UNSET
    """ The total number of training optimization steps. Default is 750. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_interval = self.checkpoint_interval

        learning_rate = self.learning_rate

        lr_scheduler: str | Unset = UNSET
        if not isinstance(self.lr_scheduler, Unset):
            lr_scheduler = self.lr_scheduler.value

        lr_warmup_steps = self.lr_warmup_steps

        rank = self.rank

        total_training_steps = self.total_training_steps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if checkpoint_interval is not UNSET:
            field_dict["checkpoint_interval"] = checkpoint_interval
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if lr_scheduler is not UNSET:
            field_dict["lr_scheduler"] = lr_scheduler
        if lr_warmup_steps is not UNSET:
            field_dict["lr_warmup_steps"] = lr_warmup_steps
        if rank is not UNSET:
            field_dict["rank"] = rank
        if total_training_steps is not UNSET:
            field_dict["total_training_steps"] = total_training_steps

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        checkpoint_interval = d.pop("checkpoint_interval", UNSET)

        learning_rate = d.pop("learning_rate", UNSET)

        _lr_scheduler = d.pop("lr_scheduler", UNSET)
        lr_scheduler: LrScheduler | Unset
        if isinstance(_lr_scheduler, Unset):
            lr_scheduler = UNSET
        else:
            lr_scheduler = LrScheduler(_lr_scheduler)

        lr_warmup_steps = d.pop("lr_warmup_steps", UNSET)

        rank = d.pop("rank", UNSET)

        total_training_steps = d.pop("total_training_steps", UNSET)

        training_request = cls(
            checkpoint_interval=checkpoint_interval,
            learning_rate=learning_rate,
            lr_scheduler=lr_scheduler,
            lr_warmup_steps=lr_warmup_steps,
            rank=rank,
            total_training_steps=total_training_steps,
        )

        training_request.additional_properties = d
        return training_request

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
