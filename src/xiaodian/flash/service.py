"""Flash sales: sessions and their pools (merchant), the listing and placing a flash order
(shopper), releasing units when an unpaid order closes, ending sessions.

Placing an order is two steps: the gate (`gate.py`, outside any transaction) refuses the
crowd early; the order's transaction then has the final say: the window again, the shopper's
`flash_purchases` row by a conditional update (and its unique key), participants by a
conditional update, the pool by `inventory.take`'s conditional update.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import Select, and_, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian import pricing
from xiaodian.auth.deps import live_shoppers
from xiaodian.catalog.queries import cover_subquery, spec_text
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock, urls
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected, after_commit
from xiaodian.core.outage import is_connection_lost
from xiaodian.core.ratelimit import Rate
from xiaodian.flash.errors import (
    FlashEnded,
    FlashItemNotFound,
    FlashLimitReached,
    FlashNotStarted,
    FlashSessionNotFound,
    FlashSoldOut,
    InvalidFlashSession,
)
from xiaodian.flash.gate import Count, Load, Rule, Snapshot
from xiaodian.flash.placer import Placer
from xiaodian.flash.runtime import (
    LISTING_SECONDS,
    PLACING_AT_ONCE,
    PLACING_MOST,
    RULE_SECONDS,
    Runtime,
    runtime,
)
from xiaodian.flash.schemas import (
    FlashItemAdmin,
    FlashItemIn,
    FlashItemOut,
    FlashSessionAdmin,
    FlashSessionCreate,
    FlashSessionOut,
    FlashSessionPatch,
    GoodsBrief,
)
from xiaodian.flash.vocabulary import ACTIVITY, ORDER_KIND, GateAnswer, SessionStatus
from xiaodian.inventory import service as inventory
from xiaodian.inventory.errors import QuotaExhausted
from xiaodian.models import (
    Address,
    FlashItem,
    FlashPurchase,
    FlashSession,
    Goods,
    Order,
    OrderLine,
    Sku,
    StockQuota,
)
from xiaodian.orders import actions
from xiaodian.orders.checkout import (
    CheckoutLine,
    _own_address,
    build_order,
    checkout_lines,
    price_lines,
    shop_freight,
)
from xiaodian.orders.events import OrderClosed
from xiaodian.orders.limits import check_unpaid_orders, shoppers_at_unpaid_limit
from xiaodian.orders.schemas import OrderOut
from xiaodian.orders.state import Status
from xiaodian.orders.views import order_out, timeline_entry

log = logging.getLogger(__name__)

GATE_TTL_AFTER_END = timedelta(hours=1)
"""The gate's keys outlive the session's end by this much (then Redis forgets them)."""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def status_of(flash: FlashSession, now: datetime | None = None) -> SessionStatus:
    """upcoming before `starts_at`, running in `[starts_at, ends_at)`, ended after or once
    ended by hand."""
    now = now or clock.now()
    if flash.ended_at is not None or now >= flash.ends_at:
        return SessionStatus.ENDED
    if now < flash.starts_at:
        return SessionStatus.UPCOMING
    return SessionStatus.RUNNING


# ---- merchant: sessions and their pools ----


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidFlashSession("结束时间必须晚于开始时间")
    if ends_at - starts_at > timedelta(days=31):
        raise InvalidFlashSession("一场秒杀最长 31 天")


async def _sku(session: AsyncSession, sku_id: int) -> Sku:
    sku = await session.get(Sku, sku_id)
    if sku is None:
        raise InvalidFlashSession("商品规格不存在", sku_id=sku_id)
    return sku


async def _check_no_overlap(
    session: AsyncSession,
    *,
    sku_ids: Sequence[int],
    starts_at: datetime,
    ends_at: datetime,
    except_session: int | None = None,
) -> None:
    """One SKU is in at most one open session at a time (its price would be ambiguous)."""
    clash = await session.scalar(
        select(FlashItem.sku_id)
        .join(FlashSession, FlashSession.id == FlashItem.session_id)
        .where(
            FlashItem.sku_id.in_(list(sku_ids)),
            FlashSession.ended_at.is_(None),
            FlashSession.starts_at < ends_at,
            FlashSession.ends_at > starts_at,
            FlashSession.id != (except_session or 0),
        )
        .limit(1)
    )
    if clash is not None:
        raise InvalidFlashSession("该规格在同一时间已有秒杀活动", sku_id=clash)


async def _add_item(session: AsyncSession, flash: FlashSession, data: FlashItemIn) -> FlashItem:
    sku = await _sku(session, data.sku_id)
    if data.flash_price_fen > sku.price_fen:
        raise InvalidFlashSession("秒杀价不能高于原价", sku_id=sku.id)
    item = FlashItem(
        session_id=flash.id,
        sku_id=sku.id,
        goods_id=sku.goods_id,
        flash_price_fen=data.flash_price_fen,
        flash_stock=data.flash_stock,
        per_user_limit=data.per_user_limit,
        max_participants=data.max_participants,
        participants=0,
    )
    session.add(item)
    await session.flush()
    pool = await inventory.open_pool(
        session, activity=ACTIVITY, activity_id=item.id, sku_id=sku.id, units=data.flash_stock
    )
    item.quota_id = pool.id
    return item


async def create_session(session: AsyncSession, *, data: FlashSessionCreate) -> FlashSession:
    """A session with its items; each item's flash stock moves from its SKU into its pool
    (409 `out_of_stock` if the SKU has fewer)."""
    _check_window(data.starts_at, data.ends_at)
    sku_ids = [item.sku_id for item in data.items]
    if len(set(sku_ids)) != len(sku_ids):
        raise InvalidFlashSession("同一规格只能添加一次")
    await _check_no_overlap(
        session, sku_ids=sku_ids, starts_at=data.starts_at, ends_at=data.ends_at
    )
    flash = FlashSession(
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        unpaid_minutes=data.unpaid_minutes,
    )
    session.add(flash)
    await session.flush()
    for item in data.items:
        await _add_item(session, flash, item)
    _forget_after_commit(session)
    return flash


async def _session(session: AsyncSession, session_id: int, *, lock: bool = False) -> FlashSession:
    flash = await session.get(
        FlashSession, session_id, with_for_update=lock, populate_existing=lock
    )
    if flash is None:
        raise FlashSessionNotFound()
    return flash


async def _items(session: AsyncSession, session_id: int) -> list[FlashItem]:
    rows = await session.scalars(
        select(FlashItem)
        .where(FlashItem.session_id == session_id)
        .order_by(FlashItem.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def update_session(
    session: AsyncSession, *, session_id: int, data: FlashSessionPatch
) -> FlashSession:
    """Change the title, the window, the unpaid minutes and the items (an item with `id`
    changes, one without is added). A new flash stock below what is already sold is refused
    (409 `stock_negative`); more is taken from the SKU, less given back to it."""
    flash = await _session(session, session_id, lock=True)
    if flash.ended_at is not None:
        raise InvalidFlashSession("活动已结束，不能修改")
    starts_at = data.starts_at or flash.starts_at
    ends_at = data.ends_at or flash.ends_at
    _check_window(starts_at, ends_at)
    items = {item.id: item for item in await _items(session, flash.id)}
    if data.items:
        sku_ids = [item.sku_id for item in data.items]
        if len(set(sku_ids)) != len(sku_ids):
            raise InvalidFlashSession("同一规格只能添加一次")
    new_skus = [i.sku_id for i in data.items or [] if i.id is None] + [
        item.sku_id for item in items.values()
    ]
    await _check_no_overlap(
        session, sku_ids=new_skus, starts_at=starts_at, ends_at=ends_at, except_session=flash.id
    )
    if data.title is not None:
        flash.title = data.title
    flash.starts_at, flash.ends_at = starts_at, ends_at
    if data.unpaid_minutes is not None:
        flash.unpaid_minutes = data.unpaid_minutes
    for change in data.items or []:
        if change.id is None:
            if change.sku_id in {item.sku_id for item in items.values()}:
                raise InvalidFlashSession("同一规格只能添加一次", sku_id=change.sku_id)
            await _add_item(session, flash, change)
            continue
        item = items.get(change.id)
        if item is None:
            raise FlashItemNotFound(item_id=change.id)
        if change.sku_id != item.sku_id:
            raise InvalidFlashSession("不能修改秒杀商品的规格，请新增一项", item_id=item.id)
        sku = await _sku(session, item.sku_id)
        if change.flash_price_fen > sku.price_fen:
            raise InvalidFlashSession("秒杀价不能高于原价", sku_id=sku.id)
        if change.flash_stock != item.flash_stock and item.quota_id is not None:
            pool = await session.get(StockQuota, item.quota_id, populate_existing=True)
            sold = item.flash_stock - (pool.units_left if pool else 0)
            if change.flash_stock < sold:
                raise InvalidFlashSession(
                    f"已售出 {sold} 件，秒杀库存不能少于已售数量", item_id=item.id
                )
            await inventory.resize_pool(
                session, quota_id=item.quota_id, units_left=change.flash_stock - sold
            )
        item.flash_stock = change.flash_stock
        item.flash_price_fen = change.flash_price_fen
        item.per_user_limit = change.per_user_limit
        item.max_participants = change.max_participants
    await session.flush()
    _forget_after_commit(session, resync=[item.id for item in items.values()])
    return flash


async def end_session(session: AsyncSession, *, session_id: int) -> bool:
    """End the session now (once): every pool closes and gives what it had left back to the
    SKU; later returns from its unpaid orders go to the SKU too. False if already ended."""
    flash = await _session(session, session_id, lock=True)
    result = await session.execute(
        update(FlashSession)
        .where(FlashSession.id == flash.id, FlashSession.ended_at.is_(None))
        .values(ended_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if affected(result) != 1:
        return False
    items = await _items(session, flash.id)
    for item in items:
        if item.quota_id is not None:
            await inventory.close_pool(session, quota_id=item.quota_id)
    _forget_after_commit(session, drop=[item.id for item in items])
    return True


def _forget_after_commit(
    session: AsyncSession, *, resync: Sequence[int] = (), drop: Sequence[int] = ()
) -> None:
    """After the commit: this process forgets its cached rules and listing; items whose
    numbers changed are synced from the database again (ended ones leave the gate)."""
    context = AppContext.of(session)

    async def forget() -> None:
        state = runtime(context)
        state.forget()
        for item_id in drop:
            await state.gate.forget(item_id)
        for item_id in [*resync, *drop]:
            state.synced.discard(item_id)

    after_commit(session, forget)


# ---- views ----


@dataclass(frozen=True)
class _ItemStats:
    orders: int
    paid_orders: int
    paid_units: int


_OPEN_OR_SOLD = [s for s in Status if s not in (Status.CLOSED,)]


async def _stats(session: AsyncSession, quota_ids: Sequence[int]) -> dict[int, _ItemStats]:
    if not quota_ids:
        return {}
    paid = Order.status.notin_([Status.PENDING_PAYMENT, Status.CLOSED])
    rows = await session.execute(
        select(
            OrderLine.quota_id,
            func.count(OrderLine.id),
            func.sum(case((paid, 1), else_=0)),
            func.sum(case((paid, OrderLine.quantity), else_=0)),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.quota_id.in_(list(quota_ids)))
        .group_by(OrderLine.quota_id)
    )
    return {
        quota: _ItemStats(orders=int(n), paid_orders=int(p or 0), paid_units=int(u or 0))
        for quota, n, p, u in rows
    }


async def _item_rows(
    session: AsyncSession, session_ids: Sequence[int]
) -> list[tuple[FlashItem, Sku, Goods, str | None, int]]:
    rows = await session.execute(
        select(FlashItem, Sku, Goods, cover_subquery().label("cover"), StockQuota.units_left)
        .join(Sku, Sku.id == FlashItem.sku_id)
        .join(Goods, Goods.id == FlashItem.goods_id)
        .outerjoin(StockQuota, StockQuota.id == FlashItem.quota_id)
        .where(FlashItem.session_id.in_(list(session_ids)))
        .order_by(FlashItem.session_id, FlashItem.id)
    )
    return [(item, sku, goods, cover, int(left or 0)) for item, sku, goods, cover, left in rows]


def _item_out(
    item: FlashItem, sku: Sku, goods: Goods, cover: str | None, left: int, ended: bool
) -> dict[str, object]:
    # Once a session ended, what its pool had left went back to the SKU.
    stock_left = 0 if ended else left
    return {
        "id": item.id,
        "sku_id": item.sku_id,
        "goods": GoodsBrief(
            id=goods.id,
            title=goods.title,
            cover_url=urls.sized(cover, 480) if cover else "",
        ),
        "flash_price_fen": item.flash_price_fen,
        "price_fen": sku.price_fen,
        "stock_left": stock_left,
        "per_user_limit": item.per_user_limit,
    }


async def admin_view(session: AsyncSession, *, session_id: int) -> FlashSessionAdmin:
    flash = await _session(session, session_id)
    rows = await _item_rows(session, [flash.id])
    stats = await _stats(session, [item.quota_id for item, *_ in rows if item.quota_id])
    ended = status_of(flash) == SessionStatus.ENDED and flash.ended_at is not None
    items = []
    for item, sku, goods, cover, left in rows:
        numbers = stats.get(item.quota_id or 0, _ItemStats(0, 0, 0))
        sold = await _units_held(session, item.quota_id) if item.quota_id else 0
        items.append(
            FlashItemAdmin(
                **_item_out(item, sku, goods, cover, left, ended),
                sold=sold,
                flash_stock=item.flash_stock,
                max_participants=item.max_participants,
                participants=await _participants(session, item.id),
                spec_text=spec_text(sku.spec_values),
                orders=numbers.orders,
                paid_orders=numbers.paid_orders,
                paid_units=numbers.paid_units,
            )
        )
    return FlashSessionAdmin(
        id=flash.id,
        title=flash.title,
        starts_at=flash.starts_at,
        ends_at=flash.ends_at,
        unpaid_minutes=flash.unpaid_minutes,
        status=status_of(flash),
        ended_at=flash.ended_at,
        items=items,
    )


async def list_admin(session: AsyncSession) -> list[FlashSessionAdmin]:
    ids = await session.scalars(
        select(FlashSession.id).order_by(FlashSession.starts_at.desc()).limit(200)
    )
    return [await admin_view(session, session_id=session_id) for session_id in ids]


async def _participants(session: AsyncSession, item_id: int) -> int:
    """Distinct shoppers who ever held a unit of the item (the capped counter is only kept
    for items with `max_participants`)."""
    count = await session.scalar(
        select(func.count(FlashPurchase.id)).where(FlashPurchase.item_id == item_id)
    )
    return int(count or 0)


async def _units_held(session: AsyncSession, quota_id: int) -> int:
    """Units of the pool in open and paid (not closed) orders: what it sold."""
    total = await session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.quota_id == quota_id, Order.status != Status.CLOSED)
    )
    return int(total or 0)


async def public_sessions(session: AsyncSession) -> list[FlashSessionOut]:
    """Running and upcoming sessions (soonest first) with their items."""
    now = clock.now()
    flashes = list(
        await session.scalars(
            select(FlashSession)
            .where(FlashSession.ended_at.is_(None), FlashSession.ends_at > now)
            .order_by(FlashSession.starts_at, FlashSession.id)
            .limit(20)
        )
    )
    rows = await _item_rows(session, [flash.id for flash in flashes])
    by_session: dict[int, list[FlashItemOut]] = {flash.id: [] for flash in flashes}
    for item, sku, goods, cover, left in rows:
        if not (goods.is_on_shelf and goods.deleted_at is None and sku.is_active):
            continue
        by_session[item.session_id].append(
            FlashItemOut(
                **_item_out(item, sku, goods, cover, left, False),
                sold=max(0, item.flash_stock - left),
            )
        )
    return [
        FlashSessionOut(
            id=flash.id,
            title=flash.title,
            starts_at=flash.starts_at,
            ends_at=flash.ends_at,
            status=status_of(flash, now),
            items=by_session[flash.id],
        )
        for flash in flashes
    ]


async def listing_json(context: AppContext) -> bytes:
    """The public listing's `sessions` as JSON bytes, cached in this process for a second."""
    state = runtime(context)
    cached = state.listing
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    async with context.db.transaction(write=False) as session:
        sessions = await public_sessions(session)
    body = json.dumps(
        [s.model_dump(mode="json") for s in sessions], ensure_ascii=False, separators=(",", ":")
    ).encode()
    state.listing = (time.monotonic() + LISTING_SECONDS, body)
    return body


