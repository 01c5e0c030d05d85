"""What the catalog can be asked to change. Plain values in; handlers.py checks them."""

from dataclasses import dataclass, field
from typing import TypedDict
from uuid import UUID

from ....shared_kernel.messages import Command


class ItemChanges(TypedDict, total=False):
    """The fields a change sets: a field absent is left as it is; an origin of None is unknown."""

    name: str
    description: str
    origin: str | None


@dataclass(frozen=True)
class CreateItem(Command[UUID]):
    """Answers with the new item's id."""

    name: str
    description: str = ""
    origin: str | None = None


@dataclass(frozen=True)
class ChangeItem(Command[None]):
    """Sets the fields in `changes`, if the item is still at `expected_version`."""

    item_id: UUID
    changes: ItemChanges = field(default_factory=ItemChanges)
    # The version the client last read; None changes whatever version is current.
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveItem(Command[None]):
    """Removes the item, if it is still at `expected_version`."""

    item_id: UUID
    expected_version: int | None = None
