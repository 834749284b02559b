"""Declarative base, naming convention and the column shapes every table shares."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, mapped_column

from xiaodian.core import clock
from xiaodian.core.dbtypes import BigId, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

# Every MySQL/MariaDB table is InnoDB with utf8mb4, so emoji nicknames and reviews survive.
MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
    __table_args__: Any = MYSQL_TABLE_OPTIONS


IdPk = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
CreatedAt = Annotated[datetime, mapped_column(UTCDateTime(), default=clock.now, nullable=False)]
UpdatedAt = Annotated[
    datetime,
    mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now, nullable=False),
]


def table_args(*constraints: Any) -> tuple[Any, ...]:
    """`__table_args__` with constraints plus the MySQL table options."""
    return (*constraints, MYSQL_TABLE_OPTIONS)
