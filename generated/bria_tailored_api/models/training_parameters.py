from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lr_scheduler import LrScheduler
from ..types import UNSET, Unset, repr_without_unset

T = TypeVar("T", bound="TrainingParameters")


@_attrs_define
class TrainingParameters:
    """The training parameters used for the model. Populated via the /start_training endpoint."""

    checkpoint_interval: int | Unset = UNSET
    learning_rate: float | Unset = UNSET
    lr_scheduler: LrScheduler | str | Unset = UNSET
    lr_warmup_steps: int | None | Unset = UNSET
    """ Number of warmup steps used. Value is an integer if `lr_scheduler` is `constant_with_warmup`, otherwise
    `null`.
     """
    rank: int | Unset = UNSET
    total_training_steps: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_interval = self.checkpoint_interval

        learning_rate = self.learning_rate

        lr_scheduler: str | Unset
        if isinstance(self.lr_scheduler, Unset):
            lr_scheduler = UNSET
        elif isinstance(self.lr_scheduler, LrScheduler):
            lr_scheduler = self.lr_scheduler.value
        else:
            lr_scheduler = self.lr_scheduler

        lr_warmup_steps: int | None | Unset
        if isinstance(self.lr_warmup_steps, Unset):
            lr_warmup_steps = UNSET
        else:
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

        def _parse_lr_scheduler(data: object) -> LrScheduler | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lr_scheduler_type_0 = LrScheduler(data)

                return lr_scheduler_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LrScheduler | str | Unset, data)

        lr_scheduler = _parse_lr_scheduler(d.pop("lr_scheduler", UNSET))

        def _parse_lr_warmup_steps(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lr_warmup_steps = _parse_lr_warmup_steps(d.pop("lr_warmup_steps", UNSET))

        rank = d.pop("rank", UNSET)

        total_training_steps = d.pop("total_training_steps", UNSET)

        training_parameters = cls(
            checkpoint_interval=checkpoint_interval,
            learning_rate=learning_rate,
            lr_scheduler=lr_scheduler,
            lr_warmup_steps=lr_warmup_steps,
            rank=rank,
            total_training_steps=total_training_steps,
        )

        training_parameters.additional_properties = d
        return training_parameters

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
