"""order_lines.paid_at: the order's payment instant on each line, indexed with the sums

The dashboard's top goods sum a month of paid lines per goods item. Filtered on `orders.paid_at`,
MariaDB read the month's orders from their index and looked up each one's lines (one index dive
per order: ~230 ms at a million orders). With the instant on the line, the month is one range
of `ix_order_lines_paid_sums (paid_at, goods_id, quantity, pay_fen)` and no table row is read.
`orders.actions.mark_paid` writes it in the transaction that pays the order; existing lines
are filled in from their orders here.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xiaodian.core.dbtypes

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("paid_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.execute(
            "UPDATE order_lines l JOIN orders o ON o.id = l.order_id"
            " SET l.paid_at = o.paid_at WHERE o.paid_at IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE order_lines SET paid_at ="
            " (SELECT o.paid_at FROM orders o WHERE o.id = order_lines.order_id)"
        )
    op.create_index(
        op.f("ix_order_lines_paid_sums"),
        "order_lines",
        ["paid_at", "goods_id", "quantity", "pay_fen"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_order_lines_paid_sums"), table_name="order_lines")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("paid_at")
