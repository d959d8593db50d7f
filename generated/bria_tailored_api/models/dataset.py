from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.captions_update_status import CaptionsUpdateStatus
from ..models.dataset_status import DatasetStatus
from ..models.upload_type import UploadType
from ..types import UNSET, Unset, repr_without_unset

if TYPE_CHECKING:
    from ..models.dataset_image import DatasetImage
    from ..models.dataset_models_item import DatasetModelsItem


T = TypeVar("T", bound="Dataset")


@_attrs_define
class Dataset:
    captions_update_status: CaptionsUpdateStatus | str
    created_at: datetime.datetime
    id: int
    name: str
    project_id: int
    status: DatasetStatus | str
    updated_at: datetime.datetime
    images: list[DatasetImage] | Unset = UNSET
    """ Array of images in the dataset (up to 200, controlled by max_images) """
    images_count: int | Unset = UNSET
    model_ids: list[str] | Unset = UNSET
    """ Only included when include_models_ids=true """
    models: list[DatasetModelsItem] | Unset = UNSET
    """ Only included when include_models=true """
    upload_type: str | Unset | UploadType = UNSET
    visual_schema: None | str | Unset = UNSET
    """ A string containing the JSON structure representing the visual backbone. Must be generated via
    `/generate_visual_schema`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        captions_update_status: str
        if isinstance(self.captions_update_status, CaptionsUpdateStatus):
            captions_update_status = self.captions_update_status.value
        else:
            captions_update_status = self.captions_update_status

        created_at = self.created_at.isoformat()

        id = self.id

        name = self.name

        project_id = self.project_id

        status: str
        if isinstance(self.status, DatasetStatus):
            status = self.status.value
        else:
            status = self.status

        updated_at = self.updated_at.isoformat()

        images: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.images, Unset):
            images = []
            for images_item_data in self.images:
                images_item = images_item_data.to_dict()
                images.append(images_item)

        images_count = self.images_count

        model_ids: list[str] | Unset = UNSET
        if not isinstance(self.model_ids, Unset):
            model_ids = self.model_ids

        models: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.models, Unset):
            models = []
            for models_item_data in self.models:
                models_item = models_item_data.to_dict()
                models.append(models_item)

        upload_type: str | Unset
        if isinstance(self.upload_type, Unset):
            upload_type = UNSET
        elif isinstance(self.upload_type, UploadType):
            upload_type = self.upload_type.value
        else:
            upload_type = self.upload_type

        visual_schema: None | str | Unset
        if isinstance(self.visual_schema, Unset):
            visual_schema = UNSET
        else:
            visual_schema = self.visual_schema

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "captions_update_status": captions_update_status,
                "created_at": created_at,
                "id": id,
                "name": name,
                "project_id": project_id,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if images is not UNSET:
            field_dict["images"] = images
        if images_count is not UNSET:
            field_dict["images_count"] = images_count
        if model_ids is not UNSET:
            field_dict["model_ids"] = model_ids
        if models is not UNSET:
            field_dict["models"] = models
        if upload_type is not UNSET:
            field_dict["upload_type"] = upload_type
        if visual_schema is not UNSET:
            field_dict["visual_schema"] = visual_schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dataset_image import DatasetImage  # noqa: PLC0415
        from ..models.dataset_models_item import DatasetModelsItem  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_captions_update_status(data: object) -> CaptionsUpdateStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                captions_update_status_type_0 = CaptionsUpdateStatus(data)

                return captions_update_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CaptionsUpdateStatus | str, data)

        captions_update_status = _parse_captions_update_status(d.pop("captions_update_status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        name = d.pop("name")

        project_id = d.pop("project_id")

        def _parse_status(data: object) -> DatasetStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = DatasetStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DatasetStatus | str, data)

        status = _parse_status(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _images = d.pop("images", UNSET)
        images: list[DatasetImage] | Unset = UNSET
        if _images is not UNSET:
            images = []
            for images_item_data in _images:
                images_item = DatasetImage.from_dict(images_item_data)

                images.append(images_item)

        images_count = d.pop("images_count", UNSET)

        model_ids = cast(list[str], d.pop("model_ids", UNSET))

        _models = d.pop("models", UNSET)
        models: list[DatasetModelsItem] | Unset = UNSET
        if _models is not UNSET:
            models = []
            for models_item_data in _models:
                models_item = DatasetModelsItem.from_dict(models_item_data)

                models.append(models_item)

        def _parse_upload_type(data: object) -> str | Unset | UploadType:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                upload_type_type_0 = UploadType(data)

                return upload_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | Unset | UploadType, data)

        upload_type = _parse_upload_type(d.pop("upload_type", UNSET))

        def _parse_visual_schema(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        visual_schema = _parse_visual_schema(d.pop("visual_schema", UNSET))

        dataset = cls(
            captions_update_status=captions_update_status,
            created_at=created_at,
            id=id,
            name=name,
            project_id=project_id,
            status=status,
            updated_at=updated_at,
            images=images,
            images_count=images_count,
            model_ids=model_ids,
            models=models,
            upload_type=upload_type,
            visual_schema=visual_schema,
        )

        dataset.additional_properties = d
        return dataset

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
