"""The merchant's review writes (回复评价 permission, operation-log entry)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.core.nearcache import NearCache
from xiaodian.models import AdminUser, Review
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.reviews import service
from xiaodian.reviews.schemas import ReviewAdminOut


async def reply(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    review_id: int,
    text: str,
    near_cache: NearCache,
) -> ReviewAdminOut:
    require(admin, Permission.REVIEWS)
    row = await session.get(Review, review_id)
    old = row.reply if row is not None else ""
    after = await service.reply(session, review_id=review_id, text=text, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.REVIEW_REPLY,
        target_type="review",
        target_id=review_id,
        summary=after.goods_title,
        changes=oplog.diff({"reply": old}, {"reply": text}),
    )
    return after


async def set_hidden(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    review_id: int,
    hidden: bool,
    near_cache: NearCache,
) -> ReviewAdminOut:
    require(admin, Permission.REVIEWS)
    row = await session.get(Review, review_id)
    old = row.is_hidden if row is not None else None
    after = await service.set_hidden(
        session, review_id=review_id, hidden=hidden, near_cache=near_cache
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.REVIEW_VISIBILITY,
        target_type="review",
        target_id=review_id,
        summary=after.goods_title,
        changes=[{"field": "is_hidden", "old": old, "new": hidden}],
    )
    return after
