"""Reading campaigns and groups into the shapes the APIs send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.queries import cover_subquery, spec_text
from xiaodian.core import clock, urls
from xiaodian.core.urls import own_media
from xiaodian.groupbuy.errors import GroupBuyNotFound, GroupNotFound
from xiaodian.groupbuy.schemas import (
    CampaignBrief,
    CampaignCard,
    CampaignOut,
    CampaignSku,
    GoodsBrief,
    GroupBuyOut,
    GroupOut,
    Member,
    OpenGroup,
    Person,
)
from xiaodian.groupbuy.vocabulary import GROUP_STATUS_TEXT, HOLDING, CampaignStatus, GroupStatus
from xiaodian.models import (
    BuyGroup,
    Goods,
    GroupBuy,
    GroupBuyPrice,
    GroupSeat,
    Sku,
    StockQuota,
    User,
)

COVER_WIDTH = 480
OPEN_GROUPS_SHOWN = 10


def is_running(campaign: GroupBuy, now: datetime | None = None) -> bool:
    moment = now or clock.now()
    return (
        campaign.status == CampaignStatus.RUNNING
        and campaign.starts_at <= moment < campaign.ends_at
    )


async def campaign_row(session: AsyncSession, campaign_id: int) -> GroupBuy:
    campaign = await session.get(GroupBuy, campaign_id, populate_existing=True)
    if campaign is None:
        raise GroupBuyNotFound()
    return campaign


async def group_row(session: AsyncSession, group_id: int) -> BuyGroup:
    group = await session.get(BuyGroup, group_id, populate_existing=True)
    if group is None:
        raise GroupNotFound()
    return group


async def _goods_briefs(session: AsyncSession, goods_ids: Sequence[int]) -> dict[int, GoodsBrief]:
    rows = await session.execute(
        select(Goods.id, Goods.title, cover_subquery().label("cover")).where(
            Goods.id.in_(list(goods_ids))
        )
    )
    return {
        goods_id: GoodsBrief(
            id=goods_id,
            title=title,
            cover_url=urls.sized(cover, COVER_WIDTH) if cover else "",
        )
        for goods_id, title, cover in rows
    }


async def campaign_skus(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, list[CampaignSku]]:
    rows = await session.execute(
        select(GroupBuyPrice, Sku, StockQuota)
        .join(Sku, Sku.id == GroupBuyPrice.sku_id)
        .outerjoin(StockQuota, StockQuota.id == GroupBuyPrice.quota_id)
        .where(GroupBuyPrice.campaign_id.in_(list(campaign_ids)))
        .order_by(GroupBuyPrice.campaign_id, Sku.id)
        .execution_options(populate_existing=True)
    )
    result: dict[int, list[CampaignSku]] = {}
    for price, sku, pool in rows:
        stock = pool.units_left if pool is not None and pool.status == "open" else sku.stock
        result.setdefault(price.campaign_id, []).append(
            CampaignSku(
                sku_id=sku.id,
                spec_text=spec_text(sku.spec_values),
                price_fen=sku.price_fen,
                group_price_fen=price.group_price_fen,
                stock=stock if sku.is_active else 0,
            )
        )
    return result


def _lowest(skus: list[CampaignSku]) -> tuple[int, int]:
    if not skus:
        return 0, 0
    return min(s.group_price_fen for s in skus), min(s.price_fen for s in skus)


async def campaign_cards(
    session: AsyncSession, campaigns: Sequence[GroupBuy]
) -> list[CampaignCard]:
    skus = await campaign_skus(session, [c.id for c in campaigns])
    goods = await _goods_briefs(session, [c.goods_id for c in campaigns])
    cards = []
    for c in campaigns:
        group_price, price = _lowest(skus.get(c.id, []))
        cards.append(
            CampaignCard(
                id=c.id,
                goods=goods[c.goods_id],
                group_size=c.group_size,
                group_price_fen=group_price,
                price_fen=price,
                ends_at=c.ends_at,
                groups_filled=c.groups_filled,
            )
        )
    return cards


async def open_groups(session: AsyncSession, campaign_id: int) -> list[OpenGroup]:
    """Up to ten groups others can join, the ones closest to filling first."""
    rows = await session.execute(
        select(BuyGroup, User)
        .join(User, User.id == BuyGroup.leader_user_id)
        .where(
            BuyGroup.campaign_id == campaign_id,
            BuyGroup.status == GroupStatus.FORMING,
            BuyGroup.expires_at > clock.now(),
            BuyGroup.seats_taken < BuyGroup.group_size,
        )
        .order_by((BuyGroup.group_size - BuyGroup.seats_taken), BuyGroup.expires_at)
        .limit(OPEN_GROUPS_SHOWN)
    )
    return [
        OpenGroup(
            group_id=group.id,
            leader=Person(
                nickname=leader.nickname or "微信用户", avatar_url=own_media(leader.avatar_url)
            ),
            seats_left=group.group_size - group.seats_taken,
            expires_at=group.expires_at,
        )
        for group, leader in rows
        if group.expires_at is not None
    ]


async def campaign_out(session: AsyncSession, campaign: GroupBuy) -> CampaignOut:
    card = (await campaign_cards(session, [campaign]))[0]
    return CampaignOut(
        **card.model_dump(),
        skus=(await campaign_skus(session, [campaign.id])).get(campaign.id, []),
        leader_discount_fen=campaign.leader_discount_fen,
        fill_minutes=campaign.fill_minutes,
        allow_coupons=campaign.allow_coupons,
        open_groups=await open_groups(session, campaign.id),
        server_time=clock.now(),
    )


async def admin_campaigns(
    session: AsyncSession, campaigns: Sequence[GroupBuy]
) -> list[GroupBuyOut]:
    skus = await campaign_skus(session, [c.id for c in campaigns])
    goods = await _goods_briefs(session, [c.goods_id for c in campaigns])
    forming = dict(
        (
            await session.execute(
                select(BuyGroup.campaign_id, func.count(BuyGroup.id))
                .where(
                    BuyGroup.campaign_id.in_([c.id for c in campaigns]),
                    BuyGroup.status == GroupStatus.FORMING,
                )
                .group_by(BuyGroup.campaign_id)
            )
        ).all()
    )
    result = []
    for c in campaigns:
        own = skus.get(c.id, [])
        group_price, price = _lowest(own)
        result.append(
            GroupBuyOut(
                id=c.id,
                goods=goods[c.goods_id],
                group_size=c.group_size,
                price_percent=c.price_percent,
                skus=own,
                group_price_fen=group_price,
                price_fen=price,
                fill_minutes=c.fill_minutes,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                per_user_limit=c.per_user_limit,
                stock=c.stock,
                leader_discount_fen=c.leader_discount_fen,
                simulated_fill_min_members=c.simulated_fill_min_members,
                allow_coupons=c.allow_coupons,
                status=c.status,
                running=is_running(c),
                groups_forming=int(forming.get(c.id, 0)),
                groups_filled=c.groups_filled,
                groups_failed=c.groups_failed,
                created_at=c.created_at,
            )
        )
    return result


async def group_out(
    session: AsyncSession, group: BuyGroup, *, viewer_id: int | None = None
) -> GroupOut:
    """The group as the shared link shows it; a group that never opened (its leader has not
    paid, or never did) is shown only to its leader."""
    unopened = group.status in (GroupStatus.PENDING, GroupStatus.CANCELLED)
    if unopened and viewer_id != group.leader_user_id:
        raise GroupNotFound()
    campaign = await campaign_row(session, group.campaign_id)
    card = (await campaign_cards(session, [campaign]))[0]
    rows = await session.execute(
        select(GroupSeat, User)
        .join(User, User.id == GroupSeat.user_id)
        .where(GroupSeat.group_id == group.id, GroupSeat.status.in_(HOLDING))
        .order_by(GroupSeat.is_leader.desc(), GroupSeat.id)
    )
    members: list[Member] = []
    mine: int | None = None
    for seat, user in rows:
        members.append(
            Member(
                nickname=user.nickname or "微信用户",
                avatar_url=own_media(user.avatar_url),
                is_leader=seat.is_leader,
                paid=seat.status != "reserved",
            )
        )
        if viewer_id is not None and seat.user_id == viewer_id:
            mine = seat.order_id
    if viewer_id is not None and mine is None:
        mine = await session.scalar(
            select(GroupSeat.order_id)
            .where(GroupSeat.group_id == group.id, GroupSeat.user_id == viewer_id)
            .order_by(GroupSeat.id.desc())
            .limit(1)
        )
    seats_left = group.group_size - group.seats_taken if group.status == GroupStatus.FORMING else 0
    return GroupOut(
        id=group.id,
        status=group.status,
        status_text=GROUP_STATUS_TEXT.get(group.status, group.status),
        group_size=group.group_size,
        seats_left=max(0, seats_left),
        members=members,
        expires_at=group.expires_at,
        server_time=clock.now(),
        campaign=CampaignBrief(
            id=campaign.id,
            group_size=campaign.group_size,
            group_price_fen=card.group_price_fen,
            price_fen=card.price_fen,
            ends_at=campaign.ends_at,
            running=is_running(campaign),
        ),
        goods=card.goods,
        my_order_id=mine,
    )
