"""Checkout and the shopper's orders: preview, place, list, cancel, confirm receipt.

The rules that keep money and stock right live here and in `state`: prices come from the
database, never the client; stock is taken with conditional updates inside the order's
transaction; an unpaid order gives its stock back exactly once, by whoever wins its close.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.cart import service as cart
from xiaodian.cart.errors import CartQuantityLimit
from xiaodian.catalog.cache import invalidate_after_commit
from xiaodian.catalog.errors import GoodsOffShelf, SkuNotFound
from xiaodian.catalog.queries import is_purchasable, sku_rows_select, spec_text
from xiaodian.catalog.stock import add_sales, return_stock, take_stock
from xiaodian.config import Settings
from xiaodian.core import clock, signals, urls
from xiaodian.core.nearcache import NearCache
from xiaodian.core.pagination import Page, offset_of
from xiaodian.models import Address, IdempotencyKey, Order, OrderEvent, OrderLine, Sku, User
from xiaodian.orders.errors import (
    AddressRequired,
    EmptyCheckout,
    IdempotencyKeyReused,
    OrderNotFound,
    OrderNotPending,
    OrderStateConflict,
)
from xiaodian.orders.limits import check_units_per_sku, check_unpaid_orders
from xiaodian.orders.numbers import new_order_no
from xiaodian.orders.schemas import (
    CheckoutIn,
    OrderCreate,
    OrderOut,
    OrderTab,
    PreviewLine,
    PreviewOut,
)
from xiaodian.orders.state import Status, transition
from xiaodian.orders.views import TAB_STATUSES, WITH_LINES, order_out, orders_out, timelines
from xiaodian.shop.service import current_settings, freight_for
from xiaodian.users.errors import AddressNotFound
from xiaodian.users.schemas import AddressOut, OrderCounts

order_created = signals.Signal("order_created")
order_paid = signals.Signal("order_paid")
order_closed = signals.Signal("order_closed")


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    goods_id: int
    title: str
    spec_text: str
    image_url: str
    unit_price_fen: int
    quantity: int
    stock: int

    @property
    def goods_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


# ---- checkout ----


async def _requested_quantities(
    session: AsyncSession, *, user_id: int, request: CheckoutIn
) -> dict[int, int]:
    if request.from_cart:
        quantities = await cart.selected_quantities(session, user_id=user_id)
    else:
        quantities = {}
        for item in request.items or []:
            quantities[item.sku_id] = quantities.get(item.sku_id, 0) + item.quantity
    if not quantities:
        raise EmptyCheckout("购物车中没有选中的商品" if request.from_cart else None)
    for sku_id, quantity in quantities.items():
        if quantity > cart.MAX_QUANTITY:
            raise CartQuantityLimit(sku_id=sku_id)
    return quantities


async def _priced_lines(session: AsyncSession, quantities: Mapping[int, int]) -> list[PricedLine]:
    """Current prices and titles from the database; any missing or off-shelf SKU stops it."""
    rows = await session.execute(sku_rows_select().where(Sku.id.in_(list(quantities))))
    found = {sku.id: (sku, goods, cover) for sku, goods, cover in rows}
    lines: list[PricedLine] = []
    for sku_id in sorted(quantities):
        if sku_id not in found or found[sku_id][1].deleted_at is not None:
            raise SkuNotFound(sku_id=sku_id)
        sku, goods, cover = found[sku_id]
        if not is_purchasable(sku, goods):
            raise GoodsOffShelf(f"「{goods.title}」已下架", sku_id=sku_id)
        lines.append(
            PricedLine(
                sku_id=sku.id,
                goods_id=goods.id,
                title=goods.title,
                spec_text=spec_text(sku.spec_values),
                image_url=sku.image_url or cover or "",
                unit_price_fen=sku.price_fen,
                quantity=quantities[sku_id],
                stock=sku.stock,
            )
        )
    return lines


async def _own_address(session: AsyncSession, user_id: int, address_id: int) -> Address:
    address = await session.scalar(
        select(Address).where(Address.id == address_id, Address.user_id == user_id)
    )
    if address is None:
        raise AddressNotFound()
    return address


async def preview(
    session: AsyncSession, *, user: User, request: CheckoutIn, defaults: Settings
) -> PreviewOut:
    """What the order would cost, without writing anything (no stock is held)."""
    quantities = await _requested_quantities(session, user_id=user.id, request=request)
    check_units_per_sku(quantities, settings=defaults)
    lines = await _priced_lines(session, quantities)
    shop = await current_settings(session, defaults=defaults)
    goods_total = sum(line.goods_total_fen for line in lines)
    freight = freight_for(goods_total, shop=shop)
    address = None
    if request.address_id is not None:
        address = await _own_address(session, user.id, request.address_id)
    return PreviewOut(
        lines=[
            PreviewLine(
                sku_id=line.sku_id,
                goods_id=line.goods_id,
                title=line.title,
                spec_text=line.spec_text,
                image_url=urls.sized(line.image_url, 480) if line.image_url else "",
                unit_price_fen=line.unit_price_fen,
                quantity=line.quantity,
                goods_total_fen=line.goods_total_fen,
                stock=line.stock,
            )
            for line in lines
        ],
        goods_total_fen=goods_total,
        freight_fen=freight,
        discount_fen=0,
        total_fen=goods_total + freight,
        item_count=sum(line.quantity for line in lines),
        free_freight_threshold_fen=shop.free_freight_threshold_fen,
        address=AddressOut.model_validate(address) if address else None,
    )


def request_fingerprint(request: OrderCreate) -> str:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _claim_idempotency_key(
    session: AsyncSession, *, user_id: int, key: str, fingerprint: str
) -> IdempotencyKey | int:
    """Claim the key for this request, or return the order an earlier identical one made.

    The claim row is inserted before anything else: a concurrent duplicate waits on its unique
    index until this transaction ends, then finds the finished order.
    """
    existing = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if existing is None:
        claim = IdempotencyKey(user_id=user_id, key=key, request_hash=fingerprint)
        try:
            async with session.begin_nested():
                session.add(claim)
                await session.flush()
            return claim
        except IntegrityError:
            existing = await session.scalar(
                select(IdempotencyKey)
                .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
                .execution_options(populate_existing=True)
            )
            if existing is None:
                raise
    if existing.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    if existing.order_id is None:
        raise OrderStateConflict("相同的下单请求正在处理中，请稍后查看订单")
    return existing.order_id


async def place_order(
    session: AsyncSession,
    *,
    user: User,
    request: OrderCreate,
    idempotency_key: str | None,
    defaults: Settings,
    near_cache: NearCache,
) -> tuple[OrderOut, bool]:
    """Create an order waiting for payment, taking its stock; (order, created).

    Never sells more than stock: every SKU's stock is taken with a conditional update, and if
    any line is short nothing is taken and nothing is written. With an `Idempotency-Key`, a
    retried request returns the first order instead of making a second. One shopper holds at
    most `max_unpaid_orders_per_shopper` unpaid orders of at most `max_units_per_sku_per_order`
    units of each SKU.
    """
    if request.address_id is None:
        raise AddressRequired()
    claim: IdempotencyKey | None = None
    if idempotency_key is not None:
        claimed = await _claim_idempotency_key(
            session,
            user_id=user.id,
            key=idempotency_key,
            fingerprint=request_fingerprint(request),
        )
        if isinstance(claimed, int):
            return await get_order(session, user_id=user.id, order_id=claimed), False
        claim = claimed

    quantities = await _requested_quantities(session, user_id=user.id, request=request)
    check_units_per_sku(quantities, settings=defaults)
    await check_unpaid_orders(session, user_id=user.id, settings=defaults)
    lines = await _priced_lines(session, quantities)
    address = await _own_address(session, user.id, request.address_id)
    shop = await current_settings(session, defaults=defaults)
    await take_stock(session, quantities=quantities)

    goods_total = sum(line.goods_total_fen for line in lines)
    freight = freight_for(goods_total, shop=shop)
    now = clock.now()
    order = Order(
        order_no=new_order_no(now),
        user_id=user.id,
        status=Status.PENDING_PAYMENT,
        goods_total_fen=goods_total,
        freight_fen=freight,
        discount_fen=0,
        total_fen=goods_total + freight,
        item_count=sum(line.quantity for line in lines),
        note=request.note,
        receiver_name=address.name,
        receiver_phone=address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        address_detail=address.detail,
        lat=address.lat,
        lng=address.lng,
        expires_at=now + timedelta(minutes=shop.unpaid_timeout_minutes),
        created_at=now,
        lines=[
            OrderLine(
                goods_id=line.goods_id,
                sku_id=line.sku_id,
                title=line.title,
                spec_text=line.spec_text,
                image_url=line.image_url,
                unit_price_fen=line.unit_price_fen,
                quantity=line.quantity,
                goods_total_fen=line.goods_total_fen,
                discount_fen=0,
                pay_fen=line.goods_total_fen,
            )
            for line in lines
        ],
    )
    await _insert_with_unique_number(session, order)
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=None,
            to_status=order.status,
            actor="buyer",
            note="提交订单",
        )
    )
    if request.from_cart:
        await cart.remove_skus(session, user_id=user.id, sku_ids=quantities)
    if claim is not None:
        claim.order_id = order.id
    await session.flush()
    await order_created.send(session, order=order)
    invalidate_after_commit(session, near_cache)
    return await get_order(session, user_id=user.id, order_id=order.id), True


async def _insert_with_unique_number(session: AsyncSession, order: Order) -> None:
    """Order numbers are random within a millisecond; on the rare clash, draw again."""
    for attempt in range(5):
        try:
            async with session.begin_nested():
                session.add(order)
                await session.flush()
            return
        except IntegrityError:
            if attempt == 4:
                raise
            order.order_no = new_order_no(clock.now())


# ---- reading ----


async def _order(session: AsyncSession, *, order_id: int, user_id: int | None) -> Order:
    statement = select(Order).where(Order.id == order_id).options(WITH_LINES)
    if user_id is not None:
        statement = statement.where(Order.user_id == user_id)
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise OrderNotFound()
    return order


async def get_order(session: AsyncSession, *, user_id: int, order_id: int) -> OrderOut:
    """The shopper's own order; someone else's answers exactly like a missing one."""
    order = await _order(session, order_id=order_id, user_id=user_id)
    return order_out(order, (await timelines(session, [order.id])).get(order.id, []))


async def list_orders(
    session: AsyncSession, *, user_id: int, tab: OrderTab, page: int, page_size: int
) -> Page[OrderOut]:
    conditions = [Order.user_id == user_id]
    if tab != "all":
        conditions.append(Order.status.in_(TAB_STATUSES[tab]))
    if tab == "to_review":
        conditions.append(
            exists().where(OrderLine.order_id == Order.id, OrderLine.is_reviewed.is_(False))
        )
    total = await session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    rows = (
        (
            await session.execute(
                select(Order)
                .where(*conditions)
                .options(WITH_LINES)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .offset(offset_of(page, page_size))
                .limit(page_size)
            )
        )
        .scalars()
        .all()
    )
    return Page[OrderOut](
        items=await orders_out(session, rows), total=total, page=page, page_size=page_size
    )


async def status_counts(session: AsyncSession, *, user_id: int) -> OrderCounts:
    """How many of the shopper's orders sit in each tab of 我的."""
    rows = await session.execute(
        select(Order.status, func.count(Order.id))
        .where(Order.user_id == user_id)
        .group_by(Order.status)
    )
    by_status = dict(rows.all())
    to_review = await session.scalar(
        select(func.count(Order.id)).where(
            Order.user_id == user_id,
            Order.status == Status.COMPLETED,
            exists().where(OrderLine.order_id == Order.id, OrderLine.is_reviewed.is_(False)),
        )
    )

    def tab(name: str) -> int:
        return sum(by_status.get(status, 0) for status in TAB_STATUSES[name])

    return OrderCounts(
        pending_payment=tab("pending_payment"),
        paid=tab("paid"),
        shipped=tab("shipped"),
        to_review=to_review or 0,
        after_sale=by_status.get(Status.REFUND_REQUESTED, 0) + by_status.get(Status.REFUNDING, 0),
    )


