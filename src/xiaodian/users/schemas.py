"""Shopper accounts, login, profile, addresses, favorites and footprints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.catalog.schemas import GoodsCard
from xiaodian.core.types import Id, Latitude, Longitude, Name, Phone, ShortText, Url


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


class OrderCounts(BaseModel):
    pending_payment: int = 0
    paid: int = 0
    shipped: int = 0
    to_review: int = 0
    after_sale: int = 0


class MeOut(UserOut):
    phone: str | None = None
    created_at: datetime
    order_counts: OrderCounts


class MePatch(BaseModel):
    nickname: Name | None = None
    avatar_url: Url | Literal[""] | None = None


Region = Annotated[str, Field(min_length=1, max_length=32)]


class AddressIn(BaseModel):
    name: Name
    phone: Phone
    province: Annotated[Name, Field(max_length=32)]
    city: Annotated[Name, Field(max_length=32)]
    district: Annotated[Name, Field(max_length=32)]
    detail: Annotated[ShortText, Field(min_length=1)]
    lat: Latitude | None = None
    lng: Longitude | None = None
    is_default: bool = False


class AddressPatch(BaseModel):
    name: Name | None = None
    phone: Phone | None = None
    province: Annotated[Name, Field(max_length=32)] | None = None
    city: Annotated[Name, Field(max_length=32)] | None = None
    district: Annotated[Name, Field(max_length=32)] | None = None
    detail: Annotated[ShortText, Field(min_length=1)] | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None
    is_default: bool | None = None


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    lat: float | None
    lng: float | None
    is_default: bool


class FavoriteIn(BaseModel):
    goods_id: Id


class FavoriteOut(BaseModel):
    goods: GoodsCard
    created_at: datetime


class FootprintOut(BaseModel):
    goods: GoodsCard
    viewed_at: datetime
