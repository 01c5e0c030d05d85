"""The catalog's use cases: each loads aggregates, asks them to change, and commits."""

import json
from uuid import UUID

from ....shared_kernel.errors import ConflictError, NotFoundError
from ....shared_kernel.idempotency import keyed_request, run_once
from ..domain.model import Item
from ..domain.value_objects import ItemDescription, ItemName, ItemOrigin
from .commands import ChangeItem, CreateItem, RemoveItem
from .queries import ItemView
from .unit_of_work import CatalogUnitOfWork

# The operation an idempotency key belongs to: the same key may be used once per operation.
CREATE_ITEM = "create-item"


async def create_item(command: CreateItem, uow: CatalogUnitOfWork) -> ItemView:
    name = ItemName(command.name)
    description = ItemDescription(command.description)
    origin = ItemOrigin.of(command.origin)

    async def create() -> ItemView:
        await _ensure_item_name_is_free(uow, name)
        item = Item.create(name, description, origin)
        await uow.items.add(item)
        return ItemView(
            id=item.id,
            name=item.name.value,
            description=item.description.value,
            origin=None if item.origin is None else item.origin.value,
            version=item.version,
        )

    # An unknown origin is left out, so a key stored before items had one still matches its retry.
    fields = [name.value, description.value]
    payload = json.dumps(fields if origin is None else [*fields, origin.value])
    async with uow:
        view = await run_once(
            keyed_request(CREATE_ITEM, command.idempotency_key, payload, command.caller),
            uow.requests,
            create,
            dump=_item_json,
            load=_item_from_json,
        )
        await uow.commit()
    return view


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


def _item_json(item: ItemView) -> str:
    return json.dumps({**item, "id": str(item["id"])})


def _item_from_json(text: str) -> ItemView:
    fields = json.loads(text)
    return ItemView(
        id=UUID(fields["id"]),
        name=fields["name"],
        description=fields["description"],
        # A result stored before items had an origin has none.
        origin=fields.get("origin"),
        version=fields["version"],
    )
