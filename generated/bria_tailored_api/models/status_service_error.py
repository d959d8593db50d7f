from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import repr_without_unset

if TYPE_CHECKING:
    from ..models.status_service_error_detail import StatusServiceErrorDetail


T = TypeVar("T", bound="StatusServiceError")


@_attrs_define
class StatusServiceError:
    """The Status Service itself failed (a failed job answers 200 with `status: ERROR`)."""

    error: StatusServiceErrorDetail
    request_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error.to_dict()

        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.status_service_error_detail import StatusServiceErrorDetail  # noqa: PLC0415

        d = dict(src_dict)
        error = StatusServiceErrorDetail.from_dict(d.pop("error"))

        request_id = d.pop("request_id")

        status_service_error = cls(
            error=error,
            request_id=request_id,
        )

        status_service_error.additional_properties = d
        return status_service_error

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