async def home_slot(context: AppContext) -> list[dict[str, object]]:
    """Home's promotion slot: the items of the running session, then of the next one, each a
    goods card at its flash price (`goods.price_fen` is the everyday price)."""
    sessions = json.loads(await listing_json(context))
    shown = [
        *[s for s in sessions if s["status"] == SessionStatus.RUNNING][:1],
        *[s for s in sessions if s["status"] == SessionStatus.UPCOMING][:1],
    ]
    return [
        {
            "id": item["id"],
            "goods_id": item["goods"]["id"],
            "session_id": flash["id"],
            "session_title": flash["title"],
            "status": flash["status"],
            "starts_at": flash["starts_at"],
            "ends_at": flash["ends_at"],
            "price_fen": item["flash_price_fen"],
            "stock_left": item["stock_left"],
            "goods": {**item["goods"], "price_fen": item["price_fen"]},
        }
        for flash in shown
        for item in flash["items"]
    ]


# ---- the gate ----


def _rules_statement() -> Select[FlashItem, FlashSession]:
    return select(FlashItem, FlashSession).join(
        FlashSession, FlashSession.id == FlashItem.session_id
    )


async def _load_rule(context: AppContext, item_id: int) -> Rule:
    async with context.db.transaction(write=False) as session:
        row = (await session.execute(_rules_statement().where(FlashItem.id == item_id))).first()
    if row is None:
        raise FlashItemNotFound()
    return _rule(*row)


