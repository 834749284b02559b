"""h16 rich: goods.description_blocks, the rich description as ordered text and image blocks

NULL for every existing goods item: its plain `description` is shown as one text block until
the merchant saves blocks (catalog/description.py), so no data needs converting.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0018"
down_revision: str | None = "0017"
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


def downgrade() -> None:
    with op.batch_alter_table("goods") as batch:
        batch.drop_column("description_blocks")
