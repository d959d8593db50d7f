from enum import StrEnum


class CaptionSource(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
