"""Taking, giving back, setting and pooling stock. The only code that writes `skus.stock`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian.context import AppContext
from xiaodian.core.db import affected, after_commit, before_commit, commit_with, has_last_write
from xiaodian.events import deliver_committed, emit, only_after_commit
from xiaodian.inventory.errors import OutOfStock, QuotaExhausted, StockNegative
from xiaodian.inventory.events import QuotaChanged, StockChanged
from xiaodian.inventory.queries import (
    skus_left_statement,
    take_pool_statement,
    take_stock_statement,
    take_stocks_statement,
)
from xiaodian.models import Sku
from xiaodian.models.inventory import StockQuota

_TOUCHED_SKUS = "inventory_touched_skus"
_TOUCHED_QUOTAS = "inventory_touched_quotas"
_RAISED_SKUS = "inventory_raised_skus"


@dataclass(frozen=True)
class Units:
    """`quantity` units of a SKU, from its activity pool when `quota_id` is set."""

    sku_id: int
    quantity: int
    quota_id: int | None = None


def _touch(
    session: AsyncSession,
    *,
    skus: Iterable[int] = (),
    quotas: Iterable[int] = (),
    raised: Iterable[int] = (),
) -> None:
    """Note what the transaction changed, for one announcement before it commits. `raised`:
    SKUs whose stock may have gone up (units given back, added or set)."""
    session.info.setdefault(_TOUCHED_SKUS, set()).update(skus)
    session.info.setdefault(_RAISED_SKUS, set()).update(raised)
    session.info.setdefault(_TOUCHED_QUOTAS, set()).update(quotas)
    before_commit(session, "inventory", _announce)


async def _announce(session: AsyncSession) -> None:
    """Read what the transaction's changes left and emit one event per SKU and pool."""
    sku_ids = sorted(session.info.pop(_TOUCHED_SKUS, set()))
    raised: set[int] = session.info.pop(_RAISED_SKUS, set())
    quota_ids = sorted(session.info.pop(_TOUCHED_QUOTAS, set()))
    if sku_ids:
        rows = await session.execute(
            select(Sku.id, Sku.goods_id, Sku.stock, Sku.stock_version, Sku.low_stock_below)
            .where(Sku.id.in_(sku_ids))
            .order_by(Sku.id)
        )
        for sku_id, goods_id, stock, version, low_below in rows:
            changed = StockChanged(
                sku_id=sku_id,
                goods_id=goods_id,
                stock=stock,
                version=version,
                low_below=low_below,
                may_have_risen=sku_id in raised,
            )
            await emit(session, changed)
    if not quota_ids:
        return
    if only_after_commit(QuotaChanged):
        # Nothing in the transaction needs the pools' numbers (live pushes only): they are
        # read once it has committed. The pool row every buyer of a flash item wants stays
        # locked from the take to the commit, and this read was the one statement between.
        context = AppContext.of(session)

        async def announce_committed() -> None:
            for pool in await context.db.read(partial(_pools_changed, quota_ids=quota_ids)):
                await deliver_committed(context, pool)

        after_commit(session, announce_committed)
        return
    for pool in await _pools_changed(await session.connection(), quota_ids=quota_ids):
        await emit(session, pool)


async def _pools_changed(
    connection: AsyncConnection, *, quota_ids: Sequence[int]
) -> list[QuotaChanged]:
    rows = await connection.execute(
        select(
            StockQuota.id,
            StockQuota.activity,
            StockQuota.activity_id,
            StockQuota.sku_id,
            Sku.goods_id,
            StockQuota.units_left,
            StockQuota.status,
        )
        .join(Sku, Sku.id == StockQuota.sku_id)
        .where(StockQuota.id.in_(quota_ids))
        .order_by(StockQuota.id)
    )
    return [
        QuotaChanged(
            quota_id=quota_id,
            activity=activity,
            activity_id=activity_id,
            sku_id=sku_id,
            goods_id=goods_id,
            units_left=units_left,
            status=status,
        )
        for quota_id, activity, activity_id, sku_id, goods_id, units_left, status in rows
    ]


def _merged(items: Iterable[Units]) -> dict[tuple[int, int | None], int]:
    merged: dict[tuple[int, int | None], int] = {}
    for item in items:
        if item.quantity <= 0:
            raise ValueError("units must be positive")
        key = (item.sku_id, item.quota_id)
        merged[key] = merged.get(key, 0) + item.quantity
    return merged


