"""Opening and joining groups (ordinary orders of kind "group"), and what their payments and
closings do to the group.

Every change to a group is a conditional UPDATE of its row, which also serialises them: a seat
is taken by `seats_taken = seats_taken + 1 WHERE seats_taken < group_size` (so two racing
joiners for the last seat get one order and one `group_full`), a payment counts by
`seats_paid = seats_paid + 1 WHERE status = 'forming'`, and a group fills or fails by a move
conditional on `forming` that exactly one transaction wins. Locks are taken in one order —
stock rows, then the group, then other members' orders — so joins, payments, closings and
the expiry sweep cannot deadlock each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian import pricing
from xiaodian.addresses.errors import AddressNotFound
from xiaodian.catalog.errors import SkuNotFound
from xiaodian.config import Settings
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.coupons import checkout as coupons
from xiaodian.coupons.errors import CouponNotUsable
from xiaodian.events import emit
from xiaodian.groupbuy.errors import (
    CampaignNotRunning,
    GroupAlreadyJoined,
    GroupExpired,
    GroupFull,
    GroupLimitReached,
)
from xiaodian.groupbuy.events import GroupFailed, GroupFilled
from xiaodian.groupbuy.schemas import GroupCreated, SeatIn
from xiaodian.groupbuy.views import campaign_row, group_out, group_row, is_running
from xiaodian.groupbuy.vocabulary import (
    FAILED_REASON,
    HOLDING,
    ORDER_KIND,
    GroupStatus,
    SeatStatus,
)
from xiaodian.models import Address, BuyGroup, GroupBuy, GroupBuyPrice, GroupSeat, Order, User
from xiaodian.orders import actions, checkout
from xiaodian.orders import service as orders
from xiaodian.orders.events import OrderClosed, OrderPaid
from xiaodian.orders.limits import check_units_per_sku, check_unpaid_orders
from xiaodian.orders.state import Status
from xiaodian.payments import refund_service
from xiaodian.shop.service import checkout_terms

SYSTEM = "group_buy"


# ---- opening and joining ----


async def _price_of(session: AsyncSession, campaign: GroupBuy, sku_id: int) -> GroupBuyPrice:
    price = await session.scalar(
        select(GroupBuyPrice).where(
            GroupBuyPrice.campaign_id == campaign.id, GroupBuyPrice.sku_id == sku_id
        )
    )
    if price is None:
        raise SkuNotFound("该规格不参加拼团", sku_id=sku_id)
    return price


async def _check_limit(session: AsyncSession, *, user: User, campaign: GroupBuy) -> None:
    """Called after `check_unpaid_orders` locked the shopper's row: simultaneous requests of
    one shopper count one after the other."""
    if campaign.per_user_limit is None:
        return
    held = await session.scalar(
        select(func.count(GroupSeat.id)).where(
            GroupSeat.user_id == user.id,
            GroupSeat.campaign_id == campaign.id,
            GroupSeat.status.in_(HOLDING),
        )
    )
    if (held or 0) >= campaign.per_user_limit:
        raise GroupLimitReached(f"每人最多参与 {campaign.per_user_limit} 次")


async def _place(
    session: AsyncSession,
    *,
    user: User,
    campaign: GroupBuy,
    price: GroupBuyPrice,
    seat: SeatIn,
    leader: bool,
    pay_by: datetime | None,
    defaults: Settings,
) -> Order:
    """A group order at the group price (and the leader's discount), taking its units from the
    campaign's pool when it has one."""
    check_units_per_sku({seat.sku_id: seat.quantity}, settings=defaults)
    lines = await checkout.checkout_lines(session, {seat.sku_id: seat.quantity})
    line = lines[0]
    adjustments: list[pricing.Adjustment] = []
    off = (line.unit_price_fen - price.group_price_fen) * line.quantity
    if off > 0:
        adjustments.append(
            pricing.Adjustment(
                kind=pricing.AdjustmentKind.GROUP,
                source_id=campaign.id,
                amount_fen=off,
                line_keys=(line.sku_id,),
                label="拼团价",
            )
        )
    if leader and campaign.leader_discount_fen:
        adjustments.append(
            pricing.Adjustment(
                kind=pricing.AdjustmentKind.GROUP,
                source_id=campaign.id,
                amount_fen=campaign.leader_discount_fen,
                line_keys=(line.sku_id,),
                label="团长优惠",
            )
        )
    # Coupons only where the campaign allows them, measured on the group price; no 满减.
    offer = None
    if campaign.allow_coupons:
        offer = await coupons.offer_for(
            session,
            user_id=user.id,
            lines=[line.for_pricing()],
            choice=seat.coupon_choice,
            activity=adjustments,
            with_promotions=False,
        )
        adjustments = [*adjustments, *offer.adjustments]
    elif seat.coupon_id is not None:
        raise CouponNotUsable("该拼团不可使用优惠券", reason="该拼团不可使用优惠券")
    priced = await checkout.price_lines(
        session, lines=lines, defaults=defaults, adjustments=adjustments
    )
    address = await session.scalar(
        select(Address).where(Address.id == seat.address_id, Address.user_id == user.id)
    )
    if address is None:
        raise AddressNotFound()
    shop = await checkout_terms(session, defaults=defaults)
    order = checkout.build_order(
        user_id=user.id,
        address=address,
        priced=priced,
        note="",
        unpaid_minutes=shop.unpaid_timeout_minutes,
        kind=ORDER_KIND,
    )
    if price.quota_id is not None:
        for order_line in order.lines:
            order_line.quota_id = price.quota_id
    if pay_by is not None and order.expires_at is not None:
        # A joiner pays before the group's deadline, or not at all.
        order.expires_at = min(order.expires_at, pay_by)

    async def hold_coupon() -> None:
        if offer is not None:
            await coupons.hold_for_order(
                session, order_id=order.id, user_id=user.id, offer=offer, quote=priced.quote
            )

    await actions.place(session, order=order, by=Actor.buyer(user.id), before_taking=hold_coupon)
    return order


async def _created(
    session: AsyncSession, *, user: User, group_id: int, order_id: int
) -> GroupCreated:
    group = await group_row(session, group_id)
    return GroupCreated(
        group=await group_out(session, group, viewer_id=user.id),
        order=await orders.get_order(session, user_id=user.id, order_id=order_id),
    )


async def open_group(
    session: AsyncSession, *, user: User, campaign_id: int, seat: SeatIn, defaults: Settings
) -> GroupCreated:
    """The leader's order and a group waiting for it: the group opens (visible, its timer
    running) when this order is paid, and never if it is not."""
    campaign = await campaign_row(session, campaign_id)
    if not is_running(campaign):
        raise CampaignNotRunning()
    price = await _price_of(session, campaign, seat.sku_id)
    await check_unpaid_orders(session, user_id=user.id, settings=defaults)
    await _check_limit(session, user=user, campaign=campaign)
    order = await _place(
        session,
        user=user,
        campaign=campaign,
        price=price,
        seat=seat,
        leader=True,
        pay_by=None,
        defaults=defaults,
    )
    group = BuyGroup(
        campaign_id=campaign.id,
        leader_user_id=user.id,
        group_size=campaign.group_size,
        status=GroupStatus.PENDING,
        seats_taken=1,
        seats_paid=0,
    )
    session.add(group)
    await session.flush()
    session.add(
        GroupSeat(
            group_id=group.id,
            campaign_id=campaign.id,
            seat_no=1,
            user_id=user.id,
            order_id=order.id,
            is_leader=True,
            status=SeatStatus.RESERVED,
        )
    )
    await session.flush()
    return await _created(session, user=user, group_id=group.id, order_id=order.id)


async def join_group(
    session: AsyncSession, *, user: User, group_id: int, seat: SeatIn, defaults: Settings
) -> GroupCreated:
    """A joiner's order and seat. The seat is a conditional update of the group's row (never a
    count followed by an insert) and is released when the order closes unpaid."""
    group = await group_row(session, group_id)
    if group.status == GroupStatus.PENDING or group.status == GroupStatus.CANCELLED:
        raise GroupExpired("这个团还没有开团或已取消")
    campaign = await campaign_row(session, group.campaign_id)
    if not is_running(campaign):
        raise CampaignNotRunning()
    now = clock.now()
    _refuse_unless_open(group, now)
    price = await _price_of(session, campaign, seat.sku_id)
    await check_unpaid_orders(session, user_id=user.id, settings=defaults)
    await _check_limit(session, user=user, campaign=campaign)
    # Units first (stock rows are always locked before the group's row), then the seat.
    order = await _place(
        session,
        user=user,
        campaign=campaign,
        price=price,
        seat=seat,
        leader=False,
        pay_by=group.expires_at,
        defaults=defaults,
    )
    taken = await session.execute(
        update(BuyGroup)
        .where(
            BuyGroup.id == group.id,
            BuyGroup.status == GroupStatus.FORMING,
            BuyGroup.expires_at > now,
            BuyGroup.seats_taken < BuyGroup.group_size,
        )
        .values(seats_taken=BuyGroup.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if affected(taken) != 1:
        _refuse_unless_open(await group_row(session, group.id), now, full_if_open=True)
    # The group's row is ours until the commit: the member list below cannot change.
    seats = (
        (
            await session.execute(
                select(GroupSeat).where(
                    GroupSeat.group_id == group.id, GroupSeat.status.in_(HOLDING)
                )
            )
        )
        .scalars()
        .all()
    )
    if any(s.user_id == user.id for s in seats):
        raise GroupAlreadyJoined()
    used = {s.seat_no for s in seats}
    seat_no = next(n for n in range(1, group.group_size + 1) if n not in used)
    session.add(
        GroupSeat(
            group_id=group.id,
            campaign_id=campaign.id,
            seat_no=seat_no,
            user_id=user.id,
            order_id=order.id,
            is_leader=False,
            status=SeatStatus.RESERVED,
        )
    )
    await session.flush()
    return await _created(session, user=user, group_id=group.id, order_id=order.id)


def _refuse_unless_open(group: BuyGroup, now: datetime, *, full_if_open: bool = False) -> None:
    if group.status == GroupStatus.FILLED:
        raise GroupFull()
    if group.status != GroupStatus.FORMING or (
        group.expires_at is not None and group.expires_at <= now
    ):
        raise GroupExpired()
    if group.seats_taken >= group.group_size or full_if_open:
        raise GroupFull()


# ---- what payments and closings do ----


async def on_order_paid(session: AsyncSession, event: OrderPaid) -> None:
    """In the payment's transaction: the order waits in `grouping`; the leader's payment opens
    the group and starts its timer; the last paid seat fills it. Money for a seat whose group
    already failed, filled without it or never opened is refunded at once."""
    if event.kind != ORDER_KIND:
        return
    seat = await session.scalar(select(GroupSeat).where(GroupSeat.order_id == event.order_id))
    if seat is None:
        return
    order = await orders.order_for_update(session, order_id=event.order_id)
    by = Actor.system(SYSTEM)
    now = clock.now()
    counted = False
    if seat.status == SeatStatus.RESERVED:
        if seat.is_leader:
            campaign = await campaign_row(session, seat.campaign_id)
            if is_running(campaign, now):
                deadline = min(now + timedelta(minutes=campaign.fill_minutes), campaign.ends_at)
                counted = _won(
                    await session.execute(
                        update(BuyGroup)
                        .where(BuyGroup.id == seat.group_id, BuyGroup.status == GroupStatus.PENDING)
                        .values(
                            status=GroupStatus.FORMING,
                            seats_paid=BuyGroup.seats_paid + 1,
                            opened_at=now,
                            expires_at=deadline,
                        )
                        .execution_options(synchronize_session=False)
                    )
                )
        else:
            counted = _won(
                await session.execute(
                    update(BuyGroup)
                    .where(BuyGroup.id == seat.group_id, BuyGroup.status == GroupStatus.FORMING)
                    .values(seats_paid=BuyGroup.seats_paid + 1)
                    .execution_options(synchronize_session=False)
                )
            )
    if not counted:
        if seat.is_leader:  # the campaign ended before the leader paid: it never opens
            await session.execute(
                update(BuyGroup)
                .where(BuyGroup.id == seat.group_id, BuyGroup.status == GroupStatus.PENDING)
                .values(status=GroupStatus.CANCELLED, finished_at=now)
                .execution_options(synchronize_session=False)
            )
        await actions.start_grouping(session, order=order, by=by, note="拼团已结束")
        await _refund_member(session, order=order, seat=seat, by=by, reason="拼团已结束，自动退款")
        return
    seat.status = SeatStatus.PAID
    seat.paid_at = now
    await session.flush()
    note = "开团成功，等待好友参团" if seat.is_leader else "参团成功，等待成团"
    await actions.start_grouping(session, order=order, by=by, note=note)
    group = await group_row(session, seat.group_id)
    if group.seats_paid >= group.group_size:
        await fill(session, group=group, by=by, note="拼团成功")


def _won(result: Result[Any]) -> bool:
    return affected(result) == 1


async def on_order_closed(session: AsyncSession, event: OrderClosed) -> None:
    """In the closing's transaction: the unpaid member's seat is released (someone else may
    take it); a leader who never paid leaves a group that never opened."""
    if event.kind != ORDER_KIND:
        return
    seat = await session.scalar(select(GroupSeat).where(GroupSeat.order_id == event.order_id))
    if seat is None:
        return
    released = await session.execute(
        update(GroupSeat)
        .where(GroupSeat.id == seat.id, GroupSeat.status == SeatStatus.RESERVED)
        .values(status=SeatStatus.RELEASED, seat_no=None)
        .execution_options(synchronize_session=False)
    )
    if affected(released) != 1:
        return
    values: dict[str, object] = {"seats_taken": BuyGroup.seats_taken - 1}
    group = await session.get(BuyGroup, seat.group_id, populate_existing=True)
    if seat.is_leader and group is not None and group.status == GroupStatus.PENDING:
        values.update(status=GroupStatus.CANCELLED, finished_at=clock.now())
    await session.execute(
        update(BuyGroup)
        .where(BuyGroup.id == seat.group_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def fill(session: AsyncSession, *, group: BuyGroup, by: Actor, note: str) -> bool:
    """`forming → filled` once; every paid member's order moves to `paid` (待发货) in this
    transaction."""
    won = await session.execute(
        update(BuyGroup)
        .where(BuyGroup.id == group.id, BuyGroup.status == GroupStatus.FORMING)
        .values(status=GroupStatus.FILLED, finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if affected(won) != 1:
        return False
    await session.execute(
        update(GroupBuy)
        .where(GroupBuy.id == group.campaign_id)
        .values(groups_filled=GroupBuy.groups_filled + 1)
        .execution_options(synchronize_session=False)
    )
    order_ids = await _paid_orders(session, group.id)
    for order_id in order_ids:
        order = await orders.order_for_update(session, order_id=order_id)
        await actions.group_filled(session, order=order, by=by, note=note)
    campaign = await campaign_row(session, group.campaign_id)
    await emit(
        session,
        GroupFilled(
            group_id=group.id,
            campaign_id=group.campaign_id,
            goods_id=campaign.goods_id,
            order_ids=tuple(order_ids),
        ),
    )
    return True


async def fail(session: AsyncSession, *, group: BuyGroup, by: Actor) -> bool:
    """`forming → failed` once; every paid member's order goes `grouping → refunding` with a
    refund of everything it paid (sent after the commit), exactly once."""
    won = await session.execute(
        update(BuyGroup)
        .where(BuyGroup.id == group.id, BuyGroup.status == GroupStatus.FORMING)
        .values(status=GroupStatus.FAILED, finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if affected(won) != 1:
        return False
    await session.execute(
        update(GroupBuy)
        .where(GroupBuy.id == group.campaign_id)
        .values(groups_failed=GroupBuy.groups_failed + 1)
        .execution_options(synchronize_session=False)
    )
    order_ids = await _paid_orders(session, group.id)
    refunded: list[int] = []
    for order_id in order_ids:
        seat = await session.scalar(select(GroupSeat).where(GroupSeat.order_id == order_id))
        order = await orders.order_for_update(session, order_id=order_id)
        assert seat is not None
        if await _refund_member(
            session, order=order, seat=seat, by=by, reason=f"{FAILED_REASON}，自动退款"
        ):
            refunded.append(order_id)
    campaign = await campaign_row(session, group.campaign_id)
    await emit(
        session,
        GroupFailed(
            group_id=group.id,
            campaign_id=group.campaign_id,
            goods_id=campaign.goods_id,
            refunded_order_ids=tuple(refunded),
        ),
    )
    return True


async def _paid_orders(session: AsyncSession, group_id: int) -> list[int]:
    return list(
        (
            await session.execute(
                select(GroupSeat.order_id)
                .where(GroupSeat.group_id == group_id, GroupSeat.status == SeatStatus.PAID)
                .order_by(GroupSeat.order_id)
            )
        ).scalars()
    )


async def _refund_member(
    session: AsyncSession, *, order: Order, seat: GroupSeat, by: Actor, reason: str
) -> bool:
    """`grouping → refunding` and a refund in full; False if the order had moved already."""
    if order.status != Status.GROUPING or not await actions.group_failed(
        session, order=order, by=by, note=reason
    ):
        return False
    await session.execute(
        update(GroupSeat)
        .where(GroupSeat.id == seat.id)
        .values(status=SeatStatus.REFUNDED)
        .execution_options(synchronize_session=False)
    )
    await refund_service.refund_in_full(session, order=order, reason=reason)
    return True
