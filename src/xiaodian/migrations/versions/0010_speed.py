"""speed: the goods search index (goods_search_terms), filled from the goods already there;
indexes for the goods list's default order and the dashboard's paid orders

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pieces(text: str) -> set[str]:
    # A frozen copy of xiaodian.catalog.search.pieces as it was when this migration was written.
    found: set[str] = set()
    for word in text.casefold().split():
        found.update(word)
        found.update(word[i : i + 2] for i in range(len(word) - 1))
    return found


def upgrade() -> None:
    terms = op.create_table(
        "goods_search_terms",
        sa.Column(
            "term",
            sa.String(length=2).with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=2),
                "mysql",
                "mariadb",
            ),
            nullable=False,
        ),
        sa.Column("goods_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["goods_id"],
            ["goods.id"],
            name=op.f("fk_goods_search_terms_goods_id_goods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "goods_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    op.create_index(
        op.f("ix_goods_search_terms_goods"), "goods_search_terms", ["goods_id"], unique=False
    )
    op.create_index(op.f("ix_orders_paid"), "orders", ["paid_at"], unique=False)
    op.create_index(
        op.f("ix_goods_listed_price"),
        "goods",
        ["is_on_shelf", "deleted_at", "price_fen"],
        unique=False,
    )
    op.create_index(
        op.f("ix_goods_shelf_sort"), "goods", ["is_on_shelf", "sort_order", "sales"], unique=False
    )
    bind = op.get_bind()
    codes: dict[int, list[str]] = {}
    for goods_id, code in bind.execute(sa.text("SELECT goods_id, code FROM skus WHERE code <> ''")):
        codes.setdefault(goods_id, []).append(code)
    rows: list[dict[str, object]] = []
    for goods_id, title, subtitle in bind.execute(sa.text("SELECT id, title, subtitle FROM goods")):
        found = _pieces(title) | _pieces(subtitle or "")
        for code in codes.get(goods_id, []):
            found |= _pieces(code)
        rows += [{"term": term, "goods_id": goods_id} for term in sorted(found)]
        if len(rows) >= 5000:
            op.bulk_insert(terms, rows)
            rows = []
    if rows:
        op.bulk_insert(terms, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_goods_shelf_sort"), table_name="goods")
    op.drop_index(op.f("ix_orders_paid"), table_name="orders")
    op.drop_index(op.f("ix_goods_listed_price"), table_name="goods")
    op.drop_index(op.f("ix_goods_search_terms_goods"), table_name="goods_search_terms")
    op.drop_table("goods_search_terms")
