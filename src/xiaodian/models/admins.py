"""Merchant accounts: the owner and their staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args

ROLE_OWNER = "owner"
ROLE_STAFF = "staff"


class AdminUser(Base):
    __tablename__ = "admin_users"
    __table_args__ = table_args(UniqueConstraint("username"))

    id: Mapped[IdPk]
    username: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=ROLE_STAFF)
    permissions: Mapped[str] = mapped_column(String(255), default="")
    """Comma-separated `auth.permissions.Permission` values; read only for the custom role."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
