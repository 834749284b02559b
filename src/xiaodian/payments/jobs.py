"""Payment sweeps: reconcile payments whose result is unknown, send and follow refunds."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.payments import reconcile, refund_sweep, returns


async def reconcile_payments(context: AppContext) -> int:
    return await reconcile.reconcile_pending_payments(context)


async def process_refunds(context: AppContext) -> int:
    return await refund_sweep.process_refunds(context)


async def close_overdue_returns(context: AppContext) -> int:
    return await returns.close_overdue_returns(context)
