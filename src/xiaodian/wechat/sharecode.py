"""Share codes (getwxacodeunlimit) for goods and groups: generated on first request, kept as
images in media (`wxacode/<kind>-<id>.png`), served with cache headers. The scene is short
(`g=12`, `t=34`) and the mini program decodes it with `decodeURIComponent(query.scene)`."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path

from xiaodian.context import AppContext
from xiaodian.integrations.wechat.platform import (
    WeChatApiError,
    WeChatPlatformUnreachable,
    get_unlimited_code,
)
from xiaodian.models import Goods
from xiaodian.wechat.client import platform_of
from xiaodian.wechat.errors import ShareCodeUnavailable, ShareTargetNotFound

log = logging.getLogger(__name__)


class ShareKind(StrEnum):
    GOODS = "goods"
    GROUP = "group"


SCENE_PREFIX = {ShareKind.GOODS: "g", ShareKind.GROUP: "t"}
PAGES = {
    ShareKind.GOODS: "subpackages/goods/detail/index",
    ShareKind.GROUP: "subpackages/group/detail/index",
}
LOCK_SECONDS = 10.0


def scene_of(kind: ShareKind, target_id: int) -> str:
    return f"{SCENE_PREFIX[kind]}={target_id}"


def path_of(context: AppContext, kind: ShareKind, target_id: int) -> Path:
    return context.settings.media_dir / "wxacode" / f"{kind}-{target_id}.png"


async def _exists(context: AppContext, kind: ShareKind, target_id: int) -> bool:
    if kind == ShareKind.GOODS:
        async with context.db.transaction(write=False) as session:
            goods = await session.get(Goods, target_id)
            return goods is not None and goods.is_on_shelf
    return True  # groups belong to the group-buy domain; its page answers for a missing one


async def share_code(context: AppContext, *, kind: ShareKind, target_id: int) -> Path:
    """The code's file, made at the first request (one process makes it; others wait)."""
    path = path_of(context, kind, target_id)
    if path.exists():
        return path
    if not await _exists(context, kind, target_id):
        raise ShareTargetNotFound()
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
