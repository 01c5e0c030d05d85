"""Create ordering's tables, on a branch of its own.

Ordering's migrations are its branch (`ordering@head`), based on nothing else: the context can
leave the app with this folder. Databases migrated before the split already have these tables:
`alembic stamp ordering@head` records that once.

Revision ID: ordering_0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ordering_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("ordering",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ordering_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ordering_products")),
    )
    op.create_table(
        "ordering_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["ordering_products.id"],
            name=op.f("fk_ordering_orders_product_id_ordering_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ordering_orders")),
    )


def downgrade() -> None:
    op.drop_table("ordering_orders")
    op.drop_table("ordering_products")
