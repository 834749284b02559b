"""The order of the home page's banners, set at once (the console's drag to reorder)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.catalog import admin_service as service
from xiaodian.catalog.cache import invalidate_after_commit
from xiaodian.catalog.errors import BannerOrderInvalid
from xiaodian.catalog.schemas import AdminBannerOut
from xiaodian.core.nearcache import NearCache
from xiaodian.models import AdminUser, Banner
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


async def reorder_banners(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    banner_ids: Sequence[int],
    near_cache: NearCache,
) -> list[AdminBannerOut]:
    """Put the banners in the order of `banner_ids` (every banner, once; the first shows
    first); one log entry with each changed position, old → new."""
    require(admin, Permission.MARKETING)
    rows = await session.execute(select(Banner.id, Banner.sort_order).order_by(Banner.id))
    before = {banner_id: sort_order for banner_id, sort_order in rows}
    if len(set(banner_ids)) != len(banner_ids) or set(banner_ids) != set(before):
        raise BannerOrderInvalid(
            f"要给出全部 {len(before)} 张轮播图，每张一次", banner_count=len(before)
        )
    wanted = {banner_id: len(banner_ids) - index for index, banner_id in enumerate(banner_ids)}
    changes = []
    for banner_id in sorted(wanted):
        if before[banner_id] != wanted[banner_id]:
            await session.execute(
                update(Banner).where(Banner.id == banner_id).values(sort_order=wanted[banner_id])
            )
            changes.append(
                {
                    "field": f"banner[{banner_id}].sort_order",
                    "old": before[banner_id],
                    "new": wanted[banner_id],
                }
            )
    if changes:
        invalidate_after_commit(session, near_cache)
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=Action.BANNER_REORDER,
            target_type="banner",
            target_id=",".join(str(i) for i in banner_ids)[:64],
            summary=f"调整了 {len(changes)} 张轮播图的顺序",
            changes=changes,
        )
    session.expire_all()
    return await service.list_banners(session)
