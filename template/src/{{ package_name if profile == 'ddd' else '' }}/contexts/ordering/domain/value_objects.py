"""Values of ordering's language, checked when they are made and never changed after."""

from dataclasses import dataclass

from ....shared_kernel.domain import ValueObject
from ....shared_kernel.errors import InvalidValueError

MAX_QUANTITY = 1000


@dataclass(frozen=True)
class Quantity(ValueObject):
    value: int

    def __post_init__(self) -> None:
        if not 1 <= self.value <= MAX_QUANTITY:
            msg = f"A quantity is a whole number from 1 to {MAX_QUANTITY}."
            raise InvalidValueError(msg)
