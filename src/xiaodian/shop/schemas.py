"""The shop's own settings as the owner edits them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from xiaodian.core.types import Fen, Name, Phone, ShortText, Url


class ShopSettingsOut(BaseModel):
    name: str
    logo_url: str
    service_phone: str
    notice: str
    unpaid_timeout_minutes: int
    auto_confirm_days: int
    freight_fen: int
    free_freight_threshold_fen: int
    low_stock_below: int | None
    """Stock below this is low for SKUs without their own threshold (None: the default,
    `XIAODIAN_STOCK_HINT_BELOW`)."""


class ShopSettingsPatch(BaseModel):
    name: Name | None = None
    logo_url: Url | Literal[""] | None = None
    service_phone: Phone | Literal[""] | None = None
    notice: ShortText | None = None
    unpaid_timeout_minutes: Annotated[int, Field(ge=1, le=24 * 60)] | None = None
    auto_confirm_days: Annotated[int, Field(ge=1, le=60)] | None = None
    freight_fen: Annotated[Fen, Field(le=100_000)] | None = None
    free_freight_threshold_fen: Fen | None = None
    low_stock_below: Annotated[int, Field(ge=0, le=100_000)] | None = None
