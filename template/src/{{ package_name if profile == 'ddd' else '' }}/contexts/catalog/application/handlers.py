"""The catalog's use cases: each loads aggregates, asks them to change, and commits."""

import json
from uuid import UUID

from ....shared_kernel.errors import ConflictError, NotFoundError
from ..domain.model import Item
from ..domain.value_objects import ItemDescription, ItemName, ItemOrigin
from .commands import ChangeItem, CreateItem, RemoveItem
from .unit_of_work import CatalogUnitOfWork

# The operation an idempotency key belongs to: the same key may be used once per operation.
CREATE_ITEM = "create-item"


async def create_item(command: CreateItem, uow: CatalogUnitOfWork) -> UUID:
    name = ItemName(command.name)
    description = ItemDescription(command.description)
    origin = ItemOrigin.of(command.origin)

    async def create() -> UUID:
        await _ensure_item_name_is_free(uow, name)
        item = Item.create(name, description, origin)
        await uow.items.add(item)
        return item.id

    # An unknown origin is left out, so a key stored before items had one still matches its retry.
    fields = [name.value, description.value]
    async with uow:
        item_id = await uow.once(
            CREATE_ITEM, json.dumps(fields if origin is None else [*fields, origin.value]), create
        )
        await uow.commit()
    return item_id


async def change_item(command: ChangeItem, uow: CatalogUnitOfWork) -> None:
    async with uow:
        item = await _existing_item(uow, command.item_id)
        item.expect_version(command.expected_version)
        changes = command.changes
        if "name" in changes:
            name = ItemName(changes["name"])
            if name != item.name:
                await _ensure_item_name_is_free(uow, name)
            item.rename(name)
        if "description" in changes:
            item.describe(ItemDescription(changes["description"]))
        if "origin" in changes:
            item.trace_to(ItemOrigin.of(changes["origin"]))
        await uow.commit()


async def remove_item(command: RemoveItem, uow: CatalogUnitOfWork) -> None:
    async with uow:
        item = await _existing_item(uow, command.item_id)
        item.expect_version(command.expected_version)
        item.remove()
        await uow.items.remove(item)
        await uow.commit()


async def _existing_item(uow: CatalogUnitOfWork, item_id: UUID) -> Item:
    item = await uow.items.get(item_id)
    if item is None:
        msg = f"Item {item_id} does not exist."
        raise NotFoundError(msg)
    return item


async def _ensure_item_name_is_free(uow: CatalogUnitOfWork, name: ItemName) -> None:
    # A friendly refusal; the unique index still decides between two concurrent requests.
    if await uow.items.name_taken(name):
        msg = f"An item named {name.value!r} already exists."
        raise ConflictError(msg)
