"""How the catalog joins the app: its routes, and its handlers and queries on the message bus."""

from collections.abc import Callable
from functools import partial

from fastapi import APIRouter

from ...core.config import Settings
from ...db import Database
from ...shared_kernel.messagebus import MessageBus
from .api import items
from .application import handlers
from .application.commands import ChangeItem, CreateItem, RemoveItem
from .application.queries import GetItem, ListItems
from .application.unit_of_work import CatalogUnitOfWork
from .infrastructure.queries import SqlItemQueries
from .infrastructure.unit_of_work import SqlAlchemyCatalogUnitOfWork

__all__ = ["register", "router"]

# The catalog's routes: each resource's router, under the prefix main.py gives every context.
router = APIRouter()
router.include_router(items.router)


def register(
    bus: MessageBus,
    database: Database,
    settings: Settings,
    *,
    unit_of_work: Callable[[], CatalogUnitOfWork] | None = None,
) -> None:
    """Register the catalog's commands and queries (bootstrap.BoundedContext says how)."""
    unit_of_work = unit_of_work or partial(SqlAlchemyCatalogUnitOfWork, database)
    bus.register_command(CreateItem, handlers.create_item, unit_of_work)
    bus.register_command(ChangeItem, handlers.change_item, unit_of_work)
    bus.register_command(RemoveItem, handlers.remove_item, unit_of_work)
    item_queries = SqlItemQueries(database)
    bus.register_query(GetItem, item_queries.get_item)
    bus.register_query(ListItems, item_queries.list_items)
