"""Column types that behave the same on SQLite, MySQL/MariaDB and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# INTEGER PRIMARY KEY is SQLite's auto-increment rowid; everywhere else ids are BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

MAX_ID = 2**63 - 1


def case_sensitive_string(length: int) -> TypeEngine[str]:
    """A VARCHAR compared byte for byte (openids, tokens, order numbers differ only by case)."""
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without an offset; always hands back an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use core.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
NullableJSONType = JSON(none_as_null=True).with_variant(
    mysql.JSON(none_as_null=True), "mysql", "mariadb"
)
"""JSON whose Python None is SQL NULL (not the JSON value null), so `IS NULL` finds it."""
