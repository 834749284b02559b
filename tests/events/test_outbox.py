"""Events and the outbox: each mode delivers as promised, failures back off, nothing twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.events import (
    Event,
    Mode,
    deliver_committed,
    emit,
    only_after_commit,
    outbox,
    registry,
)
from xiaodian.inventory import service as inventory
from xiaodian.inventory.events import QuotaChanged
from xiaodian.models import OutboxEntry


@dataclass(frozen=True)
class Pinged(Event):
    number: int
    tags: tuple[str, ...] = ()


class Record:
    def __init__(self) -> None:
        self.durable: list[Pinged] = []
        self.after_commit: list[Pinged] = []
        self.in_transaction: list[Pinged] = []
        self.failures_left = 0


@pytest.fixture
async def record(client: httpx.AsyncClient) -> AsyncIterator[Record]:
    seen = Record()

    async def durable(_context: AppContext, event: Pinged) -> None:
        if seen.failures_left:
            seen.failures_left -= 1
            raise RuntimeError("receiver down")
        seen.durable.append(event)

    async def later(_context: AppContext, event: Pinged) -> None:
        seen.after_commit.append(event)

    async def now(_session: object, event: Pinged) -> None:
        seen.in_transaction.append(event)

    added = [
        registry.add(Pinged, durable, Mode.DURABLE, max_attempts=3),
        registry.add(Pinged, later, Mode.AFTER_COMMIT),
        registry.add(Pinged, now, Mode.IN_TRANSACTION),
    ]
    yield seen
    for receiver in added:
        registry.remove(receiver)


async def test_each_mode_delivers_once_after_a_commit(context: AppContext, record: Record) -> None:
    async with context.db.transaction() as session:
        await emit(session, Pinged(number=1, tags=("a", "b")))
        assert [e.number for e in record.in_transaction] == [1]
        assert record.after_commit == []
    assert record.after_commit == [Pinged(number=1, tags=("a", "b"))]
    assert record.durable == []
    assert await outbox.drain(context) == 1
    assert record.durable == [Pinged(number=1, tags=("a", "b"))]
    assert await outbox.drain(context) == 0
    assert record.durable == [Pinged(number=1, tags=("a", "b"))]


async def test_a_rolled_back_transaction_delivers_nothing(
    context: AppContext, record: Record
) -> None:
    with pytest.raises(RuntimeError):
        async with context.db.transaction() as session:
            await emit(session, Pinged(number=2))
            raise RuntimeError("the action failed")
    assert record.after_commit == []
    assert await outbox.drain(context) == 0
    assert record.durable == []


async def test_a_failing_receiver_backs_off_then_succeeds(
    context: AppContext, record: Record
) -> None:
    record.failures_left = 1
    async with context.db.transaction() as session:
        await emit(session, Pinged(number=3))
    assert await outbox.drain(context) == 0
    async with context.db.transaction(write=False) as session:
        entry = (await session.execute(select(OutboxEntry))).scalar_one()
    assert (entry.status, entry.attempts, entry.last_error) == (
        "pending",
        1,
        "RuntimeError: receiver down",
    )
    assert entry.next_attempt_at > clock.now()
    assert await outbox.drain(context) == 0  # not due yet
    clock.freeze(clock.now() + timedelta(seconds=5))
    assert await outbox.drain(context) == 1
    assert [e.number for e in record.durable] == [3]


async def test_an_entry_that_keeps_failing_is_marked_failed(
    context: AppContext, record: Record
) -> None:
    record.failures_left = 10
    async with context.db.transaction() as session:
        await emit(session, Pinged(number=4))
    for _ in range(3):
        await outbox.drain(context)
        clock.freeze(clock.now() + timedelta(hours=2))
    async with context.db.transaction(write=False) as session:
        entry = (await session.execute(select(OutboxEntry))).scalar_one()
    assert (entry.status, entry.attempts) == ("failed", 3)
    assert await outbox.drain(context) == 0


async def test_an_entry_claimed_by_a_drainer_is_not_run_by_another(
    context: AppContext, record: Record
) -> None:
    async with context.db.transaction() as session:
        await emit(session, Pinged(number=5))
    async with context.db.transaction(write=False) as session:
        entry_id = (await session.execute(select(OutboxEntry.id))).scalar_one()
    assert await outbox._claim(context, entry_id, "another-drainer") is not None
    assert await outbox.drain(context) == 0
    assert record.durable == []
    # the other drainer died: once its lease runs out the entry runs, once
    clock.freeze(clock.now() + outbox.LEASE + timedelta(seconds=1))
    assert await outbox.drain(context) == 1
    assert await outbox.drain(context) == 0
    assert [e.number for e in record.durable] == [5]


async def test_emitting_before_the_receivers_are_installed_fails_loudly(
    context: AppContext,
) -> None:
    registry.installed = False
    try:
        with pytest.raises(RuntimeError, match="not installed"):
            async with context.db.transaction() as session:
                await emit(session, Pinged(number=6))
    finally:
        registry.installed = True


async def test_a_pool_change_is_read_inside_the_transaction_only_when_a_receiver_needs_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """QuotaChanged has only after-commit receivers (live pushes), so inventory reads the
    pools once the change has committed. Should a receiver need it inside the transaction,
    it is read and emitted there, as every other event is."""
    goods = await factories.make_goods(context, stock=10)
    (sku_id,) = goods["sku_ids"]
    assert only_after_commit(QuotaChanged)
    inside: list[tuple[int, bool]] = []

    async def needs_it_now(session: AsyncSession, event: QuotaChanged) -> None:
        still_open = session.in_transaction()
        inside.append((event.units_left, still_open))

    added = registry.add(QuotaChanged, needs_it_now, Mode.IN_TRANSACTION)
    try:
        assert not only_after_commit(QuotaChanged)
        async with context.db.transaction() as session:
            pool = await inventory.open_pool(
                session, activity="flash", activity_id=1, sku_id=sku_id, units=4
            )
            await inventory.take(session, [inventory.Units(sku_id, 3, quota_id=pool.id)])
            assert inside == []
        assert inside == [(1, True)]
        with pytest.raises(RuntimeError, match="inside its transaction"):
            await deliver_committed(context, QuotaChanged(pool.id, "flash", 1, sku_id, 0, 1, ""))
    finally:
        registry.remove(added)
    assert only_after_commit(QuotaChanged)
