from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset, repr_without_unset

if TYPE_CHECKING:
    from ..models.status_error import StatusError
    from ..models.status_result import StatusResult


T = TypeVar("T", bound="StatusResponse")


@_attrs_define
class StatusResponse:
    request_id: str
    status: JobStatus | str
    """ IN_PROGRESS until the job ends as COMPLETED, ERROR or UNKNOWN. """
    error: StatusError | Unset = UNSET
    result: StatusResult | Unset = UNSET
    """ What a finished job produced (fields depend on the job's kind). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        status: str
        if isinstance(self.status, JobStatus):
            status = self.status.value
        else:
            status = self.status

        error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.error, Unset):
            error = self.error.to_dict()

        result: dict[str, Any] | Unset = UNSET
        if not isinstance(self.result, Unset):
            result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "request_id": request_id,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.status_error import StatusError  # noqa: PLC0415
        from ..models.status_result import StatusResult  # noqa: PLC0415

        d = dict(src_dict)
        request_id = d.pop("request_id")

        def _parse_status(data: object) -> JobStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = JobStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobStatus | str, data)

        status = _parse_status(d.pop("status"))

        _error = d.pop("error", UNSET)
        error: StatusError | Unset
        if isinstance(_error, Unset):
            error = UNSET
        else:
            error = StatusError.from_dict(_error)

        _result = d.pop("result", UNSET)
        result: StatusResult | Unset
        if isinstance(_result, Unset):
            result = UNSET
        else:
            result = StatusResult.from_dict(_result)

        status_response = cls(
            request_id=request_id,
            status=status,
            error=error,
            result=result,
        )

        status_response.additional_properties = d
        return status_response

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
