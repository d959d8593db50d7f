from enum import StrEnum


class JobStatus(StrEnum):
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    IN_PROGRESS = "IN_PROGRESS"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return str(self.value)
