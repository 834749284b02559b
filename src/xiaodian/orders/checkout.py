"""Checkout: what an order would cost (preview) and placing it, priced by one pipeline.

Prices come from the database, never the client; the pricing pipeline turns lines, the
shop's freight rule and the adjustments into what each line pays; `actions.place` takes the
stock and writes the order in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian import pricing
from xiaodian.addresses.errors import AddressNotFound
from xiaodian.addresses.schemas import AddressOut
from xiaodian.cart import service as cart
from xiaodian.cart.errors import CartQuantityLimit
from xiaodian.catalog.errors import GoodsOffShelf, SkuNotFound
from xiaodian.catalog.queries import checkout_skus_statement, spec_text
from xiaodian.config import Settings
from xiaodian.core import clock, urls
from xiaodian.core.actors import Actor
from xiaodian.coupons import checkout as coupons
from xiaodian.models import Address, IdempotencyKey, Order, OrderLine, User
from xiaodian.orders import actions, fulfilment
from xiaodian.orders.errors import (
    AddressRequired,
    EmptyCheckout,
    IdempotencyKeyReused,
    OrderStateConflict,
)
from xiaodian.orders.limits import check_units_per_sku, check_unpaid_orders
from xiaodian.orders.numbers import new_order_no
from xiaodian.orders.schemas import CheckoutIn, OrderCreate, OrderOut, PreviewLine, PreviewOut
from xiaodian.orders.service import get_order
from xiaodian.orders.state import Status
from xiaodian.orders.views import order_out, timeline_entry
from xiaodian.shop.service import checkout_terms


@dataclass(frozen=True)
class CheckoutLine:
    """A SKU at its current price, as the shopper will buy it."""

    sku_id: int
    goods_id: int
    category_id: int
    title: str
    spec_text: str
    image_url: str
    unit_price_fen: int
    quantity: int
    stock: int

    @property
    def goods_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    def for_pricing(self) -> pricing.PricingLine:
        return pricing.PricingLine(
            key=self.sku_id,
            goods_id=self.goods_id,
            category_id=self.category_id,
            unit_price_fen=self.unit_price_fen,
            quantity=self.quantity,
        )


@dataclass(frozen=True)
class Priced:
    lines: list[CheckoutLine]
    quote: pricing.Quote
    free_freight_threshold_fen: int


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


async def checkout_lines(
    session: AsyncSession, quantities: Mapping[int, int]
) -> list[CheckoutLine]:
    """Current prices and titles from the database; any missing or off-shelf SKU stops it.
    One Core statement (no ORM objects)."""
    rows = await session.execute(checkout_skus_statement(), {"sku_ids": list(quantities)})
    found = {row.id: row for row in rows}
    lines: list[CheckoutLine] = []
    for sku_id in sorted(quantities):
        row = found.get(sku_id)
        if row is None or row.deleted_at is not None:
            raise SkuNotFound(sku_id=sku_id)
        if not (row.is_active and row.is_on_shelf):
            raise GoodsOffShelf(f"「{row.title}」已下架", sku_id=sku_id)
        lines.append(
            CheckoutLine(
                sku_id=row.id,
                goods_id=row.goods_id,
                category_id=row.category_id,
                title=row.title,
                spec_text=spec_text(row.spec_values),
                image_url=row.image_url or row.cover or "",
                unit_price_fen=row.price_fen,
                quantity=quantities[sku_id],
                stock=row.stock,
            )
        )
    return lines


async def shop_freight(session: AsyncSession, defaults: Settings) -> pricing.FreightRule:
    """The shop's freight rule, as its settings have it now."""
    return (await checkout_terms(session, defaults=defaults)).freight


async def price_lines(
    session: AsyncSession,
    *,
    lines: Sequence[CheckoutLine],
    defaults: Settings,
    adjustments: Sequence[pricing.Adjustment] = (),
    freight: pricing.FreightRule | None = None,
) -> Priced:
    """Price the lines with the given adjustments and `freight` (default: the shop's rule)."""
    if freight is None:
        freight = await shop_freight(session, defaults)
    quote = pricing.price(
        [line.for_pricing() for line in lines], freight=freight, adjustments=adjustments
    )
    return Priced(
        lines=list(lines), quote=quote, free_freight_threshold_fen=freight.free_threshold_fen
    )


@functools.cache
def _own_address_statement() -> Select[Address]:
    """Shopper `:user_id`'s address `:address_id` (built once: every checkout reads it)."""
    return select(Address).where(
        Address.id == bindparam("address_id"), Address.user_id == bindparam("user_id")
    )


