"""Refunds that must be sent go through the outbox: sent once, even when delivered twice."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from tests.payments.helpers import buyer_confirms, ordered, prepay, settle, simulator
from xiaodian.context import AppContext
from xiaodian.events import outbox
from xiaodian.models import OutboxEntry, Refund


async def _late_payment_refunded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> dict[str, object]:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params, delay_seconds=0.05)
    await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    await settle(app)
    return order


def _refunds_at_channel(app: FastAPI, order_no: str) -> list[int]:
    return [
        r["refund_fen"]
        for r in simulator(app).snapshot()["refunds"]
        if r["out_trade_no"] == order_no
    ]


async def test_a_redelivered_refund_entry_sends_nothing_twice(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order = await _late_payment_refunded(app, client, context)
    assert _refunds_at_channel(app, str(order["order_no"])) == [order["total_fen"]]
    async with context.db.transaction() as session:
        refund = (await session.execute(select(Refund))).scalar_one()
        entry = (
            await session.execute(select(OutboxEntry).where(OutboxEntry.event == "RefundDue"))
        ).scalar_one()
        assert (refund.status, entry.status, entry.attempts) == ("succeeded", "done", 1)
        # the drainer died after the refund went out but before it marked the entry done
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id)
            .values(status="pending", claimed_until=None, done_at=None)
        )
    assert await outbox.drain(context) == 1
    assert _refunds_at_channel(app, str(order["order_no"])) == [order["total_fen"]]
    async with context.db.transaction(write=False) as session:
        again = (await session.execute(select(Refund))).scalar_one()
    assert (again.status, again.amount_fen, again.refunded_at) == (
        "succeeded",
        refund.amount_fen,
        refund.refunded_at,
    )
