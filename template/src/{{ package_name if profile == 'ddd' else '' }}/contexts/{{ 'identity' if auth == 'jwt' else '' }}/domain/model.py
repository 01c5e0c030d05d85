"""The User aggregate: an account that can log in."""

from dataclasses import dataclass
from typing import Self
from uuid import UUID, uuid4

from ....shared_kernel.domain import AggregateRoot
from .value_objects import EmailAddress


@dataclass(eq=False)
class User(AggregateRoot):
    id: UUID
    email: EmailAddress
    # Hashed by the application layer (core/security.py); the domain never sees a password.
    password_hash: str

    @classmethod
    def register(cls, email: EmailAddress, password_hash: str) -> Self:
        return cls(id=uuid4(), email=email, password_hash=password_hash)
