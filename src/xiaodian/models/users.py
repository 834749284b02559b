"""Shoppers, their login tokens, addresses, favorites and browse history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId, case_sensitive_string
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class User(Base):
    __tablename__ = "users"
    __table_args__ = table_args(UniqueConstraint("openid"))

    id: Mapped[IdPk]
    openid: Mapped[str] = mapped_column(case_sensitive_string(64))
    unionid: Mapped[str | None] = mapped_column(case_sensitive_string(64))
    session_key: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str] = mapped_column(String(64), default="")
    avatar_url: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class AuthToken(Base):
    """A bearer token, stored as its SHA-256; `subject` is "user" or "admin"."""

    __tablename__ = "auth_tokens"
    __table_args__ = table_args(
        UniqueConstraint("token_hash"), Index("ix_auth_tokens_subject", "subject", "subject_id")
    )

    id: Mapped[IdPk]
    token_hash: Mapped[str] = mapped_column(case_sensitive_string(64))
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigId)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]


class Address(Base):
    __tablename__ = "addresses"
    __table_args__ = table_args(Index("ix_addresses_user", "user_id"))

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Double)
    lng: Mapped[float | None] = mapped_column(Double)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Favorite(Base):
    __tablename__ = "favorites"
    __table_args__ = table_args(UniqueConstraint("user_id", "goods_id"))

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    created_at: Mapped[CreatedAt]


class Footprint(Base):
    """The last time a shopper looked at a goods item (one row per pair, most recent wins)."""

    __tablename__ = "footprints"
    __table_args__ = table_args(
        UniqueConstraint("user_id", "goods_id"),
        Index("ix_footprints_recent", "user_id", "viewed_at"),
    )

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime]
