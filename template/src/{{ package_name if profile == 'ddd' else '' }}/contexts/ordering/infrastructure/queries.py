"""Answers to ordering's queries: SQL straight to views, without loading aggregates."""

from sqlalchemy import select

from ....db import Database
from ..application.queries import GetOrder, OrderView
from .orm import orders, products


class SqlOrderQueries:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get_order(self, query: GetOrder) -> OrderView | None:
        statement = (
            select(orders.c.id, orders.c.product_id, products.c.name, orders.c.quantity)
            .join(products, orders.c.product_id == products.c.id)
            .where(orders.c.id == query.order_id)
        )
        async with self._database.reading() as connection:
            row = (await connection.execute(statement)).one_or_none()
        if row is None:
            return None
        return OrderView(
            id=row.id, product_id=row.product_id, product_name=row.name, quantity=row.quantity
        )
