"""What happens to orders, as ordering records it. These never leave ordering."""

from dataclasses import dataclass
from uuid import UUID

from ....shared_kernel.domain import DomainEvent


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    order_id: UUID
    product_id: UUID
    quantity: int
