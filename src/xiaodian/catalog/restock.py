"""到货提醒: a shopper asks to be told when a sold-out SKU has stock again, and is told once.

The request is stored (`restock_reminders`, one waiting row per shopper and SKU). When
inventory reports a SKU back in stock (`StockChanged` with stock > 0, in the transaction
that changed it), one durable `RestockDue` is queued through the outbox if anyone waits; its
receiver marks each waiting reminder used by a conditional update and sends the shopper's
subscribe message (`restocked`, spending one of their grants). A send that fails in transport
puts the reminder back to waiting before the outbox retries, so nobody is lost or told twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.errors import SkuInStock, SkuNotFound
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.events import Event, emit
from xiaodian.inventory.events import StockChanged
from xiaodian.models import Goods, RestockReminder, Sku
from xiaodian.wechat import subscriptions
from xiaodian.wechat.vocabulary import SubscribeEvent

GOODS_PAGE = "subpackages/goods/detail/index"
BATCH = 200


@dataclass(frozen=True)
class RestockDue(Event):
    """Shoppers wait for this SKU, which has stock again: tell them (durable)."""

    sku_id: int
    goods_id: int


async def remind(session: AsyncSession, *, user_id: int, sku_id: int) -> None:
    """Remember that this shopper waits for this sold-out SKU (asking twice keeps one row)."""
    sku = await session.get(Sku, sku_id)
    if sku is None or not sku.is_active:
        raise SkuNotFound()
    if sku.stock > 0:
        raise SkuInStock()
    await session.execute(
        delete(RestockReminder).where(
            RestockReminder.user_id == user_id,
            RestockReminder.sku_id == sku_id,
            RestockReminder.notified_at.is_not(None),
        )
    )
    waiting = await session.scalar(
        select(RestockReminder.id).where(
            RestockReminder.user_id == user_id, RestockReminder.sku_id == sku_id
        )
    )
    if waiting is None:
        session.add(RestockReminder(user_id=user_id, sku_id=sku_id, goods_id=sku.goods_id))
        await session.flush()


async def goods_of(session: AsyncSession, *, sku_id: int) -> int:
    goods_id = await session.scalar(select(Sku.goods_id).where(Sku.id == sku_id))
    if goods_id is None:
        raise SkuNotFound()
    return int(goods_id)


async def waiting_skus(session: AsyncSession, *, user_id: int, goods_id: int) -> list[int]:
    """The SKUs of this goods item the shopper waits for."""
    rows = await session.scalars(
        select(RestockReminder.sku_id)
        .where(
            RestockReminder.user_id == user_id,
            RestockReminder.goods_id == goods_id,
            RestockReminder.notified_at.is_(None),
        )
        .order_by(RestockReminder.sku_id)
    )
    return list(rows)


async def waiting_counts(session: AsyncSession) -> list[dict[str, object]]:
    """For the merchant: how many shoppers wait for each SKU, most awaited first."""
    waiting = func.count(RestockReminder.id)
    rows = await session.execute(
        select(Sku.id, Sku.goods_id, Goods.title, Sku.spec_values, Sku.stock, waiting)
        .join(Sku, Sku.id == RestockReminder.sku_id)
        .join(Goods, Goods.id == Sku.goods_id)
        .where(RestockReminder.notified_at.is_(None))
        .group_by(Sku.id, Sku.goods_id, Goods.title, Sku.spec_values, Sku.stock)
        .order_by(waiting.desc(), Sku.id)
    )
    return [
        {
            "sku_id": sku_id,
            "goods_id": goods_id,
            "goods_title": title,
            "spec_text": " / ".join(spec_values or []),
            "stock": stock,
            "waiting": count,
        }
        for sku_id, goods_id, title, spec_values, stock, count in rows
    ]


async def waiting_by_sku(session: AsyncSession, *, goods_ids: Sequence[int]) -> dict[int, int]:
    """For the goods list and editor: shoppers still waiting (not yet told), per SKU of
    these goods; SKUs nobody waits for are left out."""
    if not goods_ids:
        return {}
    rows = await session.execute(
        select(RestockReminder.sku_id, func.count(RestockReminder.id))
        .where(RestockReminder.goods_id.in_(goods_ids), RestockReminder.notified_at.is_(None))
        .group_by(RestockReminder.sku_id)
    )
    return {sku_id: count for sku_id, count in rows}


async def on_stock_changed(session: AsyncSession, event: StockChanged) -> None:
    """In the transaction that put stock back: queue the reminders' sends if anyone waits.
    An order only takes units, so it never looks (that lookup sat in every checkout's lock
    window, once per SKU)."""
    if event.stock <= 0 or not event.may_have_risen:
        return
    someone = await session.scalar(
        select(RestockReminder.id)
        .where(RestockReminder.sku_id == event.sku_id, RestockReminder.notified_at.is_(None))
        .limit(1)
    )
    if someone is not None:
        await emit(session, RestockDue(sku_id=event.sku_id, goods_id=event.goods_id))


async def _claim(context: AppContext, *, sku_id: int) -> tuple[str, list[tuple[int, int]]]:
    """Mark waiting reminders used (each by a conditional update); their (id, shopper)."""
    async with context.db.transaction() as session:
        sku = await session.get(Sku, sku_id)
        goods = await session.get(Goods, sku.goods_id) if sku is not None else None
        if sku is None or goods is None or sku.stock <= 0:
            return "", []  # sold out again before we got here: they keep waiting
        rows = await session.execute(
            select(RestockReminder.id, RestockReminder.user_id)
            .where(RestockReminder.sku_id == sku_id, RestockReminder.notified_at.is_(None))
            .order_by(RestockReminder.id)
            .limit(BATCH)
        )
        claimed: list[tuple[int, int]] = []
        for reminder_id, user_id in rows.all():
            won = await session.execute(
                update(RestockReminder)
                .where(RestockReminder.id == reminder_id, RestockReminder.notified_at.is_(None))
                .values(notified_at=clock.now())
            )
            if affected(won) == 1:
                claimed.append((reminder_id, user_id))
        return goods.title, claimed


async def send_due(context: AppContext, event: RestockDue) -> None:
    """Tell every waiting shopper once (in batches); idempotent when run again."""
    while True:
        title, claimed = await _claim(context, sku_id=event.sku_id)
        if not claimed:
            return
        for index, (reminder_id, user_id) in enumerate(claimed):
            try:
                await subscriptions.send_to_shopper(
                    context,
                    event=SubscribeEvent.RESTOCKED,
                    user_id=user_id,
                    ref_id=reminder_id,
                    values={"goods_title": title, "time": "", "note": "您关注的商品到货了"},
                    page=GOODS_PAGE,
                    query=f"goodsId={event.goods_id}",
                )
            except Exception:
                await _unclaim(context, [rid for rid, _ in claimed[index:]])
                raise
        if len(claimed) < BATCH:
            return


async def _unclaim(context: AppContext, reminder_ids: list[int]) -> None:
    async with context.db.transaction() as session:
        await session.execute(
            update(RestockReminder)
            .where(RestockReminder.id.in_(reminder_ids))
            .values(notified_at=None)
        )
