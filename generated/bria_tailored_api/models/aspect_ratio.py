from enum import StrEnum


class AspectRatio(StrEnum):
    VALUE_0 = "1:1"
    VALUE_1 = "2:3"
    VALUE_2 = "3:2"
    VALUE_3 = "3:4"
    VALUE_4 = "4:3"
    VALUE_5 = "4:5"
    VALUE_6 = "5:4"
    VALUE_7 = "9:16"
    VALUE_8 = "16:9"

    def __str__(self) -> str:
        return str(self.value)
