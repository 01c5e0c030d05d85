"""How the catalog is stored: its tables, and the mapping of the Item aggregate onto them."""

from functools import partial
from operator import is_

from sqlalchemy import Column, Integer, String, Table, Uuid
from sqlalchemy.orm import composite

from ....persistence import mapper_registry, metadata
from ..domain import value_objects
from ..domain.model import Item

items = Table(
    "catalog_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(value_objects.NAME_MAX_LENGTH), nullable=False, unique=True),
    Column("description", String(value_objects.DESCRIPTION_MAX_LENGTH), nullable=False),
    # Optional: NULL when unknown (template_0006).
    Column("origin", String(2)),
    Column("version", Integer, nullable=False),
)

item_mapper = mapper_registry.map_imperatively(
    Item,
    items,
    # Value objects are composites over their column, mapped under a private name of its own.
    properties={
        "_name": items.c.name,
        "name": composite(value_objects.ItemName, items.c.name),
        "_description": items.c.description,
        "description": composite(value_objects.ItemDescription, items.c.description),
        "_origin": items.c.origin,
        # An optional value object: a NULL column loads as None (`None is value`), never as
        # ItemOrigin(None).
        "origin": composite(
            value_objects.ItemOrigin, items.c.origin, return_none_on=partial(is_, None)
        ),
    },
    version_id_col=items.c.version,
)
