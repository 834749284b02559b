"""The merchant's delivery writes as the API and the console both run them: the permission
(发货; the settings are the owner's), the action, and an operation-log entry in the
transaction that writes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.context import AppContext
from xiaodian.core.actors import Actor
from xiaodian.delivery import batches, pickup, service
from xiaodian.delivery.schemas import (
    BatchOut,
    DeliverySettingsIn,
    DeliverySettingsOut,
    PickupOrderOut,
)
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


async def complete_pickup(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, code: str
) -> PickupOrderOut:
    """Check the shopper's pickup code and complete the order (自提核销)."""
    require(admin, Permission.SHIP)
    before = await pickup.find_pickup(session, code=code)
    after = await pickup.complete_pickup(session, code=code, by=Actor.merchant(admin.id))
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.ORDER_PICKUP,
        target_type="order",
        target_id=after.order_no,
        summary="到店自提核销",
        changes=[{"field": "status", "old": before.status, "new": after.status}],
    )
    return after


def _batch_facts(batch: BatchOut) -> dict[str, object]:
    """What the log keeps of a batch: its riders, routes, distance and orders."""
    return {
        "riders": batch.riders,
        "routes": len(batch.routes),
        "distance_m": batch.distance_m,
        "orders": ", ".join(stop.order_no for route in batch.routes for stop in route.stops),
    }


async def save_settings(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    data: DeliverySettingsIn,
    geocoding: bool,
) -> DeliverySettingsOut:
    """Save the delivery settings (the owner's: the callers' dependency checks it) and log
    every field that changed, old → new."""
    before = service.settings_out(await service.load_settings(session), geocoding=geocoding)
    after = service.settings_out(
        await service.save_settings(session, data=data), geocoding=geocoding
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.DELIVERY_SETTINGS,
        target_type="delivery_settings",
        summary="配送设置",
        before=before.model_dump(exclude={"geocoding_available"}),
        after=after.model_dump(exclude={"geocoding_available"}),
    )
    return after


def _batch_log(
    admin: AdminUser, origin: Origin, action: Action, before: BatchOut | None
) -> batches.BatchLog:
    async def log(session: AsyncSession, after: BatchOut) -> None:
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=action,
            target_type="delivery_batch",
            target_id=after.id,
            summary=f"{after.date} {after.slot_start}–{after.slot_end} · {after.riders} 名骑手",
            before=_batch_facts(before) if before is not None else None,
            after=_batch_facts(after),
        )

    return log


async def plan_batch(
    context: AppContext,
    *,
    admin: AdminUser,
    origin: Origin,
    slot_date: str,
    slot_start: str,
    riders: int,
    order_ids: list[int] | None,
) -> BatchOut:
    """规划并出发 (发货 permission): the batch, its orders moved to delivering, and one log entry
    in the same transaction."""
    require(admin, Permission.SHIP)
    return await batches.plan_batch(
        context,
        slot_date=slot_date,
        slot_start=slot_start,
        riders=riders,
        order_ids=order_ids,
        by=Actor.merchant(admin.id),
        log=_batch_log(admin, origin, Action.DELIVERY_BATCH_PLAN, None),
    )


async def replan_batch(
    context: AppContext, *, admin: AdminUser, origin: Origin, batch_id: int, riders: int | None
) -> BatchOut:
    """重新规划 (发货 permission), logged with the batch's riders, routes and orders before and
    after."""
    require(admin, Permission.SHIP)
    async with context.db.transaction(write=False) as session:
        before = await batches.batch_out(session, context=context, batch_id=batch_id)
    return await batches.replan_batch(
        context,
        batch_id=batch_id,
        riders=riders,
        by=Actor.merchant(admin.id),
        log=_batch_log(admin, origin, Action.DELIVERY_BATCH_REPLAN, before),
    )
