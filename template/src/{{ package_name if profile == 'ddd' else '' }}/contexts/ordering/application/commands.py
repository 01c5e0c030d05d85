"""What ordering can be asked to change. Plain values in; handlers.py checks them."""

from dataclasses import dataclass
from uuid import UUID

from ....shared_kernel.messages import Command


@dataclass(frozen=True)
class PlaceOrder(Command[UUID]):
    """Answers with the new order's id."""

    product_id: UUID
    quantity: int


@dataclass(frozen=True)
class RecordProduct(Command[None]):
    """Ordering learns of a product, or of its new name."""

    product_id: UUID
    name: str


@dataclass(frozen=True)
class WithdrawProduct(Command[None]):
    """The product can no longer be ordered; existing orders keep it."""

    product_id: UUID
