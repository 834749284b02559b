"""Emitting an event into a session: run, store or queue each receiver by its mode."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import after_commit
from xiaodian.events.base import Event, Mode, Receiver, registry
from xiaodian.models.outbox import OutboxEntry

log = logging.getLogger(__name__)

_QUEUED = "events_after_commit"
_WAKE = "events_outbox_wake"


async def emit(session: AsyncSession, event: Event, *, delay: timedelta | None = None) -> None:
    """Deliver `event` to its receivers as each one's mode says (see `xiaodian.events`).

    `delay` holds durable deliveries back (a reminder due later); the others are unaffected.
    """
    for receiver in registry.receivers(type(event)):
        if receiver.mode is Mode.IN_TRANSACTION:
            await receiver.handler(session, event)
        elif receiver.mode is Mode.DURABLE:
            session.add(
                OutboxEntry(
                    event=event.name,
                    receiver=receiver.name,
                    payload=event.to_payload(),
                    status="pending",
                    attempts=0,
                    next_attempt_at=clock.now() + (delay or timedelta()),
                )
            )
            _wake_outbox_after_commit(session)
        else:
            _queue_after_commit(session, receiver, event)


def only_after_commit(event_type: type[Event]) -> bool:
    """True when every receiver of `event_type` runs after the commit: nothing inside the
    transaction or in the outbox needs the event, so it may be made after the commit too."""
    return all(r.mode is Mode.AFTER_COMMIT for r in registry.receivers(event_type))


async def deliver_committed(context: AppContext, event: Event) -> None:
    """Run the after-commit receivers of an event made once its change had committed (see
    `only_after_commit`), as `emit` would have run them after that commit."""
    for receiver in registry.receivers(type(event)):
        if receiver.mode is not Mode.AFTER_COMMIT:
            raise RuntimeError(f"{receiver.name} must see {event.name} inside its transaction")
        await _run_committed(context, receiver, event)


async def _run_committed(context: AppContext, receiver: Receiver, event: Event) -> None:
    """One after-commit receiver: the commit stands, so a failure is logged, not raised."""
    try:
        await receiver.handler(context, event)
    except Exception:
        log.exception("after-commit receiver %s failed", receiver.name)


def _queue_after_commit(session: AsyncSession, receiver: Receiver, event: Event) -> None:
    queued: list[tuple[Receiver, Event]] | None = session.info.get(_QUEUED)
    if queued is None:
        queued = session.info[_QUEUED] = []
        context = AppContext.of(session)

        async def deliver() -> None:
            for each_receiver, each_event in queued:
                await _run_committed(context, each_receiver, each_event)

        after_commit(session, deliver)
    queued.append((receiver, event))


def _wake_outbox_after_commit(session: AsyncSession) -> None:
    if session.info.get(_WAKE):
        return
    session.info[_WAKE] = True
    context = AppContext.of(session)

    async def wake() -> None:
        await context.wake_outbox()

    after_commit(session, wake)
