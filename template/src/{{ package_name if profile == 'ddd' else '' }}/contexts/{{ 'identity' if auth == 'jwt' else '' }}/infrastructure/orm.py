"""How identity is stored: the users table, and the mapping of the User aggregate onto it."""

from sqlalchemy import Column, String, Table, Uuid
from sqlalchemy.orm import composite

from ....persistence import mapper_registry, metadata
from ..domain.model import User
from ..domain.value_objects import EMAIL_MAX_LENGTH, EmailAddress

users = Table(
    "identity_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(EMAIL_MAX_LENGTH), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
)

mapper_registry.map_imperatively(
    User,
    users,
    properties={"_email": users.c.email, "email": composite(EmailAddress, users.c.email)},
)
