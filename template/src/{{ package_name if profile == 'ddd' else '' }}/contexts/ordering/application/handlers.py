"""Ordering's use cases: each loads aggregates, asks them to change, and commits."""

import json
from uuid import UUID

from ....shared_kernel.errors import NotFoundError
from ..domain.model import Order, Product
from ..domain.value_objects import Quantity
from .commands import PlaceOrder, RecordProduct, WithdrawProduct
from .unit_of_work import OrderingUnitOfWork

# The operation an idempotency key belongs to: the same key may be used once per operation.
PLACE_ORDER = "place-order"


async def place_order(command: PlaceOrder, uow: OrderingUnitOfWork) -> UUID:
    quantity = Quantity(command.quantity)

    async def place() -> UUID:
        product = await uow.products.get(command.product_id)
        if product is None:
            msg = f"Product {command.product_id} does not exist."
            raise NotFoundError(msg)
        order = Order.place(product, quantity)
        await uow.orders.add(order)
        return order.id

    async with uow:
        order_id = await uow.once(
            PLACE_ORDER, json.dumps([str(command.product_id), quantity.value]), place
        )
        await uow.commit()
    return order_id


async def record_product(command: RecordProduct, uow: OrderingUnitOfWork) -> None:
    async with uow:
        product = await uow.products.get(command.product_id)
        if product is None:
            await uow.products.add(Product(id=command.product_id, name=command.name))
        else:
            product.rename(command.name)
        await uow.commit()


async def withdraw_product(command: WithdrawProduct, uow: OrderingUnitOfWork) -> None:
    async with uow:
        product = await uow.products.get(command.product_id)
        # Withdrawing a product ordering never heard of leaves nothing to do.
        if product is not None:
            product.withdraw()
            await uow.commit()
