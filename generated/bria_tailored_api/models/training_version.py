from enum import StrEnum


class TrainingVersion(StrEnum):
    BRIA_2_3 = "bria-2.3"
    BRIA_3_2 = "bria-3.2"
    FIBO = "fibo"
    LIGHT = "light"
    MAX = "max"

    def __str__(self) -> str:
        return str(self.value)