async def _own_address(session: AsyncSession, user_id: int, address_id: int) -> Address:
    address = await session.scalar(
        _own_address_statement(), {"address_id": address_id, "user_id": user_id}
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
    lines = await checkout_lines(session, quantities)
    offer = await coupons.offer_for(
        session,
        user_id=user.id,
        lines=[line.for_pricing() for line in lines],
        choice=request.coupon_choice,
    )
    address = None
    if request.address_id is not None:
        address = await _own_address(session, user.id, request.address_id)
    plan = await _plan_fulfilment(session, address=address, request=request)
    priced = await price_lines(
        session,
        lines=lines,
        defaults=defaults,
        adjustments=offer.adjustments,
        freight=plan.freight if plan else None,
    )
    quote = priced.quote
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
                discount_fen=quote.line(line.sku_id).discount_fen,
                pay_fen=quote.line(line.sku_id).pay_fen,
            )
            for line in priced.lines
        ],
        goods_total_fen=quote.goods_total_fen,
        freight_fen=quote.freight_fen,
        discount_fen=quote.discount_fen,
        total_fen=quote.total_fen,
        item_count=sum(line.quantity for line in priced.lines),
        free_freight_threshold_fen=priced.free_freight_threshold_fen,
        address=AddressOut.model_validate(address) if address else None,
        promotion_discount_fen=quote.discount_of(pricing.AdjustmentKind.PROMOTION),
        coupon_discount_fen=quote.discount_of(pricing.AdjustmentKind.COUPON),
        coupon_id=offer.coupon_id,
        coupons=offer.coupons,
        delivery=plan.preview.model_copy(update={"fee_fen": quote.freight_fen}) if plan else None,
    )


async def _plan_fulfilment(
    session: AsyncSession, *, address: Address | None, request: CheckoutIn
) -> fulfilment.Fulfilment | None:
    """The registered provider's price for the request's `delivery` choice, if any."""
    provider = fulfilment.provider()
    if request.delivery is None or provider is None:
        return None
    return await provider.plan(session, address=address, choice=request.delivery)


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


def build_order(
    *, user_id: int, address: Address, priced: Priced, note: str, unpaid_minutes: int, kind: str
) -> Order:
    """The order row for a priced checkout (not yet inserted)."""
    now = clock.now()
    quote = priced.quote
    return Order(
        order_no=new_order_no(now),
        user_id=user_id,
        status=Status.PENDING_PAYMENT,
        kind=kind,
        goods_total_fen=quote.goods_total_fen,
        freight_fen=quote.freight_fen,
        discount_fen=quote.discount_fen,
        total_fen=quote.total_fen,
        item_count=sum(line.quantity for line in priced.lines),
        note=note,
        receiver_name=address.name,
        receiver_phone=address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        address_detail=address.detail,
        lat=address.lat,
        lng=address.lng,
        expires_at=now + timedelta(minutes=unpaid_minutes),
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
                discount_fen=quote.line(line.sku_id).discount_fen,
                pay_fen=quote.line(line.sku_id).pay_fen,
            )
            for line in priced.lines
        ],
    )


async def place_order(
    session: AsyncSession,
    *,
    user: User,
    request: OrderCreate,
    idempotency_key: str | None,
    defaults: Settings,
) -> tuple[OrderOut, bool]:
    """Create an order waiting for payment, taking its stock; (order, created).

    Never sells more than stock (`actions.place`). With an `Idempotency-Key`, a retried
    request returns the first order instead of making a second. One shopper holds at most
    `max_unpaid_orders_per_shopper` unpaid orders of at most `max_units_per_sku_per_order`
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
    lines = await checkout_lines(session, quantities)
    address = await _own_address(session, user.id, request.address_id)
    offer = await coupons.offer_for(
        session,
        user_id=user.id,
        lines=[line.for_pricing() for line in lines],
        choice=request.coupon_choice,
    )
    plan = await _plan_fulfilment(session, address=address, request=request)
    shop = await checkout_terms(session, defaults=defaults)
    priced = await price_lines(
        session,
        lines=lines,
        defaults=defaults,
        adjustments=offer.adjustments,
        freight=plan.freight if plan else shop.freight,
    )
    order = build_order(
        user_id=user.id,
        address=address,
        priced=priced,
        note=request.note,
        unpaid_minutes=shop.unpaid_timeout_minutes,
        kind="normal",
    )

    async def also_write() -> None:
        """The order's other rows, written before its units are taken (`actions.place`)."""
        await coupons.hold_for_order(
            session, order_id=order.id, user_id=user.id, offer=offer, quote=priced.quote
        )
        provider = fulfilment.provider()
        if plan is not None and provider is not None and request.delivery is not None:
            await provider.hold(session, order=order, choice=request.delivery, plan=plan)
        if request.from_cart:
            await cart.remove_skus(session, user_id=user.id, sku_ids=quantities)
        if claim is not None:
            claim.order_id = order.id

    placed = await actions.place(
        session, order=order, by=Actor.buyer(user.id), before_taking=also_write
    )
    # Answered from what was just written (every column is set in memory: no server
    # defaults), not read back: three SELECTs fewer inside the transaction.
    return order_out(order, [timeline_entry(placed)]), True
