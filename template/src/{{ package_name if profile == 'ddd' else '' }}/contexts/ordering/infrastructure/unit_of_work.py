"""Ordering's unit of work on an SQLAlchemy session."""

from sqlalchemy.ext.asyncio import AsyncSession

from ....persistence import SqlAlchemyUnitOfWork
from ..application.unit_of_work import OrderingUnitOfWork
from .repository import SqlAlchemyOrderRepository, SqlAlchemyProductRepository


class SqlAlchemyOrderingUnitOfWork(SqlAlchemyUnitOfWork, OrderingUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.products = SqlAlchemyProductRepository(session)
        self.orders = SqlAlchemyOrderRepository(session)
