"""New-order alerts for every console page: orders paid and refunds requested since the page's
cursor, polled every few seconds (the page plays a sound, counts them in its title and shows a
browser notification; the merchant can mute it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from xiaodian.console.security import ConsoleAdmin
from xiaodian.core import clock
from xiaodian.deps import SessionDep
from xiaodian.models import Order, Refund
from xiaodian.payments.vocabulary import RefundStatus

router = APIRouter()
MAX_ITEMS = 20
LOOKBACK = timedelta(hours=1)


def _since(raw: str, now: datetime) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(moment, now - LOOKBACK)


@router.get("/alerts")
async def alerts(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> JSONResponse:
    """`{"cursor", "paid": [...], "refunds": [...]}`; without a valid `since` only the cursor
    (a page that just opened announces nothing old)."""
    now = clock.now()
    since = _since(request.query_params.get("since", ""), now)
    paid: list[dict[str, object]] = []
    refunds: list[dict[str, object]] = []
    if since is not None:
        for order_id, order_no, total_fen in await session.execute(
            select(Order.id, Order.order_no, Order.total_fen)
            .where(Order.paid_at > since, Order.paid_at <= now)
            .order_by(Order.paid_at)
            .limit(MAX_ITEMS)
        ):
            paid.append({"id": order_id, "order_no": order_no, "total_fen": total_fen})
        for refund_id, order_id, amount_fen in await session.execute(
            select(Refund.id, Refund.order_id, Refund.amount_fen)
            .where(
                Refund.created_at > since,
                Refund.created_at <= now,
                Refund.status == RefundStatus.REQUESTED,
            )
            .order_by(Refund.created_at)
            .limit(MAX_ITEMS)
        ):
            refunds.append({"id": refund_id, "order_id": order_id, "amount_fen": amount_fen})
    return JSONResponse({"cursor": now.isoformat(), "paid": paid, "refunds": refunds})
