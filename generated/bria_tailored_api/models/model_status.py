from enum import StrEnum


class ModelStatus(StrEnum):
    COMPLETED = "Completed"
    CREATED = "Created"
    FAILED = "Failed"
    INPROGRESS = "InProgress"
    STOPPED = "Stopped"
    STOPPING = "Stopping"

    def __str__(self) -> str:
        return str(self.value)
