"""The port through which use cases keep Item aggregates; infrastructure implements it."""

from abc import abstractmethod
from uuid import UUID

from ....shared_kernel.uow import Repository
from .model import Item
from .value_objects import ItemName


class ItemRepository(Repository):
    """The catalog's items, as a collection; the unit of work saves what changes in them."""

    async def add(self, item: Item) -> None:
        await self._add(item)
        self._track(item)

    async def get(self, item_id: UUID) -> Item | None:
        item = await self._get(item_id)
        if item is not None:
            self._track(item)
        return item

    async def remove(self, item: Item) -> None:
        await self._remove(item)
        self._track(item)

    @abstractmethod
    async def name_taken(self, name: ItemName) -> bool: ...

    @abstractmethod
    async def _add(self, item: Item) -> None: ...

    @abstractmethod
    async def _get(self, item_id: UUID) -> Item | None: ...

    @abstractmethod
    async def _remove(self, item: Item) -> None: ...
