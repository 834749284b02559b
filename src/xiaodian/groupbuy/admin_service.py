"""The merchant's campaigns: create, change, end, and look at their groups."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.errors import GoodsNotFound
from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.groupbuy.errors import GroupBuyNotFound, InvalidGroupBuy
from xiaodian.groupbuy.home import forget_after_commit
from xiaodian.groupbuy.schemas import (
    AdminGroupOut,
    AdminMember,
    GroupBuyCreate,
    GroupBuyOut,
    GroupBuyPatch,
)
from xiaodian.groupbuy.views import admin_campaigns, campaign_row
from xiaodian.groupbuy.vocabulary import (
    ACTIVITY,
    GROUP_STATUS_TEXT,
    CampaignStatus,
    GroupStatus,
)
from xiaodian.inventory import service as inventory
from xiaodian.models import (
    BuyGroup,
    Goods,
    GroupBuy,
    GroupBuyPrice,
    GroupSeat,
    Order,
    Refund,
    Sku,
    User,
)


def percent_of(price_fen: int, percent: int) -> int:
    """`percent`% of a price, rounded half up to the fen, at least 1 fen."""
    return max(1, (price_fen * percent + 50) // 100)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def create_campaign(session: AsyncSession, *, data: GroupBuyCreate) -> GroupBuyOut:
    goods = await session.get(Goods, data.goods_id)
    if goods is None or goods.deleted_at is not None:
        raise GoodsNotFound()
    now = clock.now()
    starts_at = _aware(data.starts_at) if data.starts_at else now
    ends_at = _aware(data.ends_at)
    if ends_at <= starts_at or ends_at <= now:
        raise InvalidGroupBuy("结束时间应晚于开始时间和现在")
    skus = {
        sku.id: sku
        for sku in (
            await session.execute(
                select(Sku).where(Sku.goods_id == goods.id, Sku.is_active.is_(True))
            )
        ).scalars()
    }
    if data.prices is not None:
        wanted: dict[int, int] = {}
        for item in data.prices:
            sku = skus.get(item.sku_id)
            if sku is None:
                raise InvalidGroupBuy("规格不属于该商品", sku_id=item.sku_id)
            if item.group_price_fen > sku.price_fen:
                raise InvalidGroupBuy("拼团价不能高于原价", sku_id=item.sku_id)
            wanted[item.sku_id] = item.group_price_fen
    else:
        assert data.price_percent is not None
        wanted = {
            sku_id: percent_of(sku.price_fen, data.price_percent) for sku_id, sku in skus.items()
        }
    if not wanted:
        raise InvalidGroupBuy("商品没有可售的规格")
    overlapping = await session.scalar(
        select(GroupBuy.id).where(
            GroupBuy.goods_id == goods.id,
            GroupBuy.status == CampaignStatus.RUNNING,
            GroupBuy.ends_at > starts_at,
            GroupBuy.starts_at < ends_at,
        )
    )
    if overlapping is not None:
        raise InvalidGroupBuy("该商品在这段时间已有拼团活动", campaign_id=overlapping)
    campaign = GroupBuy(
        goods_id=goods.id,
        group_size=data.group_size,
        price_percent=data.price_percent,
        fill_minutes=data.fill_minutes,
        starts_at=starts_at,
        ends_at=ends_at,
        per_user_limit=data.per_user_limit,
        stock=data.stock,
        leader_discount_fen=data.leader_discount_fen,
        simulated_fill_min_members=data.simulated_fill_min_members,
        allow_coupons=data.allow_coupons,
        status=CampaignStatus.RUNNING,
        groups_filled=0,
        groups_failed=0,
    )
    session.add(campaign)
    await session.flush()
    for sku_id in sorted(wanted):
        quota_id = None
        if data.stock is not None:
            pool = await inventory.open_pool(
                session, activity=ACTIVITY, activity_id=campaign.id, sku_id=sku_id, units=data.stock
            )
            quota_id = pool.id
        session.add(
            GroupBuyPrice(
                campaign_id=campaign.id,
                sku_id=sku_id,
                group_price_fen=wanted[sku_id],
                quota_id=quota_id,
            )
        )
    await session.flush()
    forget_after_commit(session)
    return await get_campaign(session, campaign_id=campaign.id)


async def get_campaign(session: AsyncSession, *, campaign_id: int) -> GroupBuyOut:
    return (await admin_campaigns(session, [await campaign_row(session, campaign_id)]))[0]


async def list_campaigns(session: AsyncSession) -> list[GroupBuyOut]:
    campaigns = (
        (await session.execute(select(GroupBuy).order_by(GroupBuy.id.desc()).limit(200)))
        .scalars()
        .all()
    )
    return await admin_campaigns(session, campaigns) if campaigns else []


async def _prices(session: AsyncSession, campaign_id: int) -> list[GroupBuyPrice]:
    return list(
        (
            await session.execute(
                select(GroupBuyPrice)
                .where(GroupBuyPrice.campaign_id == campaign_id)
                .order_by(GroupBuyPrice.sku_id)
            )
        ).scalars()
    )


async def patch_campaign(
    session: AsyncSession, *, campaign_id: int, patch: GroupBuyPatch
) -> GroupBuyOut:
    """Change a running campaign. `stock` resizes each SKU's pool exactly (units sold stay
    sold; less than what is left is given back to the SKU); `stock: null` gives the pools
    back and sells normal stock from then on."""
    campaign = await session.get(
        GroupBuy, campaign_id, with_for_update=True, populate_existing=True
    )
    if campaign is None:
        raise GroupBuyNotFound()
    if campaign.status != CampaignStatus.RUNNING:
        raise InvalidGroupBuy("活动已结束，不能修改")
    fields = patch.model_fields_set
    if "ends_at" in fields:
        if patch.ends_at is None or _aware(patch.ends_at) <= max(clock.now(), campaign.starts_at):
            raise InvalidGroupBuy("结束时间应晚于开始时间和现在")
        campaign.ends_at = _aware(patch.ends_at)
    for name in ("fill_minutes", "leader_discount_fen", "allow_coupons"):
        if name in fields and getattr(patch, name) is not None:
            setattr(campaign, name, getattr(patch, name))
    if "per_user_limit" in fields:
        campaign.per_user_limit = patch.per_user_limit
    if "simulated_fill_min_members" in fields:
        if (
            patch.simulated_fill_min_members is not None
            and patch.simulated_fill_min_members > campaign.group_size
        ):
            raise InvalidGroupBuy("模拟成团人数不能超过成团人数")
        campaign.simulated_fill_min_members = patch.simulated_fill_min_members
    if "stock" in fields:
        for price in await _prices(session, campaign.id):
            if patch.stock is None:
                if price.quota_id is not None:
                    await inventory.close_pool(session, quota_id=price.quota_id)
                    price.quota_id = None
            elif price.quota_id is None:
                pool = await inventory.open_pool(
                    session,
                    activity=ACTIVITY,
                    activity_id=campaign.id,
                    sku_id=price.sku_id,
                    units=patch.stock,
                )
                price.quota_id = pool.id
            else:
                await inventory.resize_pool(
                    session, quota_id=price.quota_id, units_left=patch.stock
                )
        campaign.stock = patch.stock
    await session.flush()
    forget_after_commit(session)
    return await get_campaign(session, campaign_id=campaign.id)


async def end_campaign(session: AsyncSession, *, campaign_id: int) -> GroupBuyOut:
    """No new groups or members from now; forming groups run out now (the expiry sweep fills
    or fails them, refunding as usual); the pools go back to the SKUs. Idempotent."""
    campaign = await campaign_row(session, campaign_id)
    now = clock.now()
    won = await session.execute(
        update(GroupBuy)
        .where(GroupBuy.id == campaign.id, GroupBuy.status == CampaignStatus.RUNNING)
        .values(status=CampaignStatus.ENDED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected(won) == 1:
        await close_campaign(session, campaign_id=campaign.id, now=now)
        forget_after_commit(session)
    return await get_campaign(session, campaign_id=campaign.id)


async def close_campaign(session: AsyncSession, *, campaign_id: int, now: datetime) -> None:
    """An ended campaign's forming groups run out now and its pools go back to the SKUs."""
    await session.execute(
        update(BuyGroup)
        .where(
            BuyGroup.campaign_id == campaign_id,
            BuyGroup.status == GroupStatus.FORMING,
            BuyGroup.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    for price in await _prices(session, campaign_id):
        if price.quota_id is not None:
            await inventory.close_pool(session, quota_id=price.quota_id)


async def campaign_groups(
    session: AsyncSession, *, campaign_id: int, status: str | None = None
) -> list[AdminGroupOut]:
    """The campaign's groups (newest first, at most 200) with every member, their orders,
    payments and refunds."""
    await campaign_row(session, campaign_id)
    statement = select(BuyGroup).where(BuyGroup.campaign_id == campaign_id)
    if status:
        statement = statement.where(BuyGroup.status == status)
    groups = (
        (await session.execute(statement.order_by(BuyGroup.id.desc()).limit(200))).scalars().all()
    )
    if not groups:
        return []
    rows = await session.execute(
        select(GroupSeat, User, Order)
        .join(User, User.id == GroupSeat.user_id)
        .join(Order, Order.id == GroupSeat.order_id)
        .where(GroupSeat.group_id.in_([g.id for g in groups]))
        .order_by(GroupSeat.group_id, GroupSeat.is_leader.desc(), GroupSeat.id)
    )
    seats = rows.all()
    refunds = dict(
        (
            await session.execute(
                select(Refund.order_id, Refund.status).where(
                    Refund.order_id.in_([order.id for _, _, order in seats])
                )
            )
        ).all()
    )
    members: dict[int, list[AdminMember]] = {}
    for seat, user, order in seats:
        members.setdefault(seat.group_id, []).append(
            AdminMember(
                user_id=user.id,
                nickname=user.nickname or "微信用户",
                seat_no=seat.seat_no,
                is_leader=seat.is_leader,
                status=seat.status,
                order_id=order.id,
                order_no=order.order_no,
                order_status=order.status,
                total_fen=order.total_fen,
                paid_at=seat.paid_at,
                refund_status=refunds.get(order.id),
            )
        )
    return [
        AdminGroupOut(
            id=g.id,
            status=g.status,
            status_text=GROUP_STATUS_TEXT.get(g.status, g.status),
            group_size=g.group_size,
            seats_taken=g.seats_taken,
            seats_paid=g.seats_paid,
            opened_at=g.opened_at,
            expires_at=g.expires_at,
            finished_at=g.finished_at,
            members=members.get(g.id, []),
        )
        for g in groups
    ]
