"""Share codes (getwxacodeunlimit) for goods and groups: generated on first request, kept as
images in media (`wxacode/<kind>-<id>.png`), served with cache headers. The scene is short
(`g=12`, `t=34`) and the mini program decodes it with `decodeURIComponent(query.scene)`."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select

from xiaodian.context import AppContext
from xiaodian.integrations.wechat.platform import (
    WeChatApiError,
    WeChatPlatformUnreachable,
    get_unlimited_code,
)
from xiaodian.models import BuyGroup, Goods
from xiaodian.wechat.client import platform_of
from xiaodian.wechat.errors import ShareCodeUnavailable, ShareTargetClosed, ShareTargetNotFound

log = logging.getLogger(__name__)


class ShareKind(StrEnum):
    GOODS = "goods"
    GROUP = "group"


SCENE_PREFIX = {ShareKind.GOODS: "g", ShareKind.GROUP: "t"}
PAGES = {
    ShareKind.GOODS: "subpackages/goods/detail/index",
    ShareKind.GROUP: "subpackages/groupbuy/group/index",
}
LOCK_SECONDS = 10.0


def scene_of(kind: ShareKind, target_id: int) -> str:
    return f"{SCENE_PREFIX[kind]}={target_id}"


def path_of(context: AppContext, kind: ShareKind, target_id: int) -> Path:
    return context.settings.media_dir / "wxacode" / f"{kind}-{target_id}.png"


GROUP_SHAREABLE = "forming"
"""A group is worth inviting to while it forms (its leader paid, seats are open)."""


async def _check_target(context: AppContext, kind: ShareKind, target_id: int) -> None:
    """Refuse a code for goods that are gone or off the shelf, and for a group that does not
    exist (404) or no longer takes members (409)."""
    async with context.db.transaction(write=False) as session:
        if kind == ShareKind.GOODS:
            goods = await session.get(Goods, target_id)
            if goods is None or not goods.is_on_shelf:
                raise ShareTargetNotFound("商品不存在或已下架")
            return
        status = await session.scalar(select(BuyGroup.status).where(BuyGroup.id == target_id))
    if status is None or status == "pending" or status == "cancelled":
        raise ShareTargetNotFound("拼团不存在")
    if status != GROUP_SHAREABLE:
        raise ShareTargetClosed()


async def share_code(context: AppContext, *, kind: ShareKind, target_id: int) -> Path:
    """The code's file, made at the first request (one process makes it; others wait)."""
    path = path_of(context, kind, target_id)
    if path.exists():
        return path
    await _check_target(context, kind, target_id)
    lock = f"wxacode:lock:{kind}:{target_id}"
    for _ in range(int(LOCK_SECONDS / 0.05)):
        if await context.cache.add(lock, b"1", ttl_seconds=LOCK_SECONDS):
            break
        await asyncio.sleep(0.05)
        if path.exists():
            return path
    try:
        if path.exists():
            return path
        try:
            image = await get_unlimited_code(
                platform_of(context), scene=scene_of(kind, target_id), page=PAGES[kind]
            )
        except (WeChatApiError, WeChatPlatformUnreachable) as error:
            log.warning("share code for %s %s not made: %s", kind, target_id, error)
            raise ShareCodeUnavailable() from error
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(image)
        temporary.replace(path)
        return path
    finally:
        await context.cache.delete(lock)
