"""Item use cases and their rules: names are unique, and every change commits whole."""

from ..core.errors import ConflictError, NotFoundError
from ..core.idempotency import IdempotencyStore, keyed_request, run_once
from ..records import ItemRecord
from ..schemas.items import ItemCreate, ItemRead, ItemUpdate, item_changes
from ..schemas.page import Page, PageParams
from .ports import ItemRepository, Transaction

# The operation an idempotency key belongs to: the same key may be used once per operation.
CREATE_ITEM = "create-item"


class ItemService:
    def __init__(
        self, items: ItemRepository, keys: IdempotencyStore, transaction: Transaction
    ) -> None:
        self._items = items
        self._keys = keys
        self._transaction = transaction

    async def create(
        self, data: ItemCreate, idempotency_key: str | None = None, *, caller: str | None = None
    ) -> ItemRead:
        """A new item; asked again with the same key (by the same `caller`, if one is named), the
        item the first request created."""
        # An unknown origin is left out, so a key stored before items had one matches its retry.
        fingerprint = data.model_dump_json(exclude_none=True)
        item = await run_once(
            keyed_request(CREATE_ITEM, idempotency_key, fingerprint, caller),
            self._keys,
            lambda: self._add(data),
            dump=ItemRead.model_dump_json,
            load=ItemRead.model_validate_json,
        )
        await self._transaction.commit()
        return item

    async def get(self, item_id: int) -> ItemRead:
        item = await self._items.get(item_id)
        if item is None:
            raise _not_found(item_id)
        return _read(item)

    async def list(self, params: PageParams) -> Page[ItemRead]:
        items, total = await self._items.list_page(limit=params.limit, offset=params.offset)
        return Page[ItemRead].of(items, total, params)

    async def update(self, item_id: int, changes: ItemUpdate) -> ItemRead:
        if changes.name is not None:
            await self._ensure_name_free(changes.name, other_than=item_id)
        item = await self._items.update(item_id, item_changes(changes))
        if item is None:
            raise _not_found(item_id)
        await self._transaction.commit()
        return _read(item)

    async def delete(self, item_id: int) -> None:
        if not await self._items.delete(item_id):
            raise _not_found(item_id)
        await self._transaction.commit()

    async def _add(self, data: ItemCreate) -> ItemRead:
        await self._ensure_name_free(data.name)
        record = await self._items.add(
            name=data.name, description=data.description, origin=data.origin
        )
        return _read(record)

    async def _ensure_name_free(self, name: str, *, other_than: int | None = None) -> None:
        # Two requests may still race past this check; the repository's unique index then
        # refuses the second with the same ConflictError.
        holder = await self._items.get_by_name(name)
        if holder is not None and holder.id != other_than:
            msg = f"An item named {name!r} already exists."
            raise ConflictError(msg)


def _read(item: ItemRecord) -> ItemRead:
    return ItemRead.model_validate(item)


def _not_found(item_id: int) -> NotFoundError:
    return NotFoundError(f"Item {item_id} does not exist.")
