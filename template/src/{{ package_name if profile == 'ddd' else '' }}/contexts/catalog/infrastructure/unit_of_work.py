"""The catalog's unit of work on an SQLAlchemy session."""

from sqlalchemy.ext.asyncio import AsyncSession

from ....persistence import SqlAlchemyUnitOfWork
from ....shared_kernel.domain import DomainEvent
from ....shared_kernel.messages import Event
from ..application.unit_of_work import CatalogUnitOfWork
from . import event_translation
from .repository import SqlAlchemyItemRepository


class SqlAlchemyCatalogUnitOfWork(SqlAlchemyUnitOfWork, CatalogUnitOfWork):
    def _open_repositories(self, session: AsyncSession) -> None:
        self.items = SqlAlchemyItemRepository(session)

    def _published(self, event: DomainEvent) -> list[Event]:
        return event_translation.to_integration_events(event)
