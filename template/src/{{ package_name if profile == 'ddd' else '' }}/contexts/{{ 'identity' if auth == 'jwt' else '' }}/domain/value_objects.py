"""Values of identity's language, checked when they are made and never changed after."""

from dataclasses import dataclass
from typing import Self

from ....shared_kernel.domain import ValueObject
from ....shared_kernel.errors import InvalidValueError

EMAIL_MAX_LENGTH = 320


@dataclass(frozen=True)
class EmailAddress(ValueObject):
    """In lower case, so that one address is one account however it is typed."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(text.strip().lower())

    def __post_init__(self) -> None:
        local, at, domain = self.value.partition("@")
        if not (local and at and domain) or self.value != self.value.lower():
            msg = "An email address looks like name@example.com, in lower case."
            raise InvalidValueError(msg)
        if len(self.value) > EMAIL_MAX_LENGTH:
            msg = f"An email address has at most {EMAIL_MAX_LENGTH} characters."
            raise InvalidValueError(msg)
