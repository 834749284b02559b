"""delivery: pickup codes, SKU weights for rider capacity; WeChat: re-uploads counted;
flash-sale reminders

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xiaodian.core.dbtypes

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rider_capacity_g", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("delivery_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_code", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint("uq_delivery_orders_pickup_code", ["pickup_code"])
    with op.batch_alter_table("wechat_shippings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reuploads", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_g", sa.Integer(), nullable=True))
    op.create_table(
        "flash_reminders",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("item_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xiaodian.core.dbtypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["flash_sessions.id"],
            name=op.f("fk_flash_reminders_session_id_flash_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["flash_items.id"],
            name=op.f("fk_flash_reminders_item_id_flash_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_flash_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_flash_reminders_item_id_user_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("flash_reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flash_reminders_session_status", ["session_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("flash_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_flash_reminders_session_status")
    op.drop_table("flash_reminders")
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_column("weight_g")
    with op.batch_alter_table("wechat_shippings", schema=None) as batch_op:
        batch_op.drop_column("reuploads")
    with op.batch_alter_table("delivery_orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_delivery_orders_pickup_code", type_="unique")
        batch_op.drop_column("pickup_code")
    with op.batch_alter_table("delivery_settings", schema=None) as batch_op:
        batch_op.drop_column("rider_capacity_g")
