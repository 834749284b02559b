"""returns: 退货退款 on refunds (return address, the shopper's return shipment, receipt)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import xiaodian.core.dbtypes

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "return_goods",
    "photos",
    "return_address",
    "return_carrier",
    "return_tracking_no",
    "return_due_at",
    "return_shipped_at",
    "received_at",
)


def upgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("return_goods", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "photos",
                sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("return_address", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("return_carrier", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("return_tracking_no", sa.String(length=64), nullable=False, server_default="")
        )
        for name in ("return_due_at", "return_shipped_at", "received_at"):
            batch_op.add_column(sa.Column(name, xiaodian.core.dbtypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
