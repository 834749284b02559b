"""The merchant channel: new orders, payments, refund requests and low stock, pushed to the
console dashboard (`/console/dashboard/socket`, the console session) and to merchant clients
(`/api/admin/v1/ws?token=<merchant token>`), from every server process through the bus.

Frames: `{"type": "order_placed" | "order_paid", "order_id", "total_fen"}`,
`{"type": "refund_requested", "order_id", "refund_id", "amount_fen"}`,
`{"type": "low_stock", "goods_id", "sku_id", "stock"}` (below `XIAODIAN_STOCK_HINT_BELOW`),
`{"type": "pong"}`. The client may send `{"op": "ping"}`; anything else is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket

from xiaodian.auth.service import resolve_token
from xiaodian.catalog.hints import threshold
from xiaodian.context import AppContext
from xiaodian.deps import context_of
from xiaodian.inventory.events import StockChanged
from xiaodian.live.frames import CloseCode
from xiaodian.models import AdminUser
from xiaodian.orders.events import OrderPaid, OrderPlaced, RefundRequested

CHANNEL = "live.merchant"
router = APIRouter(tags=["live"])


class MerchantHub:
    """This process's merchant sockets; frames come from the bus."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.queues: set[asyncio.Queue[str | None]] = set()
        context.bus.subscribe(CHANNEL, self._on_frame)

    async def _on_frame(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        for queue in list(self.queues):
            # a dashboard that does not read loses frames, not the server
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(text)


_hubs: dict[int, MerchantHub] = {}


def merchant_hub(context: AppContext) -> MerchantHub:
    hub = _hubs.get(id(context))
    if hub is None or hub.context is not context:
        hub = _hubs[id(context)] = MerchantHub(context)
    return hub


async def admin_of(context: AppContext, token: str | None) -> int | None:
    """The active merchant account behind a token, or None."""
    if not token:
        return None
    async with context.db.transaction(write=False) as session:
        admin_id = await resolve_token(session, token=token, subject="admin")
        admin = await session.get(AdminUser, admin_id) if admin_id is not None else None
        return admin.id if admin is not None and admin.is_active else None


async def serve(websocket: WebSocket, context: AppContext) -> None:
    """Run an accepted merchant socket until it closes."""
    hub = merchant_hub(context)
    queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=256)
    hub.queues.add(queue)

    async def sender() -> None:
        while (text := await queue.get()) is not None:
            await websocket.send_text(text)

    sending = asyncio.create_task(sender())
    try:
        while True:
            receive = asyncio.ensure_future(websocket.receive())
            done, _ = await asyncio.wait(
                {receive, sending},
                timeout=context.settings.live_idle_seconds,
                return_when="FIRST_COMPLETED",
            )
            if receive not in done:
                receive.cancel()
                with contextlib.suppress(BaseException):
                    await receive
                if not done:
                    with contextlib.suppress(Exception):
                        await websocket.close(code=CloseCode.IDLE)
                return
            message = receive.result()
            if message["type"] == "websocket.disconnect":
                return
            if '"ping"' in (message.get("text") or ""):
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait('{"type":"pong"}')
    finally:
        hub.queues.discard(queue)
        sending.cancel()
        with contextlib.suppress(BaseException):
            await sending


@router.websocket("/ws")
async def merchant_socket(websocket: WebSocket) -> None:
    context = context_of(websocket)
    await websocket.accept()
    if await admin_of(context, websocket.query_params.get("token")) is None:
        await websocket.close(code=CloseCode.TOKEN_INVALID, reason="token_invalid")
        return
    await serve(websocket, context)


def is_low(event: StockChanged) -> bool:
    """Below the SKU's own alert threshold, or the shop's when it has none."""
    below = event.low_below if event.low_below is not None else threshold()
    return event.stock < below


# ---- receivers (after commit) ----


async def _publish(context: AppContext, frame: dict[str, Any]) -> None:
    await context.bus.publish(CHANNEL, frame)


async def on_order_placed(context: AppContext, event: OrderPlaced) -> None:
    await _publish(
        context, {"type": "order_placed", "order_id": event.order_id, "total_fen": event.total_fen}
    )


async def on_order_paid(context: AppContext, event: OrderPaid) -> None:
    await _publish(
        context, {"type": "order_paid", "order_id": event.order_id, "total_fen": event.total_fen}
    )


async def on_refund_requested(context: AppContext, event: RefundRequested) -> None:
    frame = {
        "type": "refund_requested",
        "order_id": event.order_id,
        "refund_id": event.refund_id,
        "amount_fen": event.amount_fen,
    }
    await _publish(context, frame)


async def on_stock_changed(context: AppContext, event: StockChanged) -> None:
    if is_low(event):
        frame = {
            "type": "low_stock",
            "goods_id": event.goods_id,
            "sku_id": event.sku_id,
            "stock": event.stock,
        }
        await _publish(context, frame)
