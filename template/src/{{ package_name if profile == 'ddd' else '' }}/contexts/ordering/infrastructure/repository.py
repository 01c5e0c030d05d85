"""Ordering's aggregates in the database, through the unit of work's session."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.model import Order, Product
from ..domain.repository import OrderRepository, ProductRepository


class SqlAlchemyProductRepository(ProductRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self._session = session

    async def _add(self, product: Product) -> None:
        self._session.add(product)

    async def _get(self, product_id: UUID) -> Product | None:
        return await self._session.get(Product, product_id)


class SqlAlchemyOrderRepository(OrderRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self._session = session

    async def _add(self, order: Order) -> None:
        self._session.add(order)
