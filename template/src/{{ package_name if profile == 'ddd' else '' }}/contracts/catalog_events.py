"""What the catalog publishes about its items.

Other contexts may depend on these events and on nothing else of the catalog: changing one
changes a published interface, so add fields rather than rename or remove them.
"""

from collections.abc import Hashable
from dataclasses import dataclass
from uuid import UUID

from ..shared_kernel.messages import Event


@dataclass(frozen=True)
class ItemEvent(Event):
    """Something that happened to one item: the item's events reach subscribers in order."""

    item_id: UUID

    @property
    def stream(self) -> Hashable:
        return self.item_id


@dataclass(frozen=True)
class ItemPublished(ItemEvent):
    """A new item is in the catalog."""

    name: str


@dataclass(frozen=True)
class ItemRenamed(ItemEvent):
    name: str


@dataclass(frozen=True)
class ItemWithdrawn(ItemEvent):
    """The item has left the catalog; nothing new may refer to it."""


CatalogEvent = ItemPublished | ItemRenamed | ItemWithdrawn
