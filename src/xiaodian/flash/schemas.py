"""Flash-sale requests and answers (times in UTC; money in fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from xiaodian.core.dbtypes import MAX_ID
from xiaodian.flash.vocabulary import SessionStatus

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Fen = Annotated[int, Field(ge=1, le=100_000_000)]


class FlashItemIn(BaseModel):
    id: Id | None = None
    """An existing item to change (PATCH); without it, a new item."""
    sku_id: Id
    flash_price_fen: Fen
    flash_stock: Annotated[int, Field(ge=0, le=1_000_000)]
    per_user_limit: Annotated[int, Field(ge=1, le=99)] = 1
    max_participants: Annotated[int | None, Field(ge=1, le=10_000_000)] = None


class FlashSessionCreate(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=64)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    unpaid_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    items: Annotated[list[FlashItemIn], Field(min_length=1, max_length=50)]


class FlashSessionPatch(BaseModel):
    title: Annotated[str | None, Field(min_length=1, max_length=64)] = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    unpaid_minutes: Annotated[int | None, Field(ge=1, le=60)] = None
    items: Annotated[list[FlashItemIn] | None, Field(max_length=50)] = None


MAX_ORDER_QUANTITY = 99


class FlashOrderCreate(BaseModel):
    quantity: Annotated[int, Field(ge=1, le=MAX_ORDER_QUANTITY)] = 1
    address_id: Id


class GoodsBrief(BaseModel):
    id: int
    title: str
    cover_url: str


class FlashItemOut(BaseModel):
    id: int
    sku_id: int
    goods: GoodsBrief
    flash_price_fen: int
    price_fen: int
    stock_left: int
    sold: int
    per_user_limit: int


class FlashSessionOut(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    items: list[FlashItemOut]


class FlashItemAdmin(FlashItemOut):
    flash_stock: int
    max_participants: int | None
    participants: int
    spec_text: str
    orders: int
    paid_orders: int
    paid_units: int


class FlashSessionAdmin(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    unpaid_minutes: int
    status: SessionStatus
    ended_at: datetime | None
    items: list[FlashItemAdmin]


class FlashSessionCreated(BaseModel):
    id: int
    item_ids: list[int]
    session: FlashSessionAdmin


class ReminderOut(BaseModel):
    """The shopper will hear when the session starts."""

    item_id: int
    session_id: int
    starts_at: datetime


class RemindersOut(BaseModel):
    item_ids: list[int]
