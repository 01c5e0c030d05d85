"""What the catalog can be asked to change. Plain values in; handlers.py checks them."""

from dataclasses import dataclass
from uuid import UUID

from ....shared_kernel.messages import Command
from .queries import ItemView


@dataclass(frozen=True)
class CreateItem(Command[ItemView]):
    """Answers with the new item; sent again with its key, with the item made the first time."""

    name: str
    description: str = ""
    idempotency_key: str | None = None
    # Who sent it, when known: the key is then theirs alone (shared_kernel/idempotency.py).
    caller: str | None = None


@dataclass(frozen=True)
class ChangeItem(Command[None]):
    """Changes the fields that are not None, if the item is still at `expected_version`."""

    item_id: UUID
    name: str | None = None
    description: str | None = None
    # The version the client last read; None changes whatever version is current.
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveItem(Command[None]):
    """Removes the item, if it is still at `expected_version`."""

    item_id: UUID
    expected_version: int | None = None
