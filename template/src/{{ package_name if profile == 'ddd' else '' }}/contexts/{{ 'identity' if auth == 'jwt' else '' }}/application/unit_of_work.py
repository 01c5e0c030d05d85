"""Identity's unit of work: its repositories, saved or discarded together."""

from collections.abc import Iterable

from ....shared_kernel.uow import Repository, UnitOfWork
from ..domain.repository import UserRepository


class IdentityUnitOfWork(UnitOfWork):
    users: UserRepository

    def _repositories(self) -> Iterable[Repository]:
        return (self.users,)
