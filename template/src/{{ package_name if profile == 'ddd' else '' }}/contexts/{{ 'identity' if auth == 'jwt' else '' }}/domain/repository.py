"""The port through which use cases keep User aggregates; infrastructure implements it."""

from abc import abstractmethod
from uuid import UUID

from ....shared_kernel.uow import Repository
from .model import User
from .value_objects import EmailAddress


class UserRepository(Repository):
    async def add(self, user: User) -> None:
        await self._add(user)
        self._track(user)

    async def get(self, user_id: UUID) -> User | None:
        return self._tracked(await self._get(user_id))

    async def get_by_email(self, email: EmailAddress) -> User | None:
        return self._tracked(await self._get_by_email(email))

    def _tracked(self, user: User | None) -> User | None:
        if user is not None:
            self._track(user)
        return user

    @abstractmethod
    async def _add(self, user: User) -> None: ...

    @abstractmethod
    async def _get(self, user_id: UUID) -> User | None: ...

    @abstractmethod
    async def _get_by_email(self, email: EmailAddress) -> User | None: ...
