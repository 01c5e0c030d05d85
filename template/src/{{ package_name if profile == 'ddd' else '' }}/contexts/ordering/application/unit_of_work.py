"""Ordering's unit of work: its repositories, saved or discarded together."""

from collections.abc import Iterable

from ....shared_kernel.uow import Repository, UnitOfWork
from ..domain.repository import OrderRepository, ProductRepository


class OrderingUnitOfWork(UnitOfWork):
    products: ProductRepository
    orders: OrderRepository

    def _repositories(self) -> Iterable[Repository]:
        return (self.products, self.orders)