def _rule(item: FlashItem, flash: FlashSession) -> Rule:
    return Rule(
        item_id=item.id,
        session_id=flash.id,
        sku_id=item.sku_id,
        goods_id=item.goods_id,
        quota_id=item.quota_id,
        flash_price_fen=item.flash_price_fen,
        per_user_limit=item.per_user_limit,
        max_participants=item.max_participants or 0,
        starts_at_ms=_ms(flash.starts_at),
        ends_at_ms=_ms(flash.ends_at),
        ended=flash.ended_at is not None,
        unpaid_minutes=flash.unpaid_minutes,
    )


async def rule_of(context: AppContext, item_id: int) -> Rule:
    """The item's rule, cached per process for `RULE_SECONDS`. When it runs out, one request
    reads it again and the others wait for that read: each of them reading it was 20-100
    reads at once per process every two seconds under a crowd (`bench/flash_sale.py`)."""
    state = runtime(context)
    rule = state.rule(item_id)
    if rule is not None:
        return rule
    loading = state.loading.get(item_id)
    if loading is None:

        async def load() -> Rule:
            fresh = await _load_rule(context, item_id)
            state.keep_rule(fresh)
            return fresh

        loading = asyncio.ensure_future(load())
        state.loading[item_id] = loading
        loading.add_done_callback(lambda done: _forget_load(state, item_id, done))
    # shielded: a caller that gives up does not cancel the read the others wait for
    return await asyncio.shield(loading)


