"""The operation log: every write by a merchant account, who, when, what changed, from where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import JSONType
from xiaodian.models.base import Base, CreatedAt, IdPk, table_args


class OperationLog(Base):
    """One merchant write. `changes` is a list of `{"field", "old", "new"}`; `admin_name` is the
    account's username when it wrote (the account may be renamed or disabled later)."""

    __tablename__ = "operation_logs"
    __table_args__ = table_args(
        Index("ix_operation_logs_created_at", "created_at"),
        Index("ix_operation_logs_admin_created", "admin_id", "created_at"),
        Index("ix_operation_logs_target", "target_type", "target_id"),
    )

    id: Mapped[IdPk]
    admin_id: Mapped[int | None] = mapped_column(BigInteger)
    admin_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(255), default="")
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[CreatedAt]
