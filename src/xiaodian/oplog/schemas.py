from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.core.dbtypes import MAX_ID


class LogQuery(BaseModel):
    q: Annotated[str, Field(max_length=64)] = ""
    admin_id: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None
    action: Annotated[str, Field(max_length=48)] = ""
    target_type: Annotated[str, Field(max_length=32)] = ""
    target_id: Annotated[str, Field(max_length=64)] = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class LogEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    admin_id: int | None
    admin_name: str
    action: str
    target_type: str
    target_id: str
    summary: str
    changes: list[dict[str, Any]]
    source: str
    ip: str
    user_agent: str
    created_at: datetime


class LogPage(BaseModel):
    items: list[LogEntryOut]
    total: int
    page: int
    page_size: int
