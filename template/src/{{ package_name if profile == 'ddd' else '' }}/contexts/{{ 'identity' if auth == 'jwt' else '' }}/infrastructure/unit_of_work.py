"""Identity's unit of work on an SQLAlchemy session."""

from sqlalchemy.ext.asyncio import AsyncSession

from ....persistence import SqlAlchemyUnitOfWork
from ..application.unit_of_work import IdentityUnitOfWork
from .repository import SqlAlchemyUserRepository


class SqlAlchemyIdentityUnitOfWork(SqlAlchemyUnitOfWork, IdentityUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.users = SqlAlchemyUserRepository(session)
