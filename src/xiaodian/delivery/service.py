"""Delivery settings, the zone, fees by distance, time slots with capacity, and the checkout
provider (`orders.fulfilment`) that prices a `delivery` choice and holds its slot.

Money in fen: the fee is `base_fee + per_km_fee × ⌈(distance − base_distance) / 1 km⌉`, waived
from `free_above_fen` up (on the goods' amount after discounts, by the pricing pipeline).
A slot's capacity is taken by one conditional UPDATE (`taken < capacity`), so two shoppers can
never both get the last place.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian import pricing
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected, upsert
from xiaodian.delivery.errors import (
    AddressNotLocated,
    AddressOutOfZone,
    DeliveryMethodUnavailable,
    SlotFull,
    SlotRequired,
    SlotUnavailable,
    StoreNotLocated,
)
from xiaodian.delivery.pickup import new_pickup_code
from xiaodian.delivery.schemas import (
    DeliverySettingsIn,
    DeliverySettingsOut,
    ExpressOut,
    Method,
    PickupOut,
    QuoteOut,
    QuoteSlot,
    SlotOut,
    SlotRule,
)
from xiaodian.integrations.amap import AmapClient, AmapError, Point
from xiaodian.models import Address, DeliveryOrder, DeliverySettings, DeliverySlotLoad, Order
from xiaodian.orders.fulfilment import Fulfilment
from xiaodian.orders.schemas import DeliveryChoice, DeliveryPreview
from xiaodian.orders.state import Status

logger = logging.getLogger(__name__)

DEFAULT_SLOTS: list[dict[str, Any]] = [
    {"start": "09:00", "end": "11:00", "capacity": 30, "cutoff_minutes": 60},
    {"start": "16:00", "end": "18:00", "capacity": 30, "cutoff_minutes": 60},
]


def amap_client(context: AppContext) -> AmapClient:
    settings = context.settings
    return AmapClient(
        http=context.http,
        cache=context.cache,
        key=settings.amap_key,
        base_url=settings.amap_base_url,
        private_key=settings.amap_private_key,
        road_factor=settings.delivery_road_factor,
    )


async def load_settings(session: AsyncSession) -> DeliverySettings:
    """The one settings row; before the merchant saves any, the defaults (not stored)."""
    row = await session.scalar(select(DeliverySettings).order_by(DeliverySettings.id).limit(1))
    if row is None:
        defaults = DeliverySettingsIn().model_dump(exclude={"slots"})
        row = DeliverySettings(**defaults, slots=list(DEFAULT_SLOTS))
    return row


def settings_out(row: DeliverySettings, *, geocoding: bool) -> DeliverySettingsOut:
    return DeliverySettingsOut(
        enabled=row.enabled,
        store_address=row.store_address,
        store_lat=row.store_lat,
        store_lng=row.store_lng,
        radius_m=row.radius_m,
        base_fee_fen=row.base_fee_fen,
        base_distance_m=row.base_distance_m,
        per_km_fee_fen=row.per_km_fee_fen,
        free_above_fen=row.free_above_fen,
        slots=[SlotRule.model_validate(slot) for slot in row.slots or []],
        slot_days_ahead=row.slot_days_ahead,
        pickup_enabled=row.pickup_enabled,
        pickup_address=row.pickup_address,
        pickup_hours=row.pickup_hours,
        express_enabled=row.express_enabled,
        express_fee_fen=row.express_fee_fen,
        rider_capacity=row.rider_capacity,
        rider_capacity_g=row.rider_capacity_g or 0,
        service_minutes=row.service_minutes,
        auto_batch_riders=row.auto_batch_riders,
        geocoding_available=geocoding,
    )


async def save_settings(session: AsyncSession, *, data: DeliverySettingsIn) -> DeliverySettings:
    row = await load_settings(session)
    if row.id is None:
        session.add(row)
    for field, value in data.model_dump(exclude={"slots"}).items():
        setattr(row, field, value)
    row.slots = [slot.model_dump() for slot in sorted(data.slots, key=lambda s: s.start)]
    await session.flush()
    return row


async def recent_delivery_points(session: AsyncSession, *, limit: int = 300) -> list[Point]:
    """Where the latest community-delivery orders went (the console's zone plot)."""
    rows = await session.execute(
        select(Order.lat, Order.lng)
        .join(DeliveryOrder, DeliveryOrder.order_id == Order.id)
        .where(
            DeliveryOrder.method == Method.DELIVERY,
            Order.lat.is_not(None),
            Order.lng.is_not(None),
        )
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return [Point(lat=lat, lng=lng) for lat, lng in rows if lat is not None and lng is not None]


def store_point(row: DeliverySettings) -> Point | None:
    if row.store_lat is None or row.store_lng is None:
        return None
    return Point(lat=row.store_lat, lng=row.store_lng)


def fee_for(row: DeliverySettings, distance_m: int) -> int:
    """Base fee, plus the per-km fee for every started kilometre beyond the base distance."""
    extra_m = max(0, distance_m - row.base_distance_m)
    return row.base_fee_fen + row.per_km_fee_fen * math.ceil(extra_m / 1000)


def in_zone(row: DeliverySettings, distance_m: int) -> bool:
    return distance_m <= row.radius_m


def out_of_zone_message(row: DeliverySettings, distance_m: int) -> str:
    radius = f"{row.radius_m / 1000:g}"
    return f"配送范围 {radius} 公里，您的地址约 {distance_m / 1000:.1f} 公里"


# ---- slots ----


@dataclass(frozen=True)
class Slot:
    date: str
    rule: SlotRule

    @property
    def starts_at(self) -> datetime:
        day = date.fromisoformat(self.date)
        hour, minute = map(int, self.rule.start.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=clock.SHOP_TZ)

    @property
    def ends_at(self) -> datetime:
        hour, minute = map(int, self.rule.end.split(":"))
        return self.starts_at.replace(hour=hour, minute=minute)

    @property
    def cutoff_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.rule.cutoff_minutes)


def slot_rule(row: DeliverySettings, start: str) -> SlotRule | None:
    for slot in row.slots or []:
        if slot["start"] == start:
            return SlotRule.model_validate(slot)
    return None


def bookable_days(row: DeliverySettings) -> list[str]:
    today = clock.to_shop_time(clock.now()).date()
    return [(today + timedelta(days=n)).isoformat() for n in range(row.slot_days_ahead + 1)]


async def _taken(session: AsyncSession, days: list[str]) -> dict[tuple[str, str], int]:
    rows = await session.execute(
        select(
            DeliverySlotLoad.slot_date, DeliverySlotLoad.slot_start, DeliverySlotLoad.taken
        ).where(DeliverySlotLoad.slot_date.in_(days))
    )
    return {(day, start): taken for day, start, taken in rows}


async def slots_of(session: AsyncSession, row: DeliverySettings, days: list[str]) -> list[SlotOut]:
    """Every slot of these days with what is taken and left, and whether it still takes orders."""
    taken = await _taken(session, days)
    now = clock.now()
    result: list[SlotOut] = []
    for day in days:
        for raw in row.slots or []:
            slot = Slot(day, SlotRule.model_validate(raw))
            used = taken.get((day, slot.rule.start), 0)
            result.append(
                SlotOut(
                    date=day,
                    start=slot.rule.start,
                    end=slot.rule.end,
                    capacity=slot.rule.capacity,
                    taken=used,
                    left=max(0, slot.rule.capacity - used),
                    cutoff_at=slot.cutoff_at,
                    open=slot.cutoff_at > now,
                )
            )
    return result


def _slot_row(dialect: str, slot_date: str, slot_start: str) -> Any:
    """Insert the day's slot row with nothing taken, or leave the existing one as it is."""
    return upsert(
        dialect,
        DeliverySlotLoad,
        {"slot_date": slot_date, "slot_start": slot_start, "taken": 0},
        key=["slot_date", "slot_start"],
        update={"taken": DeliverySlotLoad.taken},
    )


async def take_slot(session: AsyncSession, *, slot_date: str, rule: SlotRule) -> None:
    """One place in the slot, or SlotFull: a conditional UPDATE, never more than capacity."""

    async def attempt() -> bool:
        result = await session.execute(
            update(DeliverySlotLoad)
            .where(
                DeliverySlotLoad.slot_date == slot_date,
                DeliverySlotLoad.slot_start == rule.start,
                DeliverySlotLoad.taken < rule.capacity,
            )
            .values(taken=DeliverySlotLoad.taken + 1)
            .execution_options(synchronize_session=False)
        )
        return affected(result) == 1

    if await attempt():
        return
    # The day's row is missing (or full): make it, or find it, with one upsert. It takes the
    # row's exclusive lock at once; a plain insert that failed on the unique key would leave
    # every racing checkout holding a shared lock on it, and their updates deadlock.
    await session.execute(_slot_row(session.get_bind().dialect.name, slot_date, rule.start))
    if await attempt():
        return
    raise SlotFull(
        f"{slot_date} {rule.start}-{rule.end} 已约满，请选择其他时段",
        slot_date=slot_date,
        slot_start=rule.start,
    )


async def give_back_slot(session: AsyncSession, *, order_id: int) -> None:
    """The order will not be delivered in its slot (closed unpaid): its place is free again.
    Conditional on the hold, so a place comes back at most once."""
    held = await session.execute(
        update(DeliveryOrder)
        .where(DeliveryOrder.order_id == order_id, DeliveryOrder.slot_held.is_(True))
        .values(slot_held=False)
        .execution_options(synchronize_session=False)
    )
    if affected(held) != 1:
        return
    delivery = await session.get(DeliveryOrder, order_id)
    if delivery is None or delivery.slot_date is None:
        return
    await session.execute(
        update(DeliverySlotLoad)
        .where(
            DeliverySlotLoad.slot_date == delivery.slot_date,
            DeliverySlotLoad.slot_start == delivery.slot_start,
            DeliverySlotLoad.taken > 0,
        )
        .values(taken=DeliverySlotLoad.taken - 1)
        .execution_options(synchronize_session=False)
    )


async def give_back_slot_if_refunded(session: AsyncSession, *, order_id: int) -> None:
    """A paid order refunded in full before any batch took it leaves its slot place free."""
    order = await session.get(Order, order_id)
    delivery = await session.get(DeliveryOrder, order_id)
    if order is None or delivery is None or delivery.batch_id is not None:
        return
    if order.status == Status.REFUNDED:
        await give_back_slot(session, order_id=order_id)


def _open_slot(row: DeliverySettings, choice: DeliveryChoice) -> Slot:
    if choice.slot_date is None or choice.slot_start is None:
        raise SlotRequired()
    rule = slot_rule(row, choice.slot_start)
    if rule is None or choice.slot_date not in bookable_days(row):
        raise SlotUnavailable(slot_date=choice.slot_date, slot_start=choice.slot_start)
    slot = Slot(choice.slot_date, rule)
    if slot.cutoff_at <= clock.now():
        raise SlotUnavailable(
            f"{slot.date} {rule.start}-{rule.end} 已截单，请选择其他时段",
            slot_date=slot.date,
            slot_start=rule.start,
        )
    return slot


# ---- quotes ----


async def distance_to(context: AppContext, row: DeliverySettings, point: Point) -> int:
    """Riding distance from the store: AMap's when configured (cached), else — and when AMap
    refuses or cannot be reached — the estimate, which is also what checkout then uses."""
    store = store_point(row)
    if store is None:
        raise StoreNotLocated()
    amap = amap_client(context)
    try:
        [leg] = await amap.distances_to([point], store)
    except (AmapError, httpx.HTTPError) as error:
        logger.warning("AMap distance failed, using the estimate: %s", error)
        leg = amap.estimate(point, store)
    return leg.distance_m


async def quote(
    session: AsyncSession, *, row: DeliverySettings, point: Point | None, distance_m: int | None
) -> QuoteOut:
    """What delivery to `point` costs and which slots have room; pickup and express beside."""
    pickup = PickupOut(
        available=row.pickup_enabled,
        address=row.pickup_address or row.store_address,
        hours=row.pickup_hours,
    )
    express = ExpressOut(available=row.express_enabled, fee_fen=row.express_fee_fen)
    zone = distance_m is not None and row.enabled and in_zone(row, distance_m)
    slots: list[QuoteSlot] = []
    if zone:
        slots = [
            QuoteSlot(date=s.date, start=s.start, end=s.end, left=s.left)
            for s in await slots_of(session, row, bookable_days(row))
            if s.open
        ]
    message = ""
    if not row.enabled or store_point(row) is None:
        message = "店铺暂未开通同城配送"
    elif point is None:
        message = "请在地图上选择收货地址的位置"
    elif distance_m is not None and not zone:
        message = out_of_zone_message(row, distance_m)
    return QuoteOut(
        in_zone=zone,
        distance_m=distance_m,
        radius_m=row.radius_m,
        fee_fen=fee_for(row, distance_m) if zone and distance_m is not None else 0,
        free_above_fen=row.free_above_fen,
        slots=slots,
        pickup=pickup,
        express=express,
        located=point is not None,
        message=message,
    )


# ---- the checkout provider (orders.fulfilment) ----


async def plan_fulfilment(
    session: AsyncSession, *, address: Address | None, choice: DeliveryChoice
) -> Fulfilment:
    """Price a `delivery` choice for checkout; refuses an address out of the zone (naming the
    distance), a closed or unknown slot, and a method the shop does not offer. Never calls
    out: the distance is AMap's earlier answer for the pair (the quote asked), or the estimate.
    """
    row = await load_settings(session)
    method = Method(choice.method)
    if method == Method.PICKUP:
        if not row.pickup_enabled:
            raise DeliveryMethodUnavailable("店铺暂不支持到店自提")
        return Fulfilment(
            freight=pricing.FreightRule(freight_fen=0, free_threshold_fen=0),
            preview=DeliveryPreview(method=Method.PICKUP, fee_fen=0),
        )
    if method == Method.EXPRESS:
        if not row.express_enabled:
            raise DeliveryMethodUnavailable("店铺暂不支持快递配送")
        return Fulfilment(
            freight=pricing.FreightRule(
                freight_fen=row.express_fee_fen, free_threshold_fen=row.free_above_fen
            ),
            preview=DeliveryPreview(method=Method.EXPRESS, fee_fen=row.express_fee_fen),
        )
    if not row.enabled:
        raise DeliveryMethodUnavailable("店铺暂未开通同城配送")
    store = store_point(row)
    if store is None:
        raise StoreNotLocated()
    if address is None:
        raise AddressNotLocated("请选择收货地址")
    if address.lat is None or address.lng is None:
        raise AddressNotLocated()
    leg = await amap_client(AppContext.of(session)).cached_distance(
        Point(lat=address.lat, lng=address.lng), store
    )
    if not in_zone(row, leg.distance_m):
        raise AddressOutOfZone(
            out_of_zone_message(row, leg.distance_m),
            distance_m=leg.distance_m,
            radius_m=row.radius_m,
            pickup=row.pickup_enabled,
            express=row.express_enabled,
        )
    slot = _open_slot(row, choice)
    fee = fee_for(row, leg.distance_m)
    return Fulfilment(
        freight=pricing.FreightRule(freight_fen=fee, free_threshold_fen=row.free_above_fen),
        preview=DeliveryPreview(
            method=Method.DELIVERY,
            fee_fen=fee,
            distance_m=leg.distance_m,
            slot_date=slot.date,
            slot_start=slot.rule.start,
            slot_end=slot.rule.end,
        ),
    )


async def hold_fulfilment(
    session: AsyncSession, *, order: Order, choice: DeliveryChoice, plan: Fulfilment
) -> None:
    """Record how the new order is delivered and take its slot place (or SlotFull, which rolls
    the whole order back)."""
    preview = plan.preview
    held = False
    if preview.method == Method.DELIVERY and preview.slot_date and preview.slot_start:
        row = await load_settings(session)
        rule = slot_rule(row, preview.slot_start)
        if rule is None:
            raise SlotUnavailable()
        await take_slot(session, slot_date=preview.slot_date, rule=rule)
        held = True
    session.add(
        DeliveryOrder(
            order_id=order.id,
            method=preview.method,
            slot_date=preview.slot_date,
            slot_start=preview.slot_start,
            slot_end=preview.slot_end,
            distance_m=preview.distance_m,
            fee_fen=order.freight_fen,
            slot_held=held,
            pickup_code=(
                await new_pickup_code(session) if preview.method == Method.PICKUP else None
            ),
        )
    )
    await session.flush()
