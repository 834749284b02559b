"""Delivery batches: a slot's paid delivery orders planned into rider routes and taken out.

Planning has three steps so no transaction is open during outbound calls or the solver:
a short read collects the stops, the distances come from AMap (or the estimate) and OR-Tools
plans the routes, then one write transaction stores the routes and moves each order
`paid → delivering` through `orders.actions.start_delivery` (an order refunded meanwhile loses
that conditional move and is left out of the route).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core.actors import Actor
from xiaodian.delivery import links, routing
from xiaodian.delivery.errors import (
    BatchNotFound,
    NothingToDeliver,
    RidersOverCapacity,
    SlotUnavailable,
    StoreNotLocated,
)
from xiaodian.delivery.schemas import (
    BatchOut,
    BatchSummary,
    Method,
    Outcome,
    RouteOut,
    StopOut,
)
from xiaodian.delivery.service import Slot, amap_client, load_settings, slot_rule, store_point
from xiaodian.integrations.amap import AmapClient, AmapError, Point
from xiaodian.models import DeliveryBatch, DeliveryOrder, DeliveryRoute, Order, OrderLine, Sku
from xiaodian.orders import actions
from xiaodian.orders.state import Status

BatchLog = Callable[[AsyncSession, BatchOut], Awaitable[None]]
"""Called in the transaction that stored the batch (a merchant's operation-log entry), so a
plan that rolls back leaves no entry."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Stop:
    order_id: int
    point: Point
    weight_g: int = 0


@dataclass(frozen=True)
class _Problem:
    slot: Slot
    store: Point
    riders: int
    capacity: int
    service_s: int
    stops: list[_Stop]
    capacity_g: int = 0
    """Grams per rider (0: weight is not limited)."""


async def order_weights(session: AsyncSession, order_ids: list[int]) -> dict[int, int]:
    """Each order's weight in grams: its lines' quantities × the SKUs' `weight_g` (a SKU not
    weighed counts 0; the weight is today's, not the one when the order was placed)."""
    if not order_ids:
        return {}
    rows = await session.execute(
        select(
            OrderLine.order_id,
            func.coalesce(func.sum(OrderLine.quantity * func.coalesce(Sku.weight_g, 0)), 0),
        )
        .join(Sku, Sku.id == OrderLine.sku_id)
        .where(OrderLine.order_id.in_(order_ids))
        .group_by(OrderLine.order_id)
    )
    return {int(order_id): int(grams) for order_id, grams in rows}


def _kg(grams: int) -> str:
    return f"{grams / 1000:.1f}".removesuffix(".0")


def _check_weight(stops: list[_Stop], riders: int, capacity_g: int) -> None:
    if capacity_g <= 0:
        return
    heaviest = max(stops, key=lambda stop: stop.weight_g)
    if heaviest.weight_g > capacity_g:
        raise RidersOverCapacity(
            f"订单 {heaviest.order_id} 重 {_kg(heaviest.weight_g)} 公斤，"
            f"超过每名骑手的载重 {_kg(capacity_g)} 公斤",
            orders=len(stops),
            capacity=riders,
            weight_g=heaviest.weight_g,
            capacity_g=capacity_g,
        )
    total = sum(stop.weight_g for stop in stops)
    if total > riders * capacity_g:
        raise RidersOverCapacity(
            f"共 {_kg(total)} 公斤，超过 {riders} 名骑手的载重（每人 {_kg(capacity_g)} 公斤）",
            orders=len(stops),
            capacity=riders,
            weight_g=total,
            capacity_g=riders * capacity_g,
        )


async def _collect(
    session: AsyncSession,
    *,
    slot_date: str,
    slot_start: str,
    riders: int,
    order_ids: list[int] | None,
    batch_id: int | None,
) -> _Problem:
    row = await load_settings(session)
    store = store_point(row)
    if store is None:
        raise StoreNotLocated()
    rule = slot_rule(row, slot_start)
    if rule is None:
        raise SlotUnavailable(slot_date=slot_date, slot_start=slot_start)
    query = (
        select(
            DeliveryOrder.order_id,
            Order.lat,
            Order.lng,
            Order.status,
            DeliveryOrder.batch_id,
            DeliveryOrder.outcome,
        )
        .join(Order, Order.id == DeliveryOrder.order_id)
        .where(
            DeliveryOrder.method == Method.DELIVERY,
            DeliveryOrder.slot_date == slot_date,
            DeliveryOrder.slot_start == slot_start,
        )
        .order_by(DeliveryOrder.order_id)
    )
    if order_ids is not None:
        query = query.where(DeliveryOrder.order_id.in_(order_ids))
    stops: list[_Stop] = []
    for order_id, lat, lng, status, in_batch, outcome in await session.execute(query):
        # a failed stop is paid again and may go out once more
        waiting = status == Status.PAID and (in_batch is None or outcome == Outcome.FAILED)
        replanned = (
            batch_id is not None
            and in_batch == batch_id
            and status == Status.DELIVERING
            and outcome is None
        )
        if (waiting or replanned) and lat is not None and lng is not None:
            stops.append(_Stop(order_id, Point(lat=lat, lng=lng)))
    if not stops:
        raise NothingToDeliver()
    weights = await order_weights(session, [stop.order_id for stop in stops])
    stops = [_Stop(stop.order_id, stop.point, weights.get(stop.order_id, 0)) for stop in stops]
    if len(stops) > riders * row.rider_capacity:
        raise RidersOverCapacity(
            f"{len(stops)} 单超过 {riders} 名骑手的运力（每人 {row.rider_capacity} 单）",
            orders=len(stops),
            capacity=riders * row.rider_capacity,
        )
    _check_weight(stops, riders, row.rider_capacity_g or 0)
    return _Problem(
        slot=Slot(slot_date, rule),
        store=store,
        riders=riders,
        capacity=row.rider_capacity,
        service_s=row.service_minutes * 60,
        stops=stops,
        capacity_g=row.rider_capacity_g or 0,
    )


async def _solve(context: AppContext, problem: _Problem) -> list[routing.PlannedRoute]:
    points = [problem.store, *(stop.point for stop in problem.stops)]
    amap = amap_client(context)
    try:
        distance, duration = await amap.matrix(points)
    except (AmapError, httpx.HTTPError) as error:
        # AMap refused (quota) or is down: plan on the estimate rather than not at all
        logger.warning("AMap distance matrix failed, planning on the estimate: %s", error)
        distance, duration = await AmapClient(
            http=amap.http, cache=amap.cache, key="", road_factor=amap.road_factor
        ).matrix(points)
    window = int((problem.slot.ends_at - problem.slot.starts_at).total_seconds())
    riders = min(problem.riders, len(problem.stops))
    try:
        routes = await asyncio.to_thread(
            routing.solve_vrp,
            distance,
            riders=riders,
            duration_s=duration,
            demands=[0] + [1] * len(problem.stops),
            capacity=problem.capacity,
            weights=[0] + [stop.weight_g for stop in problem.stops],
            weight_capacity=problem.capacity_g or None,
            window_s=window,
            service_s=problem.service_s,
        )
    except routing.NoRoute as error:
        # the totals fit but the orders cannot be packed (e.g. five 6 kg orders, 10 kg riders)
        raise RidersOverCapacity(
            f"这些订单分不给 {riders} 名骑手（单数或载重不够），请增加骑手人数",
            orders=len(problem.stops),
            capacity=riders,
        ) from error
    return routes


async def _store(
    session: AsyncSession,
    *,
    batch: DeliveryBatch,
    problem: _Problem,
    planned: list[routing.PlannedRoute],
    by: Actor,
) -> None:
    """Replace the batch's routes with `planned`; new stops start their delivery."""
    old_routes = select(DeliveryRoute.id).where(DeliveryRoute.batch_id == batch.id)
    await session.execute(
        update(DeliveryOrder)
        .where(DeliveryOrder.route_id.in_(old_routes))
        .values(route_id=None, seq=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(DeliveryRoute).where(DeliveryRoute.batch_id == batch.id))
    total = 0
    rider_no = 0
    for plan in planned:
        if not plan.stops:
            continue
        rider_no += 1
        route = DeliveryRoute(
            batch_id=batch.id,
            rider_no=rider_no,
            distance_m=plan.distance_m,
            duration_s=plan.duration_s,
            link_token=links.new_token(),
        )
        session.add(route)
        await session.flush()
        total += plan.distance_m
        seq = 0
        for node, leg, arrival in zip(plan.stops, plan.legs_m, plan.arrivals_s, strict=True):
            stop = problem.stops[node - 1]
            order = await session.get(Order, stop.order_id)
            if order is None:
                continue
            if order.status == Status.PAID and not await actions.start_delivery(
                session, order=order, by=by, note=f"配送批次 {batch.id} · {rider_no} 号骑手"
            ):
                continue
            if order.status != Status.DELIVERING:
                continue
            seq += 1
            await session.execute(
                update(DeliveryOrder)
                .where(DeliveryOrder.order_id == stop.order_id)
                .values(
                    batch_id=batch.id,
                    route_id=route.id,
                    seq=seq,
                    distance_from_prev_m=leg,
                    eta_at=problem.slot.starts_at + timedelta(seconds=arrival),
                    outcome=None,
                )
                .execution_options(synchronize_session=False)
            )
    if rider_no == 0 or not await session.scalar(
        select(DeliveryOrder.order_id).where(DeliveryOrder.batch_id == batch.id).limit(1)
    ):
        # every stop was taken by someone else meanwhile (another worker's batch, a refund)
        raise NothingToDeliver()
    batch.distance_m = total
    batch.riders = rider_no
    await session.flush()


async def plan_batch(
    context: AppContext,
    *,
    slot_date: str,
    slot_start: str,
    riders: int,
    order_ids: list[int] | None,
    by: Actor,
    log: BatchLog | None = None,
) -> BatchOut:
    """Plan routes for the slot's paid delivery orders (or the given ones) and send them out."""
    async with context.db.transaction(write=False) as session:
        problem = await _collect(
            session,
            slot_date=slot_date,
            slot_start=slot_start,
            riders=riders,
            order_ids=order_ids,
            batch_id=None,
        )
    planned = await _solve(context, problem)
    async with context.db.transaction() as session:
        batch = DeliveryBatch(
            slot_date=slot_date,
            slot_start=slot_start,
            slot_end=problem.slot.rule.end,
            riders=riders,
        )
        session.add(batch)
        await session.flush()
        await _store(session, batch=batch, problem=problem, planned=planned, by=by)
        out = await batch_out(session, context=context, batch_id=batch.id)
        if log is not None:
            await log(session, out)
        return out


async def replan_batch(
    context: AppContext,
    *,
    batch_id: int,
    riders: int | None,
    by: Actor,
    log: BatchLog | None = None,
) -> BatchOut:
    """Plan the batch again with the stops not yet handed over plus the slot's newly paid
    orders (a failed stop is back in `paid` and may come again); old rider links stop working
    (their routes are replaced)."""
    async with context.db.transaction(write=False) as session:
        batch = await session.get(DeliveryBatch, batch_id)
        if batch is None:
            raise BatchNotFound()
        problem = await _collect(
            session,
            slot_date=batch.slot_date,
            slot_start=batch.slot_start,
            riders=riders or batch.riders,
            order_ids=None,
            batch_id=batch.id,
        )
    planned = await _solve(context, problem)
    async with context.db.transaction() as session:
        batch = await session.get(DeliveryBatch, batch_id)
        if batch is None:
            raise BatchNotFound()
        await _store(session, batch=batch, problem=problem, planned=planned, by=by)
        out = await batch_out(session, context=context, batch_id=batch.id)
        if log is not None:
            await log(session, out)
        return out


async def route_stops(session: AsyncSession, route_id: int) -> list[tuple[DeliveryOrder, Order]]:
    rows = await session.execute(
        select(DeliveryOrder, Order)
        .join(Order, Order.id == DeliveryOrder.order_id)
        .where(DeliveryOrder.route_id == route_id)
        .order_by(DeliveryOrder.seq)
    )
    return [(delivery, order) for delivery, order in rows]


def stop_out(delivery: DeliveryOrder, order: Order, weight_g: int = 0) -> StopOut:
    return StopOut(
        order_id=order.id,
        order_no=order.order_no,
        seq=delivery.seq or 0,
        eta=delivery.eta_at,
        distance_from_prev_m=delivery.distance_from_prev_m or 0,
        receiver_name=order.receiver_name,
        phone=order.receiver_phone,
        address=f"{order.district}{order.address_detail}",
        items=order.item_count,
        lat=order.lat or 0.0,
        lng=order.lng or 0.0,
        status=order.status,
        outcome=delivery.outcome,
        fail_reason=delivery.fail_reason,
        weight_g=weight_g,
    )


def rider_url(context: AppContext, route: DeliveryRoute, slot_date: str) -> str:
    signed = links.query(context.settings.secret_key, route.id, route.link_token, slot_date)
    return f"{context.settings.public_base_url}/rider/routes/{route.id}?{signed}"


async def batch_out(session: AsyncSession, *, context: AppContext, batch_id: int) -> BatchOut:
    batch = await session.get(DeliveryBatch, batch_id)
    if batch is None:
        raise BatchNotFound()
    routes = (
        await session.scalars(
            select(DeliveryRoute)
            .where(DeliveryRoute.batch_id == batch.id)
            .order_by(DeliveryRoute.rider_no)
        )
    ).all()
    out: list[RouteOut] = []
    for route in routes:
        found = await route_stops(session, route.id)
        weights = await order_weights(session, [order.id for _d, order in found])
        stops = [stop_out(d, o, weights.get(o.id, 0)) for d, o in found]
        out.append(
            RouteOut(
                id=route.id,
                rider_no=route.rider_no,
                stops=stops,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
                weight_g=sum(stop.weight_g for stop in stops),
                map_svg_url=f"/api/admin/v1/delivery/routes/{route.id}/map.svg",
                rider_url=rider_url(context, route, batch.slot_date),
            )
        )
    return BatchOut(
        id=batch.id,
        date=batch.slot_date,
        slot_start=batch.slot_start,
        slot_end=batch.slot_end,
        riders=batch.riders,
        distance_m=batch.distance_m,
        routes=out,
        created_at=batch.created_at,
    )


async def batches_of_day(session: AsyncSession, *, slot_date: str) -> list[BatchSummary]:
    batches = (
        await session.scalars(
            select(DeliveryBatch)
            .where(DeliveryBatch.slot_date == slot_date)
            .order_by(DeliveryBatch.slot_start, DeliveryBatch.id)
        )
    ).all()
    result = []
    for batch in batches:
        stops = await session.scalars(
            select(DeliveryOrder.order_id).where(DeliveryOrder.batch_id == batch.id)
        )
        result.append(
            BatchSummary(
                id=batch.id,
                date=batch.slot_date,
                slot_start=batch.slot_start,
                slot_end=batch.slot_end,
                riders=batch.riders,
                distance_m=batch.distance_m,
                stops=len(stops.all()),
            )
        )
    return result