def _forget_load(state: Runtime, item_id: int, done: asyncio.Future[Rule]) -> None:
    if state.loading.get(item_id) is done:
        del state.loading[item_id]
    if not done.cancelled():
        done.exception()  # seen here, so a read nobody waited for is not reported as lost


async def snapshot(session: AsyncSession, *, item_id: int) -> Snapshot:
    """The database's truth: stock left = flash stock − units in open and paid flash orders
    (never more than the pool still holds); each shopper's units from `flash_purchases`."""
    item = await session.get(FlashItem, item_id, populate_existing=True)
    if item is None or item.quota_id is None:
        return Snapshot(stock_left=0, users={})
    pool = await session.get(StockQuota, item.quota_id, populate_existing=True)
    held = await _units_held(session, item.quota_id)
    left = max(0, item.flash_stock - held)
    left = 0 if pool is None or pool.status != "open" else min(left, pool.units_left)
    users = await session.execute(
        select(FlashPurchase.user_id, FlashPurchase.units).where(FlashPurchase.item_id == item_id)
    )
    return Snapshot(stock_left=left, users={int(u): int(n) for u, n in users})


async def sync_gate(
    context: AppContext,
    rule: Rule,
    *,
    mode: Load,
    since_ms: int = 0,
    release: tuple[int, int] | None = None,
) -> None:
    """Load the gate from the database as `mode` says (`gate.Load`)."""
    async with context.db.transaction(write=False) as session:
        truth = await snapshot(session, item_id=rule.item_id)
    ttl_ms = rule.ends_at_ms - _ms(clock.now()) + int(GATE_TTL_AFTER_END.total_seconds() * 1000)
    await runtime(context).gate.load(
        rule.item_id, truth, ttl_ms=ttl_ms, mode=mode, since_ms=since_ms, release=release
    )


