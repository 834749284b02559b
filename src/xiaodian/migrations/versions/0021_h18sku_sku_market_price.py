"""h18 sku: skus.market_price_fen (a 划线价 per SKU; 0 = none, the goods' 划线价 is shown)

Every existing SKU gets 0, so shoppers keep seeing the goods-level 划线价 until the merchant
sets one per SKU. (Each SKU's own picture, `skus.image_url`, exists since 0001.)

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("skus") as batch:
        batch.add_column(
            sa.Column("market_price_fen", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("skus") as batch:
        batch.drop_column("market_price_fen")
