"""The merchant's order writes as the API and the console both run them: 发货 permission,
the action, and an operation-log entry, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.config import Settings
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.orders import admin_service as service
from xiaodian.orders.schemas import AdminOrderOut, ShipIn


def _shipping(order: AdminOrderOut) -> dict[str, object]:
    return {"status": order.status, "carrier": order.carrier, "tracking_no": order.tracking_no}


async def ship(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    order_id: int,
    shipment: ShipIn,
    defaults: Settings,
) -> AdminOrderOut:
    require(admin, Permission.SHIP)
    before = await service.get_order(session, order_id=order_id)
    after = await service.ship(
        session, order_id=order_id, shipment=shipment, admin_id=admin.id, defaults=defaults
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.ORDER_SHIP,
        target_type="order",
        target_id=after.order_no,
        summary=f"{shipment.carrier} {shipment.tracking_no}",
        before=_shipping(before),
        after=_shipping(after),
    )
    return after


async def close_unpaid(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, order_id: int, reason: str
) -> AdminOrderOut:
    require(admin, Permission.SHIP)
    before = await service.get_order(session, order_id=order_id)
    after = await service.close_unpaid(session, order_id=order_id, reason=reason, admin_id=admin.id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.ORDER_CLOSE,
        target_type="order",
        target_id=after.order_no,
        summary=reason or "商家关闭",
        changes=[{"field": "status", "old": before.status, "new": after.status}],
    )
    return after


async def change_tracking(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, order_id: int, shipment: ShipIn
) -> AdminOrderOut:
    require(admin, Permission.SHIP)
    before = await service.get_order(session, order_id=order_id)
    after = await service.change_tracking(
        session, order_id=order_id, shipment=shipment, admin_id=admin.id
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.ORDER_TRACKING,
        target_type="order",
        target_id=after.order_no,
        summary=f"{shipment.carrier} {shipment.tracking_no}",
        before=_shipping(before),
        after=_shipping(after),
    )
    return after
