"""Item rows: SQL in, `DBItemRow` out; never an ORM object or a Pydantic model."""

from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..core.errors import ConflictError
from ..db import PageQuery
from ..tables import items


class DBItemRow(TypedDict):
    id: int
    name: str
    description: str
    origin: str | None


class ItemChanges(TypedDict, total=False):
    """The columns an update sets: a column absent is left as it is."""

    name: str
    description: str
    origin: str | None


# Exactly the columns a DBItemRow has: a read never fetches more than it returns.
_COLUMNS = (items.c.id, items.c.name, items.c.description, items.c.origin)


_PAGE = PageQuery(sa.select(*_COLUMNS).order_by(items.c.id), items)


def _item_row(row: RowMapping) -> DBItemRow:
    return DBItemRow(
        id=row["id"], name=row["name"], description=row["description"], origin=row["origin"]
    )


async def get(connection: AsyncConnection, item_id: int) -> DBItemRow | None:
    result = await connection.execute(sa.select(*_COLUMNS).where(items.c.id == item_id))
    row = result.mappings().one_or_none()
    return None if row is None else _item_row(row)


async def list_page(
    connection: AsyncConnection, *, limit: int, offset: int
) -> tuple[list[DBItemRow], int]:
    """One page, ordered by id, and the number of items in all pages."""
    rows, total = await _PAGE.run(connection, limit=limit, offset=offset)
    return [_item_row(row) for row in rows], total


async def insert(
    connection: AsyncConnection, *, name: str, description: str, origin: str | None = None
) -> DBItemRow:
    values = {"name": name, "description": description, "origin": origin}
    statement = sa.insert(items).values(values).returning(*_COLUMNS)
    result = await _write(connection, statement, name=name)
    return _item_row(result.mappings().one())


async def update(
    connection: AsyncConnection,
    item_id: int,
    changes: ItemChanges,
) -> DBItemRow | None:
    """Set each column in `changes` to its value; None if no such item exists."""
    if not changes:
        return await get(connection, item_id)
    statement = sa.update(items).where(items.c.id == item_id).values(changes).returning(*_COLUMNS)
    result = await _write(connection, statement, name=changes.get("name"))
    row = result.mappings().one_or_none()
    return None if row is None else _item_row(row)


async def delete(connection: AsyncConnection, item_id: int) -> bool:
    result = await connection.execute(
        sa.delete(items).where(items.c.id == item_id).returning(items.c.id)
    )
    return result.first() is not None


async def _write(
    connection: AsyncConnection, statement: sa.Executable, *, name: str | None
) -> sa.CursorResult[Any]:
    """Run an insert or update; a name another item has becomes a ConflictError."""
    try:
        return await connection.execute(statement)
    except IntegrityError as error:
        # The unique index on items.name is the source of truth, even under concurrent writes.
        msg = f"An item named {name!r} already exists."
        raise ConflictError(msg) from error
