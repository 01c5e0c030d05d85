"""Items in the database. Returns records, so no ORM object leaves this module."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import ConflictError
from ..db import PageQuery
from ..models.items import Item
from ..records import ItemChanges, ItemRecord

# Columns, not Item objects: a page is only read, so it skips the session's identity map.
_PAGE = PageQuery(
    select(Item.id, Item.name, Item.description, Item.origin).order_by(Item.id), Item.__table__
)


class SqlAlchemyItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, name: str, description: str, origin: str | None = None) -> ItemRecord:
        item = Item(name=name, description=description, origin=origin)
        self._session.add(item)
        await self._flush(name)
        return _record(item)

    async def get(self, item_id: int) -> ItemRecord | None:
        item = await self._session.get(Item, item_id)
        return None if item is None else _record(item)

    async def get_by_name(self, name: str) -> ItemRecord | None:
        item = await self._session.scalar(select(Item).where(Item.name == name))
        return None if item is None else _record(item)

    async def list_page(self, *, limit: int, offset: int) -> tuple[list[ItemRecord], int]:
        """One page, ordered by id, and the number of items in all pages."""
        rows, total = await _PAGE.run(self._session, limit=limit, offset=offset)
        records = [
            ItemRecord(
                id=row["id"], name=row["name"], description=row["description"], origin=row["origin"]
            )
            for row in rows
        ]
        return records, total

    async def update(self, item_id: int, changes: ItemChanges) -> ItemRecord | None:
        """The item with the fields in `changes` set; None if there is no such item."""
        item = await self._session.get(Item, item_id)
        if item is None:
            return None
        if "name" in changes:
            item.name = changes["name"]
        if "description" in changes:
            item.description = changes["description"]
        if "origin" in changes:
            item.origin = changes["origin"]
        await self._flush(item.name)
        return _record(item)

    async def delete(self, item_id: int) -> bool:
        item = await self._session.get(Item, item_id)
        if item is None:
            return False
        await self._session.delete(item)
        await self._session.flush()
        return True

    async def _flush(self, name: str) -> None:
        try:
            await self._session.flush()
        except IntegrityError as error:
            # The service checks names first; the unique index settles two writes that race past
            # that check. The transaction is the service's to end: the request's session rolls
            # back when the error leaves it.
            msg = f"An item named {name!r} already exists."
            raise ConflictError(msg) from error


def _record(item: Item) -> ItemRecord:
    return ItemRecord(
        id=item.id,
        name=item.name,
        description=item.description,
        origin=item.origin,
    )
