"""The catalog's unit of work: its repositories, saved or discarded together."""

from collections.abc import Iterable

from ....shared_kernel.uow import Repository, UnitOfWork
from ..domain.repository import ItemRepository


class CatalogUnitOfWork(UnitOfWork):
    items: ItemRepository

    def _repositories(self) -> Iterable[Repository]:
        # One a line: each repository a resource adds joins them.
        return [
            self.items,
        ]
