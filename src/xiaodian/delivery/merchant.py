"""The merchant's delivery writes as the API and the console both run them: 发货 permission,
the action, and an operation-log entry, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.core.actors import Actor
from xiaodian.delivery import pickup
from xiaodian.delivery.schemas import PickupOrderOut
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
