"""Answers to the catalog's queries: SQL straight to views, without loading aggregates."""

from sqlalchemy import select

from ....db import Database, PageQuery
from ..application.queries import GetItem, ItemPage, ItemView, ListItems
from .orm import items

_ITEM_COLUMNS = (items.c.id, items.c.name, items.c.description, items.c.origin, items.c.version)
_ITEM_PAGE = PageQuery(select(*_ITEM_COLUMNS).order_by(items.c.name), items)


class SqlItemQueries:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get_item(self, query: GetItem) -> ItemView | None:
        async with self._database.reading() as connection:
            result = await connection.execute(
                select(*_ITEM_COLUMNS).where(items.c.id == query.item_id)
            )
            row = result.one_or_none()
        if row is None:
            return None
        return ItemView(
            id=row.id,
            name=row.name,
            description=row.description,
            origin=row.origin,
            version=row.version,
        )

    async def list_items(self, query: ListItems) -> ItemPage:
        async with self._database.reading() as connection:
            rows, total = await _ITEM_PAGE.run(connection, limit=query.limit, offset=query.offset)
        views = [
            ItemView(
                id=row["id"],
                name=row["name"],
                description=row["description"],
                origin=row["origin"],
                version=row["version"],
            )
            for row in rows
        ]
        return ItemPage(items=views, total=total)
