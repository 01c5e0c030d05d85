"""Ordering's read side: what can be asked, and the shape of the answers.

Reads bypass the aggregates: infrastructure/queries.py answers them with one SQL query each.
"""

from dataclasses import dataclass
from typing import TypedDict
from uuid import UUID

from ....shared_kernel.messages import Query


class OrderView(TypedDict):
    id: UUID
    product_id: UUID
    product_name: str
    quantity: int


@dataclass(frozen=True)
class GetOrder(Query[OrderView | None]):
    order_id: UUID
