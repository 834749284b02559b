"""Sweeps: groups whose time ran out fill (模拟成团) or fail with refunds; unpaid members of
finished groups are closed; campaigns past their end give their pools back.

Due groups are selected `FOR UPDATE SKIP LOCKED` where the engine has it (several workers
share the work), one transaction per batch; each group's move is conditional on `forming`,
so a group is settled exactly once and no member is refunded twice even when two sweeps meet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.groupbuy import admin_service, service
from xiaodian.groupbuy.vocabulary import CampaignStatus, GroupStatus, SeatStatus
from xiaodian.models import BuyGroup, GroupBuy, GroupSeat
from xiaodian.orders import actions
from xiaodian.orders import service as orders
from xiaodian.orders.state import Status

BATCH = 50
SWEEP = "expire_groups"


def _locked(statement: Any, context: AppContext) -> Any:
    if context.db.supports_skip_locked:
        return statement.with_for_update(skip_locked=True)
    return statement


async def expire_groups(context: AppContext) -> int:
    """Settle every forming group past its deadline: filled when it has at least the
    campaign's simulated-fill members paid, else failed (every paid member refunded); then
    close the unpaid orders left in finished groups. Returns the groups settled."""
    by = Actor.system(SWEEP)
    settled = 0
    while True:
        async with context.db.transaction() as session:
            groups = (
                (
                    await session.execute(
                        _locked(
                            select(BuyGroup)
                            .where(
                                BuyGroup.status == GroupStatus.FORMING,
                                BuyGroup.expires_at <= clock.now(),
                            )
                            .order_by(BuyGroup.id)
                            .limit(BATCH),
                            context,
                        )
                    )
                )
                .scalars()
                .all()
            )
            for group in groups:
                campaign = await session.get(GroupBuy, group.campaign_id)
                enough = campaign is not None and campaign.simulated_fill_min_members is not None
                if (
                    enough
                    and campaign is not None
                    and (group.seats_paid >= (campaign.simulated_fill_min_members or 0))
                ):
                    won = await service.fill(session, group=group, by=by, note="模拟成团，拼团成功")
                else:
                    won = await service.fail(session, group=group, by=by)
                settled += int(won)
        if len(groups) < BATCH:
            break
    await close_left_behind(context)
    return settled


async def close_left_behind(context: AppContext) -> int:
    """Unpaid orders of groups that filled (simulated) or failed without them: closed, their
    units back (a payment arriving later is refunded like any late payment). One transaction
    per order, so the order's row is locked before its group's, as everywhere."""
    async with context.db.transaction(write=False) as session:
        order_ids = list(
            (
                await session.execute(
                    select(GroupSeat.order_id)
                    .join(BuyGroup, BuyGroup.id == GroupSeat.group_id)
                    .where(
                        GroupSeat.status == SeatStatus.RESERVED,
                        BuyGroup.status.in_([GroupStatus.FILLED, GroupStatus.FAILED]),
                    )
                    .order_by(GroupSeat.order_id)
                    .limit(500)
                )
            ).scalars()
        )
    closed = 0
    for order_id in order_ids:
        async with context.db.transaction() as session:
            order = await orders.order_for_update(session, order_id=order_id)
            if order.status == Status.PENDING_PAYMENT and await actions.close(
                session, order=order, by=Actor.system(SWEEP), reason="拼团已结束"
            ):
                closed += 1
    return closed


async def end_campaigns(context: AppContext) -> int:
    """Campaigns past `ends_at`: ended, their pools given back to the SKUs."""
    ended = 0
    async with context.db.transaction() as session:
        due = (
            (
                await session.execute(
                    _locked(
                        select(GroupBuy)
                        .where(
                            GroupBuy.status == CampaignStatus.RUNNING,
                            GroupBuy.ends_at <= clock.now(),
                        )
                        .order_by(GroupBuy.id)
                        .limit(BATCH),
                        context,
                    )
                )
            )
            .scalars()
            .all()
        )
        for campaign in due:
            await admin_service.end_campaign(session, campaign_id=campaign.id)
            ended += 1
    return ended
