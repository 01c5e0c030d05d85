"""How identity joins the app: its routes, and registration, log-in and token checks on the bus."""

from datetime import timedelta
from functools import partial

from ...contracts.identity import Authenticate
from ...core.config import Settings
from ...db import Database
from ...shared_kernel.messagebus import MessageBus
from .api.router import router
from .application import handlers
from .application.commands import Register
from .application.queries import LogIn
from .infrastructure.unit_of_work import SqlAlchemyIdentityUnitOfWork

__all__ = ["register", "router"]


def register(bus: MessageBus, database: Database, settings: Settings) -> None:
    """Register sign-up, log-in and the token check; tokens are signed with the settings' secret
    and last their lifetime (bootstrap.BoundedContext says how contexts are registered)."""
    unit_of_work = partial(SqlAlchemyIdentityUnitOfWork, database)
    bus.register_command(Register, handlers.register, unit_of_work)
    authentication = handlers.Authentication(
        unit_of_work,
        settings.jwt_secret.get_secret_value(),
        timedelta(minutes=settings.access_token_ttl_minutes),
    )
    bus.register_query(LogIn, authentication.log_in)
    bus.register_query(Authenticate, authentication.authenticate)
