from enum import StrEnum


class TrainingMode(StrEnum):
    EXPERT = "expert"
    FULLY_AUTOMATED = "fully_automated"

    def __str__(self) -> str:
        return str(self.value)
