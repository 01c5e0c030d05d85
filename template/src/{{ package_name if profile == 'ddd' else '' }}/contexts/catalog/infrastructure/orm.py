"""How the catalog is stored: its tables, and the mapping of the Item aggregate onto them."""

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
    },
    version_id_col=items.c.version,
)
