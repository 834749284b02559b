"""payment and refund checks: next check time, failures in a row, last error

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00

Closed payments of the last 30 days are asked about once more: before this revision a failed
status query counted as an answer, so some of them may hold money nobody was told about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import xiaodian.core.dbtypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECHECK_CLOSED_WITHIN = timedelta(days=30)


def _check_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("next_check_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("check_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("check_error", sa.String(length=255), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        for column in _check_columns():
            batch_op.add_column(column)
        batch_op.create_index(
            "ix_payments_status_next_check", ["status", "next_check_at"], unique=False
        )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        for column in _check_columns():
            batch_op.add_column(column)

    payments = sa.table(
        "payments",
        sa.column("status", sa.String()),
        sa.column("channel", sa.String()),
        sa.column("prepay_id", sa.String()),
        sa.column("closed_at", xiaodian.core.dbtypes.UTCDateTime()),
        sa.column("next_check_at", xiaodian.core.dbtypes.UTCDateTime()),
    )
    op.execute(
        payments.update()
        .where(
            payments.c.status == "closed",
            (payments.c.prepay_id.isnot(None)) | (payments.c.channel == "alipay"),
            payments.c.closed_at >= datetime.now(UTC) - RECHECK_CLOSED_WITHIN,
        )
        .values(next_check_at=payments.c.closed_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("check_error")
        batch_op.drop_column("check_failures")
        batch_op.drop_column("next_check_at")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_status_next_check")
        batch_op.drop_column("check_error")
        batch_op.drop_column("check_failures")
        batch_op.drop_column("next_check_at")
