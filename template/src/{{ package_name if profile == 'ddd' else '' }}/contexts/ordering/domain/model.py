"""Ordering's aggregates: the products it sells, as it sees them, and the orders placed."""

from dataclasses import dataclass
from typing import Self
from uuid import UUID, uuid4

from ....shared_kernel.domain import AggregateRoot
from ....shared_kernel.errors import BusinessRuleError
from .events import OrderPlaced
from .value_objects import Quantity


@dataclass(eq=False)
class Product(AggregateRoot):
    """Ordering's own record of something it can sell, kept from the catalog's events.

    It holds only what ordering needs, so the catalog can change its model freely.
    """

    id: UUID
    name: str
    available: bool = True

    def rename(self, name: str) -> None:
        self.name = name

    def withdraw(self) -> None:
        self.available = False


@dataclass(eq=False)
class Order(AggregateRoot):
    id: UUID
    product_id: UUID
    quantity: Quantity

    @classmethod
    def place(cls, product: Product, quantity: Quantity) -> Self:
        if not product.available:
            msg = f"Product {product.id} is no longer available."
            raise BusinessRuleError(msg)
        order = cls(id=uuid4(), product_id=product.id, quantity=quantity)
        order.record(OrderPlaced(order_id=order.id, product_id=product.id, quantity=quantity.value))
        return order
