from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from xiaodian.auth.scopes import Scope
from xiaodian.core.types import Id
from xiaodian.sync.vocabulary import WebhookEvent

MAX_LINES = 1000
SkuCode = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class ApiKeyIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str
    """The key itself: shown this once, stored only as its hash."""


class _Line(BaseModel):
    sku_id: Id | None = None
    sku_code: SkuCode | None = None

    @model_validator(mode="after")
    def _one_name(self) -> _Line:
        if (self.sku_id is None) == (self.sku_code is None):
            raise ValueError("每行需要 sku_id 或 sku_code 之一")
        return self


class StockSetLine(_Line):
    stock: Annotated[int, Field(ge=0, le=10_000_000)]


class StockAdjustLine(_Line):
    delta: Annotated[int, Field(ge=-10_000_000, le=10_000_000)]


class StockSetIn(BaseModel):
    items: Annotated[list[StockSetLine], Field(min_length=1, max_length=MAX_LINES)]


class StockAdjustIn(BaseModel):
    items: Annotated[list[StockAdjustLine], Field(min_length=1, max_length=MAX_LINES)]


class StockLineOut(BaseModel):
    sku_id: int
    sku_code: str
    goods_id: int
    stock_was: int
    stock: int


class StockResult(BaseModel):
    items: list[StockLineOut]
    changed: int


class WebhookIn(BaseModel):
    url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s/?#]+[^\s]*$")]
    events: Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(WebhookEvent))]


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str
    """The HMAC key: shown this once."""


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_response: str
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
