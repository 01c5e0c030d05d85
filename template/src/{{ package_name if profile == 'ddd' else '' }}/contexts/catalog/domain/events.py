"""What happens to items, as the catalog records it. These never leave the catalog."""

from dataclasses import dataclass
from uuid import UUID

from ....shared_kernel.domain import DomainEvent


@dataclass(frozen=True)
class ItemCreated(DomainEvent):
    item_id: UUID
    name: str


@dataclass(frozen=True)
class ItemRenamed(DomainEvent):
    item_id: UUID
    name: str


@dataclass(frozen=True)
class ItemRemoved(DomainEvent):
    item_id: UUID
