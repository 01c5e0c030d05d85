"""Item aggregates in the database, through the unit of work's session."""

from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.model import Item
from ..domain.repository import ItemRepository
from ..domain.value_objects import ItemName
from .orm import items


class SqlAlchemyItemRepository(ItemRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self._session = session

    async def name_taken(self, name: ItemName) -> bool:
        taken = await self._session.scalar(select(exists().where(items.c.name == name.value)))
        return bool(taken)

    async def _add(self, item: Item) -> None:
        self._session.add(item)

    async def _get(self, item_id: UUID) -> Item | None:
        return await self._session.get(Item, item_id)

    async def _remove(self, item: Item) -> None:
        await self._session.delete(item)
