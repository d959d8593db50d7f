from enum import StrEnum


class IpMedium(StrEnum):
    ILLUSTRATION = "illustration"
    PHOTOGRAPHY = "photography"

    def __str__(self) -> str:
        return str(self.value)
