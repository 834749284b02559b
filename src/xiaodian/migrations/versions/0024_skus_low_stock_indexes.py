"""skus: indexed by stock and by their own low-stock threshold, for the dashboard's list

The dashboard's low-stock list (`dashboard.service.low_stock`: SKUs below their threshold,
emptiest first) read and sorted every SKU: ~65 ms at 60,000 SKUs, a quarter of the page.
Bounded by the highest threshold any SKU can have (the shop's, or the largest own one: an
index-only MAX), it is a short range of `ix_skus_stock` read in order, stopping at the
list's length.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_skus_stock", "skus", ["stock"], unique=False)
    op.create_index("ix_skus_low_stock_below", "skus", ["low_stock_below"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_skus_low_stock_below", table_name="skus")
    op.drop_index("ix_skus_stock", table_name="skus")
