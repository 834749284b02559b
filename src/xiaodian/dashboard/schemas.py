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


class SalesPoint(BaseModel):
    day: date
    sales_fen: int
    paid_orders: int


class TopGoods(BaseModel):
    goods_id: int
    title: str
    quantity: int
    sales_fen: int


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
    todo: ToDo
    recent_orders: list[RecentOrder]
    low_stock: list[LowStock]
    low_stock_threshold: int
    refreshed_at: datetime
