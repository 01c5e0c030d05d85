"""User aggregates in the database, through the unit of work's session."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.model import User
from ..domain.repository import UserRepository
from ..domain.value_objects import EmailAddress
from .orm import users


class SqlAlchemyUserRepository(UserRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self._session = session

    async def _add(self, user: User) -> None:
        self._session.add(user)

    async def _get(self, user_id: UUID) -> User | None:
        return await self._session.get(User, user_id)

    async def _get_by_email(self, email: EmailAddress) -> User | None:
        return await self._session.scalar(select(User).where(users.c.email == email.value))
