"""Shopper accounts, login, profile, favorites and footprints (the address book: `addresses`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.catalog.schemas import GoodsCard
from xiaodian.core.types import Id, Name, Url
from xiaodian.orders.schemas import OrderCounts


class WxLoginIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    nickname: str
    avatar_url: str


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


class MeOut(UserOut):
    phone: str | None = None
    created_at: datetime
    order_counts: OrderCounts


class MePatch(BaseModel):
    nickname: Name | None = None
    avatar_url: Url | Literal[""] | None = None


class FavoriteIn(BaseModel):
    goods_id: Id


class FavoriteOut(BaseModel):
    goods: GoodsCard
    created_at: datetime


class FootprintOut(BaseModel):
    goods: GoodsCard
    viewed_at: datetime
