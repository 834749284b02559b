"""秒杀开始提醒: a shopper taps 提醒我 on an upcoming item (and grants the `flash_starting`
template in the same tap); when the session starts, the sweep sends each waiting reminder one
subscribe message. Exactly once: a reminder is decided once (conditional on `waiting`), and the
message row is unique per (event, reminder, shopper), so two sweeps never send it twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.flash.errors import FlashAlreadyStarted, FlashItemNotFound
from xiaodian.flash.schemas import ReminderOut
from xiaodian.models import FlashItem, FlashReminder, FlashSession, Goods
from xiaodian.wechat import subscriptions
from xiaodian.wechat.subscriptions import ConcurrentDelivery
from xiaodian.wechat.vocabulary import SubscribeEvent

log = logging.getLogger(__name__)

WAITING = "waiting"
LATE = "late"
BATCH = 200
TOO_LATE = timedelta(minutes=30)
"""A reminder not sent within this of the start (the worker was down) is dropped: a message
saying "starting now" an hour later would mislead."""
GOODS_PAGE = "subpackages/goods/detail/index"


async def remind_me(session: AsyncSession, *, user_id: int, item_id: int) -> ReminderOut:
    """Ask for one message when the item's session starts; asking again changes nothing.
    Refused once the session has started (FlashAlreadyStarted)."""
    found = (
        await session.execute(
            select(FlashItem, FlashSession)
            .join(FlashSession, FlashSession.id == FlashItem.session_id)
            .where(FlashItem.id == item_id)
        )
    ).first()
    if found is None:
        raise FlashItemNotFound()
    item, flash = found
    if flash.starts_at <= clock.now() or flash.ended_at is not None:
        raise FlashAlreadyStarted()
    exists = await session.scalar(
        select(FlashReminder.id).where(
            FlashReminder.item_id == item.id, FlashReminder.user_id == user_id
        )
    )
    if exists is None:
        try:
            async with session.begin_nested():
                session.add(
                    FlashReminder(
                        session_id=flash.id, item_id=item.id, user_id=user_id, status=WAITING
                    )
                )
        except IntegrityError:
            pass  # the same shopper's second tap raced the first
    return ReminderOut(item_id=item.id, session_id=flash.id, starts_at=flash.starts_at)


async def reminded_items(session: AsyncSession, *, user_id: int) -> list[int]:
    """The items this shopper asked to hear about whose reminder is still waiting."""
    rows = await session.scalars(
        select(FlashReminder.item_id)
        .where(FlashReminder.user_id == user_id, FlashReminder.status == WAITING)
        .order_by(FlashReminder.item_id)
    )
    return list(rows)


async def _due(context: AppContext) -> list[tuple[FlashReminder, FlashSession, FlashItem, str]]:
    now = clock.now()
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(
            select(FlashReminder, FlashSession, FlashItem, Goods.title)
            .join(FlashSession, FlashSession.id == FlashReminder.session_id)
            .join(FlashItem, FlashItem.id == FlashReminder.item_id)
            .join(Goods, Goods.id == FlashItem.goods_id)
            .where(FlashReminder.status == WAITING, FlashSession.starts_at <= now)
            .order_by(FlashReminder.id)
            .limit(BATCH)
        )
        return [(reminder, flash, item, title) for reminder, flash, item, title in rows]


async def _decide(context: AppContext, reminder_id: int, status: str) -> None:
    async with context.db.transaction() as session:
        await session.execute(
            update(FlashReminder)
            .where(FlashReminder.id == reminder_id, FlashReminder.status == WAITING)
            .values(status=status[:16])
        )


async def send_due_reminders(context: AppContext) -> int:
    """The sweep: every waiting reminder of a session that has started gets its message (or
    is marked late / without a grant); returns how many were sent. Transport trouble leaves a
    reminder waiting for the next run."""
    sent = 0
    now = clock.now()
    for reminder, flash, item, title in await _due(context):
        if flash.ended_at is not None or now - flash.starts_at > TOO_LATE:
            await _decide(context, reminder.id, LATE)
            continue
        values = {
            "goods_title": title,
            "total": subscriptions.yuan(item.flash_price_fen),
            "time": subscriptions.shop_minute(flash.starts_at),
            "note": flash.title,
        }
        try:
            outcome = await subscriptions.send_to_shopper(
                context,
                event=SubscribeEvent.FLASH_STARTING,
                user_id=reminder.user_id,
                ref_id=reminder.id,
                values=values,
                page=GOODS_PAGE,
                query=f"goodsId={item.goods_id}",
            )
        except ConcurrentDelivery:
            continue  # another sweep is sending this one
        except Exception as error:  # any transport trouble: the next run tries again
            log.warning("flash reminder %s not sent yet: %s", reminder.id, error)
            continue
        if outcome == subscriptions.ALREADY:
            continue  # its sender decides it
        await _decide(context, reminder.id, outcome)
        sent += outcome == "sent"
    return sent
