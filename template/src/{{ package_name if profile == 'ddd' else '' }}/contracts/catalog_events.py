"""What the catalog publishes about its items.

Other contexts may depend on these events and on nothing else of the catalog: changing one
changes a published interface, so add fields rather than rename or remove them.
"""

from dataclasses import dataclass
from uuid import UUID

from ..shared_kernel.messages import Event


@dataclass(frozen=True)
class ItemPublished(Event):
    """A new item is in the catalog."""

    item_id: UUID
    name: str


@dataclass(frozen=True)
class ItemRenamed(Event):
    item_id: UUID
    name: str


@dataclass(frozen=True)
class ItemWithdrawn(Event):
    """The item has left the catalog; nothing new may refer to it."""

    item_id: UUID


CatalogEvent = ItemPublished | ItemRenamed | ItemWithdrawn
