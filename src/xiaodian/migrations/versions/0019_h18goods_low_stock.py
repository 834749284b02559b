"""h18-goods: the shop's low-stock threshold (`shop_settings.low_stock_below`; NULL: the
`XIAODIAN_STOCK_HINT_BELOW` default, what every shop used before)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shop_settings", sa.Column("low_stock_below", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("shop_settings", "low_stock_below")
