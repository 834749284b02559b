"""Sweeps: end sessions past their end (pools give back to the SKUs); resync running gates."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.flash import service


async def end_due_sessions(context: AppContext) -> int:
    return await service.end_due_sessions(context)


async def resync_gates(context: AppContext) -> int:
    return await service.resync_running_gates(context)