async def take(
    session: AsyncSession, items: Sequence[Units], *, pool_with_commit: bool = False
) -> None:
    """Take every item or raise (taking nothing: the caller's transaction rolls back).

    Never sells more than there is: each row changes only while enough is left, which the
    database decides; SKUs (then pools) are updated in primary-key order so two checkouts over
    the same SKUs cannot deadlock. Raises OutOfStock or QuotaExhausted naming the SKU.

    `pool_with_commit` (a flash order, whose pool row the whole crowd wants): the last pool is
    taken with the commit (`core.db.commit_with`), so its QuotaExhausted comes from there and
    nothing the transaction reads afterwards sees the take.
    """
    merged = _merged(items)
    from_stock = {sku: n for (sku, quota), n in merged.items() if quota is None}
    from_pools = {(quota, sku): n for (sku, quota), n in merged.items() if quota is not None}
    await _take_stock(session, from_stock)
    pools = sorted(from_pools)
    for quota_id, sku_id in pools:
        quantity = from_pools[(quota_id, sku_id)]
        params = {"taken_pool": quota_id, "taken_sku": sku_id, "units": quantity}
        short = partial(QuotaExhausted, "活动库存不足", sku_id=sku_id)
        if pool_with_commit and (quota_id, sku_id) == pools[-1] and _may_take_last(session):
            # After the announcement below, which then reads no pool inside the transaction.
            commit_with(session, take_pool_statement(), params, refused=short)
        elif affected(await session.execute(take_pool_statement(), params)) != 1:
            raise short()
    _touch(session, skus=from_stock, quotas=(quota for quota, _ in from_pools))


async def _take_stock(session: AsyncSession, units: Mapping[int, int]) -> None:
    """Take `units[sku]` of each SKU in one statement (see `take_stocks_statement`), or raise
    OutOfStock naming the first SKU that was short."""
    if not units:
        return
    skus = sorted(units)
    if len(skus) == 1:
        params = {"taken_sku": skus[0], "units": units[skus[0]]}
        if affected(await session.execute(take_stock_statement(), params)) == 1:
            return
        short = skus[0]
    else:
        params = {f"taken_sku_{i}": sku for i, sku in enumerate(skus)}
        params.update({f"units_{i}": units[sku] for i, sku in enumerate(skus)})
        taken = affected(await session.execute(take_stocks_statement(len(skus)), params))
        if taken == len(skus):
            return
        short = await _short(session, units)
    raise OutOfStock("库存不足，请减少数量或选择其他规格", sku_id=short)


async def _short(session: AsyncSession, units: Mapping[int, int]) -> int:
    """Which SKU a take found short: read as committed (this transaction took units of the
    others), the first off sale or with less than wanted left; the first asked for if none
    is now (another checkout has since given some back)."""
    context = AppContext.of(session)

    async def read(connection: AsyncConnection) -> int:
        rows = await connection.execute(skus_left_statement(), {"sku_ids": sorted(units)})
        left = {sku: (stock, active) for sku, stock, active in rows}
        for sku in sorted(units):
            stock, active = left.get(sku, (0, False))
            if not active or stock < units[sku]:
                return sku
        return min(units)

    return await context.db.read(read)


def _may_take_last(session: AsyncSession) -> bool:
    """Whether a pool may be taken with the commit: nothing in the transaction reads a pool's
    numbers (QuotaChanged is read after the commit), and no other write is last already."""
    return only_after_commit(QuotaChanged) and not has_last_write(session)


async def give_back(session: AsyncSession, items: Sequence[Units]) -> None:
    """Return units (an unpaid order closed, unshipped goods refunded).

    Units from a pool go back to the pool while it is open, else to the SKU. Callers
    guarantee "exactly once" by calling this only after winning the conditional state change
    that releases the units.
    """
    merged = _merged(items)
    to_stock: dict[int, int] = {}
    touched_pools: list[int] = []
    for (sku_id, quota_id), quantity in sorted(
        merged.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        if quota_id is not None:
            result = await session.execute(
                update(StockQuota)
                .where(StockQuota.id == quota_id, StockQuota.status == "open")
                .values(units_left=StockQuota.units_left + quantity)
                .execution_options(synchronize_session=False)
            )
            if affected(result) == 1:
                touched_pools.append(quota_id)
                continue
        to_stock[sku_id] = to_stock.get(sku_id, 0) + quantity
    for sku_id in sorted(to_stock):
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(stock=Sku.stock + to_stock[sku_id], stock_version=Sku.stock_version + 1)
            .execution_options(synchronize_session=False)
        )
    _touch(session, skus=to_stock, quotas=touched_pools, raised=to_stock)


