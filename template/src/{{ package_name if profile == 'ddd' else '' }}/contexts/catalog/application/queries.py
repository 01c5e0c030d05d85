"""The catalog's read side: what can be asked, and the shape of the answers.

Reads bypass the aggregates: infrastructure/queries.py answers them with one SQL query each.
"""

from dataclasses import dataclass
from typing import NamedTuple, TypedDict
from uuid import UUID

from ....shared_kernel.messages import Query


class ItemView(TypedDict):
    id: UUID
    name: str
    description: str
    origin: str | None
    version: int


class ItemPage(NamedTuple):
    items: list[ItemView]
    total: int


@dataclass(frozen=True)
class GetItem(Query[ItemView | None]):
    item_id: UUID


@dataclass(frozen=True)
class ListItems(Query[ItemPage]):
    """Items ordered by name."""

    limit: int
    offset: int
