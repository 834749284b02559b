"""Payment sweeps: reconcile payments left pending, send and follow refunds."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.payments import refund_service, service


async def reconcile_payments(context: AppContext) -> int:
    return await service.reconcile_pending_payments(context)


async def process_refunds(context: AppContext) -> int:
    return await refund_service.process_refunds(context)
