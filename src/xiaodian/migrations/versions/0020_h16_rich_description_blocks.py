"""h16 rich: goods.description_blocks (the rich description as ordered text and image
blocks) and pinned_search_words (hot keywords the merchant pins first)

NULL for every existing goods item: its plain `description` is shown as one text block until
the merchant saves blocks (catalog/description.py), so no data needs converting.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("goods") as batch:
        batch.add_column(
            sa.Column(
                "description_blocks",
                sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql"),
                nullable=True,
            )
        )
    op.create_table(
        "pinned_search_words",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "word",
            sa.String(length=20).with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=20),
                "mysql",
                "mariadb",
            ),
            nullable=False,
        ),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pinned_search_words")),
        sa.UniqueConstraint("word", name="uq_pinned_search_words_word"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    op.drop_table("pinned_search_words")
    with op.batch_alter_table("goods") as batch:
        batch.drop_column("description_blocks")
