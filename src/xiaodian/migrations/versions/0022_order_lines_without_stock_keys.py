"""order_lines: no foreign keys to skus and stock_quotas (indexes instead)

Checking those keys made every order's line insert take a shared lock on the SKU row (and the
pool row) it sells from. An order then had to take its units before inserting its lines (two
orders upgrading their shared locks at once deadlock), so the hottest rows of the shop stayed
locked through every other statement of the checkout. Without the keys the units are taken
last, just before the commit (`orders.actions.place`). SKUs and pools are never deleted (a SKU
is taken off sale, a pool closed), so a line cannot lose what it points to; the application
writes the ids it has just read.

MariaDB keeps the index it made for a foreign key when the key is dropped; those indexes are
replaced by the named ones, so the schema is the same on both databases.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (
    ("fk_order_lines_sku_id_skus", "sku_id", "skus"),
    ("fk_order_lines_quota_id_stock_quotas", "quota_id", "stock_quotas"),
)


def _indexes() -> set[str]:
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("order_lines")}


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        for key, column, _table in _KEYS:
            batch.drop_constraint(key, type_="foreignkey")
            batch.create_index(f"ix_order_lines_{column}", [column], unique=False)
    left = _indexes()
    for key, _column, _table in _KEYS:
        if key in left:  # MariaDB: the foreign key's own index outlives it
            op.drop_index(key, table_name="order_lines")


def downgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        for key, column, table in _KEYS:
            batch.drop_index(f"ix_order_lines_{column}")
            batch.create_foreign_key(key, table, [column], ["id"], ondelete="RESTRICT")
