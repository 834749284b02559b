"""Home's 拼团 slot (`catalog.promotions` key `group_buys`): the running campaigns as cards,
served from this process's near cache; campaign changes and filled groups forget it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import after_commit
from xiaodian.groupbuy.views import campaign_cards
from xiaodian.groupbuy.vocabulary import CampaignStatus
from xiaodian.models import GroupBuy

NAMESPACE = "group_buys"
SHOWN = 6


async def _load(context: AppContext) -> list[dict[str, Any]]:
    async with context.db.transaction(write=False) as session:
        now = clock.now()
        campaigns = (
            (
                await session.execute(
                    select(GroupBuy)
                    .where(GroupBuy.status == CampaignStatus.RUNNING, GroupBuy.ends_at > now)
                    .order_by(GroupBuy.ends_at, GroupBuy.id)
                    .limit(SHOWN * 2)
                )
            )
            .scalars()
            .all()
        )
        cards = await campaign_cards(session, campaigns) if campaigns else []
    starts = {c.id: c.starts_at for c in campaigns}
    # Shaped for home's goods cards: the card's price is the group price, the goods' own
    # price is shown struck through.
    return [
        {
            **card.model_dump(mode="json"),
            "goods_id": card.goods.id,
            "title": card.goods.title,
            "cover_url": card.goods.cover_url,
            "price_fen": card.group_price_fen,
            "goods": {**card.goods.model_dump(mode="json"), "price_fen": card.price_fen},
            "starts_at": starts[card.id].isoformat(),
        }
        for card in cards
    ]


async def home_slot(context: AppContext) -> list[dict[str, Any]]:
    """Campaigns running now (a cached one that started or ended since is filtered here)."""
    cards = await context.near_cache.get_or_load(NAMESPACE, "home", lambda: _load(context))
    now = clock.now()
    return [
        {key: value for key, value in card.items() if key != "starts_at"}
        for card in cards
        if datetime.fromisoformat(card["starts_at"])
        <= now
        < datetime.fromisoformat(card["ends_at"])
    ][:SHOWN]


def forget_after_commit(session: AsyncSession) -> None:
    context = AppContext.of(session)

    async def forget() -> None:
        await context.near_cache.invalidate(NAMESPACE)

    after_commit(session, forget)


async def forget(context: AppContext, _event: object) -> None:
    await context.near_cache.invalidate(NAMESPACE)
