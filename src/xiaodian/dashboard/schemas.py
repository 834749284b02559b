"""What the dashboard shows; money in fen, days in the shop's timezone."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class DayStats(BaseModel):
    sales_fen: int
    """Total of the orders paid that day (refunded ones included: refunds are counted apart)."""
    paid_orders: int
    average_order_fen: int
    refunds: int
    """Refunds completed that day (partial ones included)."""
    refund_fen: int
    net_fen: int
    """Sales less the refunds completed that day (what the console calls 净销售额)."""


class SalesPoint(BaseModel):
    day: date
    sales_fen: int
    paid_orders: int
    refund_fen: int
    net_fen: int


class TopGoods(BaseModel):
    goods_id: int
    title: str
    quantity: int
    sales_fen: int
    """What its lines paid, less what was refunded of them."""


class RecentOrder(BaseModel):
    id: int
    order_no: str
    receiver_name: str
    item_count: int
    total_fen: int
    status: str
    created_at: datetime


class LowStock(BaseModel):
    sku_id: int
    goods_id: int
    title: str
    spec_text: str
    stock: int


class ToDo(BaseModel):
    to_ship: int
    pending_payment: int
    refund_requests: int


class LiveBoard(BaseModel):
    """The part of the dashboard that refreshes itself while the page is open."""

    today: DayStats
    yesterday: DayStats
    yesterday_so_far: DayStats
    """Yesterday up to the time of day it is now (what today so far is compared with)."""
    todo: ToDo
    recent_orders: list[RecentOrder]
    low_stock: list[LowStock]
    low_stock_threshold: int
    refreshed_at: datetime
