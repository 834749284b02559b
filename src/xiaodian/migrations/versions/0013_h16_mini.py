"""search counts: how often each keyword was searched per day (the search page's hot words)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0013"
down_revision: str | None = "0012"
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


def downgrade() -> None:
    op.drop_index(op.f("ix_search_counts_day"), table_name="search_counts")
    op.drop_table("search_counts")
