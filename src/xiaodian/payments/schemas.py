"""Paying, refunds and payment monitoring as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.core.pagination import PageNumber, PageSize
from xiaodian.core.types import Id, Name, Quantity, ShortText, Url
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
    return_goods: bool = False
    """退货退款: send the goods back first (only once the order has shipped)."""
    photos: Annotated[list[Url], Field(max_length=9)] = []
    """Pictures uploaded to this shop (`/media/…`), e.g. of the damage."""


class ReturnAddressIn(BaseModel):
    """The merchant agrees to take the goods back, and says where to send them."""

    address: Annotated[ShortText, Field(min_length=5)]


class ReturnShipmentIn(BaseModel):
    """The shopper sent the goods back."""

    carrier: Annotated[Name, Field(max_length=32)]
    tracking_no: Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[0-9A-Za-z\-]+$")]


class ReceiveIn(BaseModel):
    """The merchant has the goods back; `restock` puts the units back on sale (退回库存)."""

    restock: bool = False


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
    return_goods: bool
    photos: list[str]
    return_address: str
    return_carrier: str
    return_tracking_no: str
    return_due_at: datetime | None
    return_shipped_at: datetime | None
    received_at: datetime | None
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
