"""What ordering can be asked to change. Plain values in; handlers.py checks them."""

from dataclasses import dataclass
from uuid import UUID

from ....shared_kernel.messages import Command
from .queries import OrderView


@dataclass(frozen=True)
class PlaceOrder(Command[OrderView]):
    """Answers with the order; sent again with its key, with the order placed the first time."""

    product_id: UUID
    quantity: int
    idempotency_key: str | None = None
    # Who sent it, when known: the key is then theirs alone (shared_kernel/idempotency.py).
    caller: str | None = None


@dataclass(frozen=True)
class RecordProduct(Command[None]):
    """Ordering learns of a product, or of its new name."""

    product_id: UUID
    name: str


@dataclass(frozen=True)
class WithdrawProduct(Command[None]):
    """The product can no longer be ordered; existing orders keep it."""

    product_id: UUID
