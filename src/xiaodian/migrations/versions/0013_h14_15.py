"""delivery: pickup codes, SKU weights for rider capacity; WeChat: re-uploads counted

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_code", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint("uq_delivery_orders_pickup_code", ["pickup_code"])
    with op.batch_alter_table("wechat_shippings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reuploads", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_g", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_column("weight_g")
    with op.batch_alter_table("wechat_shippings", schema=None) as batch_op:
        batch_op.drop_column("reuploads")
    with op.batch_alter_table("delivery_orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_delivery_orders_pickup_code", type_="unique")
        batch_op.drop_column("pickup_code")
