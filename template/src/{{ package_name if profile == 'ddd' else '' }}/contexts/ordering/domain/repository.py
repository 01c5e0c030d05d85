"""The ports through which use cases keep ordering's aggregates; infrastructure implements them."""

from abc import abstractmethod
from uuid import UUID

from ....shared_kernel.uow import Repository
from .model import Order, Product


class ProductRepository(Repository):
    async def add(self, product: Product) -> None:
        await self._add(product)
        self._track(product)

    async def get(self, product_id: UUID) -> Product | None:
        product = await self._get(product_id)
        if product is not None:
            self._track(product)
        return product

    @abstractmethod
    async def _add(self, product: Product) -> None: ...

    @abstractmethod
    async def _get(self, product_id: UUID) -> Product | None: ...


class OrderRepository(Repository):
    async def add(self, order: Order) -> None:
        await self._add(order)
        self._track(order)

    @abstractmethod
    async def _add(self, order: Order) -> None: ...
