from enum import StrEnum


class CaptionsUpdateStatus(StrEnum):
    COMPLETED = "completed"
    EMPTY = "empty"
    IN_PROGRESS = "in_progress"

    def __str__(self) -> str:
        return str(self.value)
