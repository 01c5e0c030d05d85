"""Item use cases: the rules, on any ItemRepository. Retries are told apart at the edge
(api/idempotency.py), so nothing here knows of Lambda."""

from uuid import UUID, uuid4

from ..core.errors import NotFoundError
from ..schemas.items import ItemCreate, ItemRead
from ..schemas.page import CursorPage, PageParams
from .ports import ItemRepository


class ItemService:
    def __init__(self, items: ItemRepository) -> None:
        self._items = items

    def create(self, data: ItemCreate) -> ItemRead:
        item = ItemRead(
            id=uuid4(), name=data.name, description=data.description, origin=data.origin
        )
        self._items.add(item)
        return item

    def get(self, item_id: UUID) -> ItemRead:
        item = self._items.get(item_id)
        if item is None:
            raise _not_found(item_id)
        return item

    def list(self, params: PageParams) -> CursorPage[ItemRead]:
        items, next_cursor = self._items.list_page(limit=params.limit, cursor=params.cursor)
        return CursorPage[ItemRead](items=items, next_cursor=next_cursor)

    def delete(self, item_id: UUID) -> None:
        if not self._items.delete(item_id):
            raise _not_found(item_id)


def _not_found(item_id: UUID) -> NotFoundError:
    return NotFoundError(f"Item {item_id} does not exist.")
