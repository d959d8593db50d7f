from enum import StrEnum


class IpType(StrEnum):
    CHARACTER_VARIANTS = "character_variants"
    DEFINED_CHARACTER = "defined_character"
    ICONS = "icons"
    MULTI_OBJECT_SET = "multi_object_set"
    OBJECT_VARIANTS = "object_variants"
    OTHER = "other"
    STYLIZED_SCENE = "stylized_scene"

    def __str__(self) -> str:
        return str(self.value)
