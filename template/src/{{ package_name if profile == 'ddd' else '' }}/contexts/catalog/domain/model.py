"""The Item aggregate: the rules every item obeys, and the events its changes record."""

from dataclasses import dataclass, field
from typing import Self
from uuid import UUID, uuid4

from ....shared_kernel.domain import AggregateRoot
from ....shared_kernel.errors import BusinessRuleError, StaleVersionError
from .events import ItemCreated, ItemRemoved, ItemRenamed
from .value_objects import ItemDescription, ItemName, ItemOrigin


@dataclass(eq=False)
class Item(AggregateRoot):
    id: UUID
    name: ItemName
    description: ItemDescription
    # Optional: None while the origin is unknown.
    origin: ItemOrigin | None = None
    # 1 when created; the database raises it on every save, and saving a stale copy fails
    # (optimistic locking). Clients see it as the item's ETag.
    version: int = 1
    # Not stored: a removed item is deleted when its unit of work commits.
    removed: bool = field(default=False, init=False)

    @classmethod
    def create(
        cls, name: ItemName, description: ItemDescription, origin: ItemOrigin | None = None
    ) -> Self:
        # The domain assigns the identity, so the creation event can carry it before any save.
        item = cls(id=uuid4(), name=name, description=description, origin=origin)
        item.record(ItemCreated(item_id=item.id, name=name.value))
        return item

    def expect_version(self, version: int | None) -> None:
        """Refuse a change asked of another version than this one; None asks of any version.

        A client names the version it last read (If-Match), so a change made meanwhile by
        someone else is not overwritten unseen.
        """
        if version is not None and version != self.version:
            msg = (
                f"Item {self.id} is at version {self.version}, not {version}: "
                "read it again and retry."
            )
            raise StaleVersionError(msg)

    def rename(self, name: ItemName) -> None:
        self._refuse_if_removed()
        if name == self.name:
            return
        self.name = name
        self.record(ItemRenamed(item_id=self.id, name=name.value))

    def describe(self, description: ItemDescription) -> None:
        self._refuse_if_removed()
        self.description = description

    def trace_to(self, origin: ItemOrigin | None) -> None:
        """Record where the item comes from; None when that is no longer known."""
        self._refuse_if_removed()
        self.origin = origin

    def remove(self) -> None:
        self._refuse_if_removed()
        self.removed = True
        self.record(ItemRemoved(item_id=self.id))

    def _refuse_if_removed(self) -> None:
        # Its removal event is already recorded: a later change would tell other contexts of an
        # item that no longer exists.
        if self.removed:
            msg = f"Item {self.id} has been removed; it takes no further change."
            raise BusinessRuleError(msg)