# ---- moves ----


async def _units_by(session: AsyncSession, order_id: int, column: Any) -> dict[int, int]:
    """The order's units summed per SKU or per goods (`column`)."""
    rows = await session.execute(
        select(column, func.sum(OrderLine.quantity))
        .where(OrderLine.order_id == order_id)
        .group_by(column)
    )
    return {key: int(total) for key, total in rows}


async def close_order(
    session: AsyncSession, *, order: Order, actor: str, reason: str, near_cache: NearCache
) -> bool:
    """Close an unpaid order and give its stock back; True only for the one call that won.

    Buyer cancel, merchant close and the unpaid sweep all come here; the conditional
    transition guarantees the stock goes back exactly once.
    """
    won = await transition(
        session,
        order=order,
        from_statuses=[Status.PENDING_PAYMENT],
        to=Status.CLOSED,
        actor=actor,
        note=reason,
        values={"closed_at": clock.now(), "close_reason": reason},
    )
    if not won:
        return False
    await return_stock(session, quantities=await _units_by(session, order.id, OrderLine.sku_id))
    await order_closed.send(session, order=order)
    invalidate_after_commit(session, near_cache)
    return True


async def cancel(
    session: AsyncSession, *, user_id: int, order_id: int, near_cache: NearCache
) -> OrderOut:
    order = await _order(session, order_id=order_id, user_id=user_id)
    if not await close_order(
        session, order=order, actor="buyer", reason="买家取消", near_cache=near_cache
    ):
        raise OrderNotPending("订单已支付或已关闭，不能取消")
    return await get_order(session, user_id=user_id, order_id=order_id)


