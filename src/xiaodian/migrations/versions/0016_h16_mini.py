"""search counts: how often each keyword was searched per day (the search page's hot words);
restock reminders (到货提醒)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import xiaodian.core.dbtypes

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_counts",
        sa.Column(
            "term",
            sa.String(length=20).with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=20),
                "mysql",
                "mariadb",
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", "day"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    op.create_index(op.f("ix_search_counts_day"), "search_counts", ["day"], unique=False)
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "restock_reminders",
        sa.Column("id", big_id, autoincrement=True, nullable=False),
        sa.Column("user_id", big_id, nullable=False),
        sa.Column("sku_id", big_id, nullable=False),
        sa.Column("goods_id", big_id, nullable=False),
        sa.Column("notified_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_restock_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.id"],
            name=op.f("fk_restock_reminders_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goods_id"],
            ["goods.id"],
            name=op.f("fk_restock_reminders_goods_id_goods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "sku_id", name=op.f("uq_restock_reminders_user_id_sku_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    op.create_index(
        op.f("ix_restock_reminders_waiting"),
        "restock_reminders",
        ["sku_id", "notified_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_restock_reminders_waiting"), table_name="restock_reminders")
    op.drop_table("restock_reminders")
    op.drop_index(op.f("ix_search_counts_day"), table_name="search_counts")
    op.drop_table("search_counts")
