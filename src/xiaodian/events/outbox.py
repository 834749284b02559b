"""Draining the outbox: claim a due entry with a lease, run its receiver, mark it done.

Any number of drainers may run (servers, workers): an entry is claimed by a conditional
UPDATE, so only one runs it at a time; a drainer that dies mid-way leaves a lease that
expires, and the entry is run again (receivers are idempotent). A failing receiver is retried
with exponential backoff; after its `max_attempts` the entry is marked failed and logged, for
an operator to see (`xiaodian outbox` lists them, `--retry` puts them back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.events.base import registry
from xiaodian.models.outbox import OutboxEntry

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at an hour."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def _due_ids(context: AppContext, limit: int) -> list[int]:
    now = clock.now()
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(
            select(OutboxEntry.id)
            .where(
                OutboxEntry.status == "pending",
                OutboxEntry.next_attempt_at <= now,
                (OutboxEntry.claimed_until.is_(None)) | (OutboxEntry.claimed_until < now),
            )
            .order_by(OutboxEntry.id)
            .limit(limit)
        )
        return list(rows.scalars())


async def _claim(context: AppContext, entry_id: int, token: str) -> OutboxEntry | None:
    now = clock.now()
    async with context.db.transaction() as session:
        result = await session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.id == entry_id,
                OutboxEntry.status == "pending",
                (OutboxEntry.claimed_until.is_(None)) | (OutboxEntry.claimed_until < now),
            )
            .values(
                claim_token=token,
                claimed_until=now + LEASE,
                attempts=OutboxEntry.attempts + 1,
            )
        )
        if affected(result) != 1:
            return None
        return await session.get(OutboxEntry, entry_id, populate_existing=True)


async def _finish(context: AppContext, entry: OutboxEntry, token: str, error: str | None) -> None:
    receiver = registry.by_name(entry.receiver)
    max_attempts = receiver.max_attempts if receiver else 1
    values: dict[str, Any]
    if error is None:
        values = {"status": "done", "done_at": clock.now(), "claimed_until": None}
    elif entry.attempts >= max_attempts:
        values = {"status": "failed", "last_error": error[:500], "claimed_until": None}
    else:
        values = {
            "last_error": error[:500],
            "claimed_until": None,
            "next_attempt_at": clock.now() + backoff(entry.attempts),
        }
    async with context.db.transaction() as session:
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id, OutboxEntry.claim_token == token)
            .values(**values)
        )


async def deliver(context: AppContext, entry_id: int) -> bool:
    """Run one entry if it can be claimed; True when its receiver succeeded."""
    token = uuid.uuid4().hex
    entry = await _claim(context, entry_id, token)
    if entry is None:
        return False
    receiver = registry.by_name(entry.receiver)
    if receiver is None:
        await _finish(context, entry, token, f"no receiver named {entry.receiver}")
        log.error("outbox entry %s names an unknown receiver %s", entry.id, entry.receiver)
        return False
    try:
        event_type = receiver.event
        event = event_type.from_payload(entry.payload)
        await receiver.handler(context, event)
    except Exception as error:
        await _finish(context, entry, token, f"{type(error).__name__}: {error}")
        level = logging.ERROR if entry.attempts >= receiver.max_attempts else logging.WARNING
        log.log(
            level,
            "outbox %s (%s) attempt %d failed: %s",
            entry.id,
            entry.receiver,
            entry.attempts,
            error,
        )
        return False
    await _finish(context, entry, token, None)
    return True


async def drain(context: AppContext, *, limit: int = 100) -> int:
    """Deliver due entries until none is left (at most `limit` per round); how many ran."""
    delivered = 0
    while True:
        ids = await _due_ids(context, limit)
        ran = 0
        for entry_id in ids:
            ran += await deliver(context, entry_id)
        delivered += ran
        if len(ids) < limit or ran == 0:
            return delivered


async def pending_count(context: AppContext) -> int:
    async with context.db.transaction(write=False) as session:
        return int(
            await session.scalar(
                select(func.count(OutboxEntry.id)).where(OutboxEntry.status == "pending")
            )
            or 0
        )


async def run_forever(context: AppContext, *, stop: asyncio.Event, poll_seconds: float) -> None:
    """Drain whenever woken (a commit wrote entries) and at least every `poll_seconds`."""
    wake = context.outbox_wakeup
    while not stop.is_set():
        wake.clear()
        try:
            await drain(context)
        except Exception:
            log.exception("outbox drain failed")
        waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
