"""How ordering joins the app: its routes, its handlers on the message bus, and what it hears of
the catalog."""

from collections.abc import Callable
from functools import partial

from ...contracts import catalog_events
from ...core.config import Settings
from ...db import Database
from ...shared_kernel.messagebus import MessageBus
from .api.router import router
from .application import handlers
from .application.commands import PlaceOrder, RecordProduct, WithdrawProduct
from .application.queries import GetOrder
from .application.unit_of_work import OrderingUnitOfWork
from .infrastructure import anti_corruption
from .infrastructure.queries import SqlOrderQueries
from .infrastructure.unit_of_work import SqlAlchemyOrderingUnitOfWork

__all__ = ["register", "router"]


def register(
    bus: MessageBus,
    database: Database,
    settings: Settings,
    *,
    unit_of_work: Callable[[], OrderingUnitOfWork] | None = None,
) -> None:
    """Register ordering's commands and queries, and what it hears of the catalog
    (bootstrap.BoundedContext says how)."""
    unit_of_work = unit_of_work or partial(SqlAlchemyOrderingUnitOfWork, database)
    bus.register_command(PlaceOrder, handlers.place_order, unit_of_work)
    bus.register_command(RecordProduct, handlers.record_product, unit_of_work)
    bus.register_command(WithdrawProduct, handlers.withdraw_product, unit_of_work)
    bus.register_query(GetOrder, SqlOrderQueries(database).get_order)
    # Ordering hears of the catalog only through its published events, translated at the border;
    # the catalog's unit of work writes them to the outbox, and the relay delivers them here.
    bus.subscribe(catalog_events.ItemPublished, anti_corruption.translate)
    bus.subscribe(catalog_events.ItemRenamed, anti_corruption.translate)
    bus.subscribe(catalog_events.ItemWithdrawn, anti_corruption.translate)
