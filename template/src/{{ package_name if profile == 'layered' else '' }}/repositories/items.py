"""Items in the database. Returns records, so no ORM object leaves this module."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import ConflictError
from ..models.items import Item
from ..records import ItemRecord


class SqlAlchemyItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, name: str, description: str) -> ItemRecord:
        item = Item(name=name, description=description)
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
        """One page, ordered by id, and the number of items in all pages, in one query."""
        # Columns, not Item objects: a page is only read, so it skips the session's identity map.
        # The total is an uncorrelated subquery, counted once per query.
        total = select(func.count()).select_from(Item).scalar_subquery()
        result = await self._session.execute(
            select(Item.id, Item.name, Item.description, total)
            .order_by(Item.id)
            .limit(limit)
            .offset(offset)
        )
        rows = result.all()
        if not rows:
            # Past the last page there is no row to carry the total: count on its own.
            counted = await self._session.scalar(select(func.count()).select_from(Item))
            return [], counted or 0
        page = [ItemRecord(id=id_, name=name, description=text) for id_, name, text, _ in rows]
        return page, rows[0][3]

    async def update(
        self, item_id: int, *, name: str | None = None, description: str | None = None
    ) -> ItemRecord | None:
        """The item with the fields that are not None changed; None if there is no such item."""
        item = await self._session.get(Item, item_id)
        if item is None:
            return None
        if name is not None:
            item.name = name
        if description is not None:
            item.description = description
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
    return ItemRecord(id=item.id, name=item.name, description=item.description)
