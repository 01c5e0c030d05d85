"""What identity can be asked to change. Plain values in; handlers.py checks them."""

from dataclasses import dataclass

from ....contracts.identity import UserIdentity
from ....shared_kernel.messages import Command


@dataclass(frozen=True)
class Register(Command[UserIdentity]):
    email: str
    password: str
