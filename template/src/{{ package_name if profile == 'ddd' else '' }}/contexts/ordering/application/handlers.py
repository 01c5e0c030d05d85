"""Ordering's use cases: each loads aggregates, asks them to change, and commits."""

import json
from uuid import UUID

from ....shared_kernel.errors import NotFoundError
from ....shared_kernel.idempotency import keyed_request, run_once
from ..domain.model import Order, Product
from ..domain.value_objects import Quantity
from .commands import PlaceOrder, RecordProduct, WithdrawProduct
from .queries import OrderView
from .unit_of_work import OrderingUnitOfWork

# The operation an idempotency key belongs to: the same key may be used once per operation.
PLACE_ORDER = "place-order"


async def place_order(command: PlaceOrder, uow: OrderingUnitOfWork) -> OrderView:
    quantity = Quantity(command.quantity)

    async def place() -> OrderView:
        product = await uow.products.get(command.product_id)
        if product is None:
            msg = f"Product {command.product_id} does not exist."
            raise NotFoundError(msg)
        order = Order.place(product, quantity)
        await uow.orders.add(order)
        return OrderView(
            id=order.id, product_id=product.id, product_name=product.name, quantity=quantity.value
        )

    payload = json.dumps([str(command.product_id), quantity.value])
    async with uow:
        view = await run_once(
            keyed_request(PLACE_ORDER, command.idempotency_key, payload, command.caller),
            uow.requests,
            place,
            dump=_order_json,
            load=_order_from_json,
        )
        await uow.commit()
    return view


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


def _order_json(order: OrderView) -> str:
    return json.dumps({**order, "id": str(order["id"]), "product_id": str(order["product_id"])})


def _order_from_json(text: str) -> OrderView:
    fields = json.loads(text)
    return OrderView(
        id=UUID(fields["id"]),
        product_id=UUID(fields["product_id"]),
        product_name=fields["product_name"],
        quantity=fields["quantity"],
    )
