"""Sweeps: end sessions past their end (pools give back to the SKUs); resync running gates;
send the 秒杀开始提醒 of sessions that started."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.flash import reminders, service


async def end_due_sessions(context: AppContext) -> int:
    return await service.end_due_sessions(context)


async def resync_gates(context: AppContext) -> int:
    return await service.resync_running_gates(context)


async def send_flash_reminders(context: AppContext) -> int:
    return await reminders.send_due_reminders(context)
