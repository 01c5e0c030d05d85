"""The anti-corruption layer: the catalog's published events, in ordering's own terms.

Ordering depends on the catalog's published language (`contracts/`), never on its model; this
module is the one place that knows both, so a change in the catalog is absorbed here.
"""

from ....contracts.catalog_events import (
    CatalogEvent,
    ItemPublished,
    ItemRenamed,
    ItemWithdrawn,
)
from ..application.commands import RecordProduct, WithdrawProduct


def translate(event: CatalogEvent) -> list[RecordProduct | WithdrawProduct]:
    match event:
        case ItemPublished(item_id=item_id, name=name) | ItemRenamed(item_id=item_id, name=name):
            return [RecordProduct(product_id=item_id, name=name)]
        case ItemWithdrawn(item_id=item_id):
            return [WithdrawProduct(product_id=item_id)]
