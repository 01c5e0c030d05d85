"""What clients send and receive for orders."""

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from ..domain.value_objects import MAX_QUANTITY

Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]


class OrderCreate(BaseModel):
    product_id: UUID
    quantity: Quantity = 1


class OrderRead(BaseModel):
    id: UUID
    product_id: UUID
    product_name: str
    quantity: int
