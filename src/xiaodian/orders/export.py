"""Orders as CSV for any filter of the merchant's list (UTF-8 with a BOM, so Excel reads the
Chinese; amounts in yuan with two decimals; one row per order, its lines in one cell)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.clock import to_shop_time
from xiaodian.core.money import format_yuan
from xiaodian.core.pagination import MAX_PAGE_SIZE
from xiaodian.orders import admin_service
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery

MAX_EXPORT_ROWS = 20_000
HEADER = (
    "订单号",
    "状态",
    "下单时间",
    "支付时间",
    "买家",
    "收货人",
    "电话",
    "地址",
    "商品",
    "件数",
    "商品金额",
    "运费",
    "优惠",
    "实付",
    "快递公司",
    "运单号",
    "买家备注",
)


def _time(value: datetime | None) -> str:
    return to_shop_time(value).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _guard(text: str) -> str:
    """A cell that Excel would run as a formula starts with an apostrophe instead."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def row_of(order: AdminOrderOut) -> list[str]:
    address = order.address
    lines = "；".join(
        f"{line.title}{' ' + line.spec_text if line.spec_text else ''} ×{line.quantity}"
        for line in order.lines
    )
    cells = [
        order.order_no,
        order.status_text,
        _time(order.created_at),
        _time(order.paid_at),
        order.user_nickname,
        address.name,
        address.phone,
        f"{address.province}{address.city}{address.district}{address.detail}",
        lines,
        str(order.item_count),
        format_yuan(order.goods_total_fen),
        format_yuan(order.freight_fen),
        format_yuan(order.discount_fen),
        format_yuan(order.total_fen),
        order.carrier or "",
        order.tracking_no or "",
        order.note,
    ]
    return [_guard(cell) for cell in cells]


async def orders_csv(session: AsyncSession, query: AdminOrderQuery) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    page_no, written = 1, 0
    while written < MAX_EXPORT_ROWS:
        page = await admin_service.list_orders(
            session, query.model_copy(update={"page": page_no, "page_size": MAX_PAGE_SIZE})
        )
        for order in page.items:
            writer.writerow(row_of(order))
        written += len(page.items)
        if not page.items or written >= page.total:
            break
        page_no += 1
    return out.getvalue()
