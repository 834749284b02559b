"""The cut-off sweep: when a slot stops taking orders, plan its paid orders into routes for
the shop's `auto_batch_riders` (if it set any), so riders can leave at the slot's start."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.delivery import batches, service
from xiaodian.delivery.errors import NothingToDeliver, RidersOverCapacity


async def plan_slots_at_cut_off(context: AppContext) -> int:
    """Plan every slot of today past its cut-off (and not yet over) that has paid delivery
    orders outside a batch; returns how many batches it made. Safe beside another worker:
    an order goes out only through its conditional `paid → delivering` move, and a batch that
    got no order is not kept."""
    async with context.db.transaction(write=False) as session:
        row = await service.load_settings(session)
        if not row.enabled or row.auto_batch_riders <= 0:
            return 0
        today = service.bookable_days(row)[0]
        due = [
            slot
            for slot in await service.slots_of(session, row, [today])
            if not slot.open and slot.taken > 0
        ]
    now = clock.now()
    planned = 0
    for slot in due:
        rule = service.slot_rule(row, slot.start)
        if rule is None or service.Slot(today, rule).ends_at <= now:
            continue
        try:
            await batches.plan_batch(
                context,
                slot_date=today,
                slot_start=slot.start,
                riders=row.auto_batch_riders,
                order_ids=None,
                by=Actor.system("plan_slots_at_cut_off"),
            )
        except (NothingToDeliver, RidersOverCapacity):
            continue  # nothing new to send, or too many for the riders: the merchant decides
        planned += 1
    return planned