def rate_counts(
    settings: Settings, *, user_id: int | None, address: str | None, now: datetime
) -> list[Count]:
    """The flash order route's rate limits as gate counters: per client address
    (`flash_rate_per_ip`) and per shopper (`flash_rate_per_shopper`), fixed windows; either
    left out when its rate is off or its subject is not given."""
    moment = now.timestamp()
    counts: list[Count] = []
    for rate_setting, subject in (
        (settings.flash_rate_per_ip, None if address is None else f"ip:{address}"),
        (settings.flash_rate_per_shopper, None if user_id is None else f"user:{user_id}"),
    ):
        rate = Rate.parse(rate_setting)
        if subject is None or rate.is_off:
            continue
        window = int(moment // rate.per_seconds)
        counts.append(
            Count(
                name=f"{subject}:{window}",
                limit=rate.limit,
                ttl_ms=(rate.per_seconds + 1) * 1000,
                retry_after_seconds=max(1, math.ceil((window + 1) * rate.per_seconds - moment)),
            )
        )
    return counts


async def pass_gate(
    context: AppContext,
    *,
    item_id: int,
    user_id: int,
    quantity: int,
    counts: Sequence[Count] = (),
) -> Rule:
    """Count the route's rate limits and take `quantity` at the gate for the shopper, or raise
    why not: one Redis call, and no database work for a refusal once the item's rule is
    cached. The first time this process serves an item it overwrites the gate from the
    database, unless another process did so after this one started (`Runtime.started_ms`); a
    cold gate is rebuilt from it (and the request is not counted twice)."""
    state: Runtime = runtime(context)
    rule = await rule_of(context, item_id)
    await _serve(context, rule)
    answer = await state.gate.take(
        rule, user_id=user_id, quantity=quantity, now_ms=_ms(clock.now()), counts=counts
    )
    if answer == GateAnswer.COLD:
        async with state.lock(item_id):
            await sync_gate(context, rule, mode=Load.IF_COLD)
        answer = await state.gate.take(
            rule, user_id=user_id, quantity=quantity, now_ms=_ms(clock.now())
        )
    _raise_for(answer)
    return rule


async def _serve(context: AppContext, rule: Rule) -> None:
    """Before this process first serves the item: overwrite the gate from the database,
    unless another process did so after this one started (`Runtime.started_ms`)."""
    state = runtime(context)
    if rule.item_id in state.synced or rule.ended:
        return
    async with state.lock(rule.item_id):
        if rule.item_id not in state.synced:
            first = Load.OVERWRITE if state.started_ms is None else Load.UNLESS_SINCE
            await sync_gate(context, rule, mode=first, since_ms=state.started_ms or 0)
            state.synced.add(rule.item_id)


WARM_AHEAD = timedelta(minutes=10)
"""How long before its session starts an item is kept ready (`keep_warm`)."""


async def keep_warm(context: AppContext) -> int:
    """Keep this process ready for the items of sessions running or starting within
    `WARM_AHEAD`: their rules read afresh (one statement for all, before the cached ones run
    out) and their gates served once (`_serve`). Without it, the first request of a sale in
    each process read the rule and the gate's numbers while the whole crowd waited behind it,
    and every `RULE_SECONDS` one request read the rule again. Returns the items kept."""
    now = clock.now()
    async with context.db.transaction(write=False) as session:
        rows = (
            await session.execute(
                _rules_statement().where(
                    FlashSession.ended_at.is_(None),
                    FlashSession.starts_at <= now + WARM_AHEAD,
                    FlashSession.ends_at > now,
                )
            )
        ).all()
    state = runtime(context)
    for item, flash in rows:
        rule = _rule(item, flash)
        state.keep_rule(rule)
        await _serve(context, rule)
    return len(rows)


async def keep_warm_forever(context: AppContext, *, stop: asyncio.Event) -> None:
    """`keep_warm` every half `RULE_SECONDS` until `stop` (in each server process)."""
    while not stop.is_set():
        try:
            await keep_warm(context)
        except (RedisError, OSError) as error:  # the requests read for themselves meanwhile
            log.warning("flash items not kept ready: %s", type(error).__name__)
        except Exception as error:
            # While the database is unreachable, only the outage's own line is logged (as
            # the sweeps do, `core.jobs`); the requests read for themselves meanwhile.
            if not is_connection_lost(error):
                log.exception("keeping flash items ready failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=RULE_SECONDS / 2)


def _raise_for(answer: GateAnswer) -> None:
    if answer == GateAnswer.TAKEN:
        return
    if answer == GateAnswer.NOT_STARTED:
        raise FlashNotStarted()
    if answer == GateAnswer.ENDED:
        raise FlashEnded()
    if answer == GateAnswer.LIMIT_REACHED:
        raise FlashLimitReached()
    if answer == GateAnswer.FULL:
        raise FlashSoldOut("参与人数已满")
    raise FlashSoldOut()


# ---- placing a flash order ----


async def _hold_for_user(
    session: AsyncSession, *, item: FlashItem, user_id: int, quantity: int
) -> None:
    """Count the units against the shopper's limit (final say: a conditional update, or a new
    row under the unique key, counted as a new participant while the cap allows). Without a
    cap, the new row is tried first: nearly every winner of a flash sale buys there for the
    first time, and that is two statements fewer in the order's transaction."""
    if quantity > item.per_user_limit:
        raise FlashLimitReached()
    if item.max_participants is None and await _new_purchase(
        session, item=item, user_id=user_id, quantity=quantity
    ):
        return
    for _attempt in range(2):
        result = await session.execute(
            update(FlashPurchase)
            .where(
                FlashPurchase.item_id == item.id,
                FlashPurchase.user_id == user_id,
                FlashPurchase.units + quantity <= item.per_user_limit,
            )
            .values(units=FlashPurchase.units + quantity)
            .execution_options(synchronize_session=False)
        )
        if affected(result) == 1:
            return
        exists = await session.scalar(
            select(FlashPurchase.id).where(
                FlashPurchase.item_id == item.id, FlashPurchase.user_id == user_id
            )
        )
        if exists is not None:
            raise FlashLimitReached()
        if await _new_purchase(session, item=item, user_id=user_id, quantity=quantity):
            return
        # the same shopper's other order got there first: count against it
    raise FlashLimitReached()


async def _new_purchase(
    session: AsyncSession, *, item: FlashItem, user_id: int, quantity: int
) -> bool:
    """The shopper's first row for the item, counted as a new participant while the cap
    allows (FlashSoldOut when it is full); False when the unique key says they have one.

    With a cap, the item's row is locked (participants) before the purchase row is inserted:
    the insert's foreign-key check takes a shared lock on it, and two buyers upgrading their
    shared locks at once would deadlock. Without a cap nobody writes it."""
    try:
        async with session.begin_nested():
            if item.max_participants is not None:
                joined = await session.execute(
                    update(FlashItem)
                    .where(
                        FlashItem.id == item.id,
                        FlashItem.participants < FlashItem.max_participants,
                    )
                    .values(participants=FlashItem.participants + 1)
                    .execution_options(synchronize_session=False)
                )
                if affected(joined) != 1:
                    raise FlashSoldOut("参与人数已满")
            # a statement, not a unit-of-work flush: nothing reads the row back
            await session.execute(
                insert(FlashPurchase).values(item_id=item.id, user_id=user_id, units=quantity)
            )
    except IntegrityError:
        return False
    return True


async def _running_item(session: AsyncSession, item_id: int) -> tuple[FlashItem, FlashSession]:
    """The item and its session, read afresh, if the session is running; raises why not."""
    row = (
        await session.execute(
            select(FlashItem, FlashSession)
            .join(FlashSession, FlashSession.id == FlashItem.session_id)
            .where(FlashItem.id == item_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise FlashItemNotFound()
    item, flash = row
    state = status_of(flash)
    if state == SessionStatus.UPCOMING:
        raise FlashNotStarted()
    if state == SessionStatus.ENDED or item.quota_id is None:
        raise FlashEnded()
    return item, flash


async def _flash_order(
    session: AsyncSession,
    *,
    item: FlashItem,
    flash: FlashSession,
    user_id: int,
    line: CheckoutLine,
    address: Address,
    defaults: Settings,
    freight: pricing.FreightRule | None = None,
) -> Order:
    """The shopper's order of `line` at the item's flash price, from its pool (not inserted);
    `freight`: the shop's rule, when the caller has read it already."""
    off = max(0, line.unit_price_fen - item.flash_price_fen) * line.quantity
    adjustments = (
        [
            pricing.Adjustment(
                kind=pricing.AdjustmentKind.FLASH,
                source_id=item.id,
                amount_fen=off,
                line_keys=(line.sku_id,),
                label="秒杀",
            )
        ]
        if off
        else []
    )
    priced = await price_lines(
        session, lines=[line], defaults=defaults, adjustments=adjustments, freight=freight
    )
    order = build_order(
        user_id=user_id,
        address=address,
        priced=priced,
        note="",
        unpaid_minutes=flash.unpaid_minutes,
        kind=ORDER_KIND,
    )
    for order_line in order.lines:
        order_line.quota_id = item.quota_id
    return order


async def place_flash_order(
    session: AsyncSession,
    *,
    user_id: int,
    item_id: int,
    quantity: int,
    address_id: int,
    defaults: Settings,
) -> OrderOut:
    """An ordinary order (`kind: flash`) at the flash price from the item's pool, closing
    after the session's own unpaid minutes, as the shopper sees it. Raises the flash errors;
    the caller's transaction rolls back whatever was done. The rows every buyer wants (the
    item when participants are capped, then the pool) are written last: the pool with the
    commit itself (`inventory.take`). An exhausted pool is QuotaExhausted, from the take or
    the commit; `order_flash` answers it as FlashSoldOut."""
    item, flash = await _running_item(session, item_id)
    await check_unpaid_orders(session, user_id=user_id, settings=defaults)
    lines = await checkout_lines(session, {item.sku_id: quantity})
    address = await _own_address(session, user_id, address_id)
    order = await _flash_order(
        session,
        item=item,
        flash=flash,
        user_id=user_id,
        line=lines[0],
        address=address,
        defaults=defaults,
    )

    async def count_for_user() -> None:
        await _hold_for_user(session, item=item, user_id=user_id, quantity=quantity)

    placed = await actions.place(
        session,
        order=order,
        by=Actor.buyer(user_id),
        before_taking=count_for_user,
        pool_with_commit=True,
    )
    # Answered from what was just written, as checkout does: no read-back transaction for
    # the 201 while the crowd waits.
    return order_out(order, [timeline_entry(placed)])


@dataclass(eq=False)
class Winner:
    """A shopper the gate let through, waiting for the order to be placed."""

    rule: Rule
    user_id: int
    token_hash: str
    quantity: int
    address_id: int
    confirm_buyer: Callable[[AsyncSession], Awaitable[int]]
    """Checks the shopper's token again inside the order's own transaction, saying why not
    (placed together, the winners' tokens are checked in one statement instead)."""


async def place_together(
    session: AsyncSession, *, item_id: int, winners: Sequence[Winner], defaults: Settings
) -> dict[int, OrderOut]:
    """`place_flash_order` for several winners of the item in one transaction: each buyer is
    confirmed, then every check and every table's rows take one statement for all of them
    (`actions.place_many`), and their units are taken from the pool with the commit, at once.

    Returns the orders by the winners' positions. A winner whose own checkout would refuse
    or ask more of the database (a token no longer live, an earlier purchase of the item,
    the unpaid limit reached, an address not theirs, a second request of the same buyer) is
    left out, to be placed alone where that checkout says why; so is everyone when the item
    caps its participants. Raises whatever else stops the group (the caller's transaction
    rolls back, and the caller places them one by one)."""
    buyers = await live_shoppers(session, [winner.token_hash for winner in winners])
    users = [winner.user_id for winner in winners]
    item, flash = await _running_item(session, item_id)
    if item.max_participants is not None:
        return {}
    at_limit = await shoppers_at_unpaid_limit(session, user_ids=users, settings=defaults)
    bought = set(
        await session.scalars(
            select(FlashPurchase.user_id).where(
                FlashPurchase.item_id == item.id, FlashPurchase.user_id.in_(users)
            )
        )
    )
    addresses = {
        address.id: address
        for address in await session.scalars(
            select(Address).where(Address.id.in_({winner.address_id for winner in winners}))
        )
    }
    chosen: dict[int, Winner] = {}
    apart = at_limit | bought  # and, as they are chosen, those already in the group
    for index, winner in enumerate(winners):
        address = addresses.get(winner.address_id)
        if (
            buyers.get(winner.token_hash) != winner.user_id
            or winner.user_id in apart
            or address is None
            or address.user_id != winner.user_id
            or winner.quantity > item.per_user_limit
        ):
            continue
        apart.add(winner.user_id)
        chosen[index] = winner
    if not chosen:
        return {}
    one = (await checkout_lines(session, {item.sku_id: 1}))[0]
    freight = await shop_freight(session, defaults)
    orders = {
        index: await _flash_order(
            session,
            item=item,
            flash=flash,
            user_id=winner.user_id,
            line=replace(one, quantity=winner.quantity),
            address=addresses[winner.address_id],
            defaults=defaults,
            freight=freight,
        )
        for index, winner in chosen.items()
    }

    async def count_for_users() -> None:
        await session.execute(
            insert(FlashPurchase),
            [
                {"item_id": item.id, "user_id": winner.user_id, "units": winner.quantity}
                for winner in chosen.values()
            ],
        )

    placed = await actions.place_many(
        session,
        orders=list(orders.values()),
        by=[Actor.buyer(winner.user_id) for winner in chosen.values()],
        before_taking=count_for_users,
        pool_with_commit=True,
    )
    return {
        index: order_out(order, [timeline_entry(entry)])
        for (index, order), entry in zip(orders.items(), placed, strict=True)
    }


async def place_winners(
    context: AppContext,
    item_id: int,
    winners: list[Winner],
    settle: Callable[[int, OrderOut], None],
) -> list[OrderOut | Exception]:
    """Place a group of the item's winners (`placer`): together when there are several, then
    alone whoever was left out (or everyone, when the group's transaction failed: it wrote
    nothing). One outcome per winner; if this is interrupted, the units of those without
    one go back to the gate. The winners placed together are answered as soon as their
    transaction commits (`settle`), before its after-commit work."""
    outcomes: dict[int, OrderOut | Exception] = {}
    try:
        if len(winners) > 1:
            try:
                async with context.db.transaction() as session:
                    together = await place_together(
                        session, item_id=item_id, winners=winners, defaults=context.settings
                    )

                    async def answer() -> None:  # before the orders' announcements go out
                        for index, order in together.items():
                            settle(index, order)

                    after_commit(session, answer, first=True)
            except Exception as error:  # nothing was written: each is placed alone
                log.info(
                    "flash item %s: %d winners placed one by one (%s)",
                    item_id,
                    len(winners),
                    type(error).__name__,
                )
            else:
                outcomes.update(together)
        for index, winner in enumerate(winners):
            if index not in outcomes:
                try:
                    outcomes[index] = await _place_alone(context, item_id, winner)
                except Exception as error:
                    outcomes[index] = error
    except BaseException:
        await release_winners(
            context, item_id, [w for i, w in enumerate(winners) if i not in outcomes]
        )
        raise
    return [outcomes[index] for index in range(len(winners))]


async def release_winners(context: AppContext, item_id: int, winners: list[Winner]) -> None:
    """Give the gate back the units of winners who will not be placed."""
    gate = runtime(context).gate
    for winner in winners:
        await gate.give_back(item_id, user_id=winner.user_id, quantity=winner.quantity)


async def _place_alone(context: AppContext, item_id: int, winner: Winner) -> OrderOut:
    """One winner's order in its own transaction; units the database did not keep go back to
    the gate (raising why)."""
    try:
        async with context.db.transaction() as session:
            return await place_flash_order(
                session,
                user_id=await winner.confirm_buyer(session),
                item_id=item_id,
                quantity=winner.quantity,
                address_id=winner.address_id,
                defaults=context.settings,
            )
    except (FlashSoldOut, FlashLimitReached, QuotaExhausted) as refused:
        # The gate let through what the database refused: it said more than the database
        # has. The refused units go back and the gate is tightened to the database's
        # numbers in one step, never loosened (units in flight are not in them; see `gate`).
        # (An exhausted pool is QuotaExhausted, usually from the commit, which takes it.)
        async with runtime(context).lock(item_id):
            await sync_gate(
                context, winner.rule, mode=Load.TIGHTEN, release=(winner.user_id, winner.quantity)
            )
        if isinstance(refused, QuotaExhausted):
            raise FlashSoldOut() from None
        raise
    except Exception:
        await release_winners(context, item_id, [winner])
        raise


async def order_flash(
    context: AppContext,
    *,
    user_id: int,
    token_hash: str,
    confirm_buyer: Callable[[AsyncSession], Awaitable[int]],
    item_id: int,
    quantity: int,
    address_id: int,
    counts: Sequence[Count] = (),
    gated: Rule | None = None,
) -> OrderOut:
    """The whole shopper step: the gate (which also counts the route's rate limits; `gated`
    when `fastpath` has already passed it), then the order, answered from what was written;
    units the database did not keep go back to the gate.

    The winners of one item that arrive while this process is placing its orders are placed
    together, in one transaction (`flash.placer`; at most `PLACING_AT_ONCE` such groups at
    a time, of at most `PLACING_MOST`): the gate lets a sale's winners through within a few
    milliseconds of each other, and one transaction each cost about 10 ms of the process's
    CPU, so the last of a hundred waited about a second while the crowd's answers queued
    behind them (the sell-out round's p99 in `bench/flash_sale.py`: see docs/flash.md).
    Every winner's transaction ends on the item's pool row, which one transaction at a
    time holds until its commit: it is taken with the commit (`core.db.commit_with`)."""
    rule = gated or await pass_gate(
        context, item_id=item_id, user_id=user_id, quantity=quantity, counts=counts
    )
    winner = Winner(
        rule=rule,
        user_id=user_id,
        token_hash=token_hash,
        quantity=quantity,
        address_id=address_id,
        confirm_buyer=confirm_buyer,
    )
    result: OrderOut = await _placer(context, item_id).place(winner)
    return result


def _placer(context: AppContext, item_id: int) -> Placer[Winner, OrderOut]:
    """The item's group placements in this process (made on first use)."""
    state = runtime(context)
    placer: Placer[Winner, OrderOut] | None = state.placers.get(item_id)
    if placer is None:
        placer = Placer(
            functools.partial(place_winners, context, item_id),
            functools.partial(release_winners, context, item_id),
            at_once=PLACING_AT_ONCE,
            most=PLACING_MOST,
            joining=state.gate.answered,
        )
        state.placers[item_id] = placer
    return placer


# ---- closing and ending ----


async def release_closed_order(session: AsyncSession, event: OrderClosed) -> None:
    """An unpaid flash order closed (in its transaction): its units no longer count against
    the shopper's limit; after the commit they return to the gate (the pool itself got them
    back from `inventory.give_back`)."""
    if event.kind != ORDER_KIND:
        return
    rows = await session.execute(
        select(FlashItem.id, func.sum(OrderLine.quantity))
        .join(FlashItem, FlashItem.quota_id == OrderLine.quota_id)
        .where(OrderLine.order_id == event.order_id)
        .group_by(FlashItem.id)
    )
    released = [(int(item_id), int(units)) for item_id, units in rows]
    for item_id, units in released:
        await session.execute(
            update(FlashPurchase)
            .where(
                FlashPurchase.item_id == item_id,
                FlashPurchase.user_id == event.user_id,
                FlashPurchase.units >= units,
            )
            .values(units=FlashPurchase.units - units)
            .execution_options(synchronize_session=False)
        )
    context = AppContext.of(session)

    async def to_gate() -> None:
        gate = runtime(context).gate
        for item_id, units in released:
            await gate.give_back(item_id, user_id=event.user_id, quantity=units)
        runtime(context).listing = None

    after_commit(session, to_gate)


async def end_due_sessions(context: AppContext) -> int:
    """The sweep: end every session past `ends_at` (its pools give their units back)."""
    async with context.db.transaction(write=False) as session:
        due = list(
            await session.scalars(
                select(FlashSession.id)
                .where(FlashSession.ended_at.is_(None), FlashSession.ends_at <= clock.now())
                .order_by(FlashSession.id)
                .limit(50)
            )
        )
    ended = 0
    for session_id in due:
        async with context.db.transaction() as session:
            if await end_session(session, session_id=session_id):
                ended += 1
    return ended


async def resync_running_gates(context: AppContext) -> int:
    """The sweep: overwrite the gate of every running item from the database, so units a
    crashed request took at the gate (and never committed) come back."""
    now = clock.now()
    async with context.db.transaction(write=False) as session:
        item_ids = list(
            await session.scalars(
                select(FlashItem.id)
                .join(FlashSession, FlashSession.id == FlashItem.session_id)
                .where(
                    and_(
                        FlashSession.ended_at.is_(None),
                        FlashSession.starts_at <= now,
                        FlashSession.ends_at > now,
                    )
                )
            )
        )
    for item_id in item_ids:
        rule = await rule_of(context, item_id)
        async with runtime(context).lock(item_id):
            await sync_gate(context, rule, mode=Load.OVERWRITE)
    return 0