async def adjust(session: AsyncSession, deltas: Mapping[int, int]) -> None:
    """Add or remove units relative to now, all or nothing; never below zero (StockNegative
    names the SKU). Safe against orders placed at the same moment."""
    for sku_id in sorted(deltas):
        delta = deltas[sku_id]
        if delta == 0:
            continue
        result = await session.execute(
            update(Sku)
            .where(Sku.id == sku_id, Sku.stock + delta >= 0)
            .values(stock=Sku.stock + delta, stock_version=Sku.stock_version + 1)
            .execution_options(synchronize_session=False)
        )
        if affected(result) != 1:
            raise StockNegative("库存不能小于 0", sku_id=sku_id)
    _touch(
        session,
        skus=[sku for sku, delta in deltas.items() if delta],
        raised=[sku for sku, delta in deltas.items() if delta > 0],
    )


async def set_available(session: AsyncSession, stock: Mapping[int, int]) -> None:
    """Set what each SKU can sell from now (units held by unpaid orders are already out of
    `stock`, so they stay held). Only for counts the merchant states outright."""
    if any(value < 0 for value in stock.values()):
        raise StockNegative("库存不能小于 0")
    for sku_id in sorted(stock):
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(stock=stock[sku_id], stock_version=Sku.stock_version + 1)
            .execution_options(synchronize_session=False)
        )
    _touch(session, skus=stock, raised=stock)


async def announce(session: AsyncSession, sku_ids: Iterable[int]) -> None:
    """SKUs whose stock was written as part of creating them (a new goods item): announce
    their stock like any change (their `stock_version` moves on like any write's)."""
    wanted = sorted(set(sku_ids))
    if wanted:
        await session.execute(
            update(Sku)
            .where(Sku.id.in_(wanted))
            .values(stock_version=Sku.stock_version + 1)
            .execution_options(synchronize_session=False)
        )
    _touch(session, skus=wanted, raised=wanted)


# ---- activity pools ----


async def open_pool(
    session: AsyncSession, *, activity: str, activity_id: int, sku_id: int, units: int
) -> StockQuota:
    """Move `units` from the SKU's stock into a new pool for the activity (OutOfStock if the
    SKU has fewer)."""
    if units < 0:
        raise ValueError("units must not be negative")
    if units:
        await take(session, [Units(sku_id=sku_id, quantity=units)])
    pool = StockQuota(
        activity=activity,
        activity_id=activity_id,
        sku_id=sku_id,
        allocated=units,
        units_left=units,
        status="open",
    )
    session.add(pool)
    await session.flush()
    _touch(session, quotas=[pool.id])
    return pool


async def resize_pool(session: AsyncSession, *, quota_id: int, units_left: int) -> None:
    """Make the pool hold `units_left` unsold units: more is taken from the SKU, less is
    given back to it. Refused (StockNegative) below what the pool can give back."""
    pool = await session.get(StockQuota, quota_id, with_for_update=True, populate_existing=True)
    if pool is None or pool.status != "open":
        raise QuotaExhausted("活动已结束，不能修改库存")
    change = units_left - pool.units_left
    if change > 0:
        await take(session, [Units(sku_id=pool.sku_id, quantity=change)])
    elif change < 0:
        await give_back(session, [Units(sku_id=pool.sku_id, quantity=-change)])
    result = await session.execute(
        update(StockQuota)
        .where(StockQuota.id == quota_id, StockQuota.units_left == pool.units_left)
        .values(units_left=units_left, allocated=StockQuota.allocated + change)
        .execution_options(synchronize_session=False)
    )
    if affected(result) != 1:
        raise StockNegative("活动库存刚刚有变动，请刷新后重试")
    _touch(session, quotas=[quota_id])


async def close_pool(session: AsyncSession, *, quota_id: int) -> int:
    """Close the pool and give what it had left back to the SKU, exactly once; the units
    returned (0 if it was already closed)."""
    pool = await session.get(StockQuota, quota_id, with_for_update=True, populate_existing=True)
    if pool is None:
        return 0
    result = await session.execute(
        update(StockQuota)
        .where(StockQuota.id == quota_id, StockQuota.status == "open")
        .values(status="closed", units_left=0)
        .execution_options(synchronize_session=False)
    )
    if affected(result) != 1:
        return 0
    if pool.units_left:
        await give_back(session, [Units(sku_id=pool.sku_id, quantity=pool.units_left)])
    _touch(session, quotas=[quota_id])
    return pool.units_left
