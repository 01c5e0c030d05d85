"""Translates the catalog's domain events into the integration events other contexts may read:
the unit of work writes them to the outbox, which publishes them."""

from ....contracts import catalog_events
from ....shared_kernel.domain import DomainEvent
from ....shared_kernel.messages import Event
from ..domain.events import ItemCreated, ItemRemoved, ItemRenamed


def to_integration_events(event: DomainEvent) -> list[Event]:
    """The published form of a domain event; events no other context needs publish nothing."""
    match event:
        case ItemCreated(item_id=item_id, name=name):
            return [catalog_events.ItemPublished(item_id=item_id, name=name)]
        case ItemRenamed(item_id=item_id, name=name):
            return [catalog_events.ItemRenamed(item_id=item_id, name=name)]
        case ItemRemoved(item_id=item_id):
            return [catalog_events.ItemWithdrawn(item_id=item_id)]
        case _:
            return []
