"""Sales reports for any range of shop days, by day, by goods and by SKU, net of refunds; and
the customers who ordered.

A report covers the orders **paid** in the range (shop days, Asia/Shanghai); each order's
successful refunds count against it whenever they happened, so every figure is that of the
orders the report covers and adds up to them: by day, `paid_fen` is what the shoppers paid
(freight included) and `refunded_fen` what went back (freight included); by goods and by SKU,
the lines' own amounts (no freight) and their refunded amounts. Units are net of refunded
units. A shopper is "new" on the day of their first paid order ever, "returning" after.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.money import format_yuan
from xiaodian.dashboard.service import day_bounds, shop_day
from xiaodian.models import Order, OrderLine, Refund, Sku, User
from xiaodian.payments.vocabulary import RefundStatus

MAX_DAYS = 366


class ReportBy(StrEnum):
    DAY = "day"
    GOODS = "goods"
    SKU = "sku"


@dataclass
class ReportRow:
    key: str
    label: str
    orders: int = 0
    units: int = 0
    paid_fen: int = 0
    refunded_fen: int = 0
    new_shoppers: int = 0
    returning_shoppers: int = 0
    code: str = ""
    _orders: set[int] = field(default_factory=set, repr=False)

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunded_fen

    @property
    def average_order_fen(self) -> int:
        return self.net_fen // self.orders if self.orders else 0


@dataclass
class Report:
    by: ReportBy
    first: date
    last: date
    rows: list[ReportRow]
    total: ReportRow


def clamp_range(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    """Defaults to the last 30 days; at most MAX_DAYS; swapped if given backwards."""
    last = last or today
    first = first or last - timedelta(days=29)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    return first, last


async def sales_report(session: AsyncSession, *, by: ReportBy, first: date, last: date) -> Report:
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    orders = (
        await session.execute(
            select(Order.id, Order.user_id, Order.paid_at, Order.total_fen)
            .where(Order.paid_at >= start, Order.paid_at < end)
            .order_by(Order.paid_at, Order.id)
        )
    ).all()
    order_ids = [row[0] for row in orders]
    refunds = (
        (
            await session.execute(
                select(Refund.order_id, Refund.amount_fen, Refund.lines).where(
                    Refund.status == RefundStatus.SUCCEEDED, Refund.order_id.in_(order_ids)
                )
            )
        ).all()
        if order_ids
        else []
    )
    total = ReportRow(key="total", label="合计")
    rows: dict[str, ReportRow] = {}
    if by == ReportBy.DAY:
        first_paid = (
            dict(
                (
                    await session.execute(
                        select(Order.user_id, func.min(Order.paid_at))
                        .where(Order.user_id.in_({row[1] for row in orders}))
                        .group_by(Order.user_id)
                    )
                ).all()
            )
            if orders
            else {}
        )
        refunded_by_order: dict[int, int] = {}
        for order_id, amount_fen, _lines in refunds:
            refunded_by_order[order_id] = refunded_by_order.get(order_id, 0) + amount_fen
        units_by_order = (
            dict(
                (
                    await session.execute(
                        select(
                            OrderLine.order_id,
                            func.sum(OrderLine.quantity - OrderLine.refunded_quantity),
                        )
                        .where(OrderLine.order_id.in_(order_ids))
                        .group_by(OrderLine.order_id)
                    )
                ).all()
            )
            if order_ids
            else {}
        )
        day = first
        while day <= last:
            rows[day.isoformat()] = ReportRow(key=day.isoformat(), label=day.strftime("%m-%d"))
            day += timedelta(days=1)
        seen_new: set[tuple[str, int]] = set()
        for order_id, user_id, paid_at, total_fen in orders:
            assert paid_at is not None
            row = rows[shop_day(paid_at).isoformat()]
            row.orders += 1
            row.paid_fen += total_fen
            row.refunded_fen += refunded_by_order.get(order_id, 0)
            row.units += int(units_by_order.get(order_id, 0) or 0)
            mark = (row.key, user_id)
            if mark not in seen_new:
                seen_new.add(mark)
                if first_paid.get(user_id) == paid_at:
                    row.new_shoppers += 1
                else:
                    row.returning_shoppers += 1
        total.new_shoppers = sum(r.new_shoppers for r in rows.values())
        total.returning_shoppers = len({row[1] for row in orders}) - total.new_shoppers
    else:
        refunded_by_line: dict[int, int] = {}
        for _order_id, _amount, lines in refunds:
            for item in lines or []:
                line_id = int(item["line_id"])
                refunded_by_line[line_id] = refunded_by_line.get(line_id, 0) + int(
                    item["amount_fen"]
                )
        lines_rows = (
            (
                await session.execute(
                    select(
                        OrderLine.id,
                        OrderLine.order_id,
                        OrderLine.goods_id,
                        OrderLine.sku_id,
                        OrderLine.title,
                        OrderLine.spec_text,
                        OrderLine.quantity - OrderLine.refunded_quantity,
                        OrderLine.pay_fen,
                        Sku.code,
                    )
                    .outerjoin(Sku, Sku.id == OrderLine.sku_id)
                    .where(OrderLine.order_id.in_(order_ids))
                )
            ).all()
            if order_ids
            else []
        )
        for line_id, order_id, goods_id, sku_id, title, spec, units, pay_fen, code in lines_rows:
            if by == ReportBy.GOODS:
                key, label, shown_code = str(goods_id), title, ""
            else:
                key, label, shown_code = str(sku_id), f"{title} {spec}".strip(), code or ""
            row = rows.setdefault(key, ReportRow(key=key, label=label, code=shown_code))
            row._orders.add(order_id)
            row.units += units
            row.paid_fen += pay_fen
            row.refunded_fen += refunded_by_line.get(line_id, 0)
        for row in rows.values():
            row.orders = len(row._orders)
    ordered = list(rows.values())
    if by != ReportBy.DAY:
        ordered.sort(key=lambda row: (-row.net_fen, row.key))
    total.orders = len(orders)
    total.units = sum(row.units for row in ordered)
    total.paid_fen = sum(row.paid_fen for row in ordered)
    total.refunded_fen = sum(row.refunded_fen for row in ordered)
    return Report(by=by, first=first, last=last, rows=ordered, total=total)


HEADERS = {
    ReportBy.DAY: (
        "日期",
        "支付订单",
        "件数",
        "支付金额",
        "退款",
        "净销售额",
        "客单价",
        "新客",
        "老客",
    ),
    ReportBy.GOODS: ("商品ID", "商品", "订单", "件数", "支付金额", "退款", "净销售额"),
    ReportBy.SKU: ("SKU ID", "规格", "SKU 编码", "订单", "件数", "支付金额", "退款", "净销售额"),
}


def report_csv(report: Report) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS[report.by])

    def money(row: ReportRow) -> list[str]:
        return [format_yuan(row.paid_fen), format_yuan(row.refunded_fen), format_yuan(row.net_fen)]

    for row in [*report.rows, report.total]:
        if report.by == ReportBy.DAY:
            key = row.key if row.key != "total" else "合计"
            cells = [key, row.orders, row.units, *money(row), format_yuan(row.average_order_fen)]
            writer.writerow([*cells, row.new_shoppers, row.returning_shoppers])
        elif report.by == ReportBy.GOODS:
            writer.writerow([row.key, row.label, row.orders, row.units, *money(row)])
        else:
            writer.writerow([row.key, row.label, row.code, row.orders, row.units, *money(row)])
    return out.getvalue()


@dataclass
class CustomerRow:
    user_id: int
    nickname: str
    phone: str
    orders: int
    spent_fen: int
    last_order_at: object


async def customers(
    session: AsyncSession, *, q: str = "", page: int = 1, page_size: int = 20
) -> tuple[list[CustomerRow], int]:
    """Shoppers with at least one paid order: paid orders, spent net of refunds, last order,
    the phone of their latest order's receiver; searchable by nickname or phone."""
    paid = Order.paid_at.is_not(None)
    conditions: list[ColumnElement[bool]] = [paid]
    if q:
        like = f"%{q}%"
        conditions.append(
            or_(User.nickname.like(like), Order.receiver_phone.like(like), User.phone.like(like))
        )
    base = select(Order.user_id).join(User, User.id == Order.user_id).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(base.distinct().subquery())) or 0
    ranked = (
        await session.execute(
            select(Order.user_id, func.max(Order.created_at).label("last"))
            .join(User, User.id == Order.user_id)
            .where(*conditions)
            .group_by(Order.user_id)
            .order_by(func.max(Order.created_at).desc(), Order.user_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).all()
    user_ids = [row[0] for row in ranked]
    if not user_ids:
        return [], total
    stats = {
        user_id: (count, spent)
        for user_id, count, spent in (
            await session.execute(
                select(Order.user_id, func.count(Order.id), func.sum(Order.total_fen))
                .where(paid, Order.user_id.in_(user_ids))
                .group_by(Order.user_id)
            )
        ).all()
    }
    refunded = dict(
        (
            await session.execute(
                select(Order.user_id, func.sum(Refund.amount_fen))
                .join(Order, Order.id == Refund.order_id)
                .where(Refund.status == RefundStatus.SUCCEEDED, Order.user_id.in_(user_ids))
                .group_by(Order.user_id)
            )
        ).all()
    )
    names = dict(
        (await session.execute(select(User.id, User.nickname).where(User.id.in_(user_ids)))).all()
    )
    phones: dict[int, str] = {}
    for user_id, phone in (
        await session.execute(
            select(Order.user_id, Order.receiver_phone)
            .where(Order.user_id.in_(user_ids))
            .order_by(Order.created_at.desc())
        )
    ).all():
        phones.setdefault(user_id, phone)
    return [
        CustomerRow(
            user_id=user_id,
            nickname=names.get(user_id, ""),
            phone=phones.get(user_id, ""),
            orders=int(stats.get(user_id, (0, 0))[0]),
            spent_fen=int(stats.get(user_id, (0, 0))[1] or 0) - int(refunded.get(user_id, 0) or 0),
            last_order_at=last,
        )
        for user_id, last in ranked
    ], total
