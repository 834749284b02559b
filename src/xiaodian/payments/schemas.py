"""Paying, refunds and payment monitoring as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.core.pagination import PageNumber, PageSize
from xiaodian.core.types import Id, Quantity, ShortText
from xiaodian.payments.vocabulary import AnomalyKind, RefundKind, RefundStatus

Channel = Literal["wechat", "alipay"]


class PayIn(BaseModel):
    channel: Channel = "wechat"


class PayOut(BaseModel):
    """WeChat: exactly what `wx.requestPayment` takes (plus channel and out_trade_no).
    Alipay: the signed order string for the Alipay SDK."""

    model_config = ConfigDict(populate_by_name=True)

    channel: Channel
    out_trade_no: str
    timeStamp: str | None = None  # noqa: N815 (the names wx.requestPayment uses)
    nonceStr: str | None = None  # noqa: N815
    package: str | None = None
    signType: str | None = None  # noqa: N815
    paySign: str | None = None  # noqa: N815
    order_string: str | None = None


class RefundLineIn(BaseModel):
    line_id: Id
    quantity: Quantity


class RefundRequestIn(BaseModel):
    reason: Annotated[ShortText, Field(min_length=1)]
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=50)] | None = None


class RefundLineOut(BaseModel):
    line_id: int
    title: str
    quantity: int
    amount_fen: int


class RefundOut(BaseModel):
    id: int
    order_id: int
    order_no: str
    out_refund_no: str
    kind: RefundKind
    status: RefundStatus
    status_text: str
    amount_fen: int
    reason: str
    lines: list[RefundLineOut]
    restock: bool
    reject_reason: str
    failure_message: str | None
    created_at: datetime
    decided_at: datetime | None
    refunded_at: datetime | None


class RefundQuery(BaseModel):
    status: RefundStatus | None = None
    order_id: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 20


class RejectIn(BaseModel):
    reason: Annotated[ShortText, Field(min_length=1)]


class AnomalyQuery(BaseModel):
    kind: AnomalyKind | None = None
    page: PageNumber = 1
    page_size: PageSize = 20
