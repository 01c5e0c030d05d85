"""What clients send and receive for items."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ItemName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ItemDescription = Annotated[str, Field(max_length=1000)]


class ItemCreate(BaseModel):
    name: ItemName
    description: ItemDescription = ""


class ItemUpdate(BaseModel):
    """A partial update: only the fields sent are changed."""

    name: ItemName | None = None
    description: ItemDescription | None = None


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