async def confirm_receipt(session: AsyncSession, *, user_id: int, order_id: int) -> OrderOut:
    order = await _order(session, order_id=order_id, user_id=user_id)
    won = await transition(
        session,
        order=order,
        from_statuses=[Status.SHIPPED, Status.DELIVERING],
        to=Status.COMPLETED,
        actor="buyer",
        note="确认收货",
        values={"completed_at": clock.now()},
    )
    if not won:
        raise OrderStateConflict("订单还未发货或已完成")
    return await get_order(session, user_id=user_id, order_id=order_id)


async def mark_paid(
    session: AsyncSession, *, order: Order, near_cache: NearCache, note: str = "支付成功"
) -> bool:
    """`pending_payment → paid`, once; counts the sales. False if the order was not pending
    (already paid by a duplicate notification, or closed — the caller refunds that)."""
    won = await transition(
        session,
        order=order,
        from_statuses=[Status.PENDING_PAYMENT],
        to=Status.PAID,
        actor="system",
        note=note,
        values={"paid_at": clock.now()},
    )
    if not won:
        return False
    await add_sales(
        session,
        goods_quantities=await _units_by(session, order.id, OrderLine.goods_id),
        sku_quantities=await _units_by(session, order.id, OrderLine.sku_id),
    )
    await order_paid.send(session, order=order)
    invalidate_after_commit(session, near_cache)
    return True


async def order_for_update(session: AsyncSession, *, order_id: int) -> Order:
    """Load an order with its lines (any shopper's: for payments, jobs and the merchant)."""
    return await _order(session, order_id=order_id, user_id=None)


async def order_of_user(session: AsyncSession, *, user_id: int, order_id: int) -> Order:
    """The shopper's own order row with its lines (404 for anyone else's)."""
    return await _order(session, order_id=order_id, user_id=user_id)
