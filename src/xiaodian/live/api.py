"""`GET /api/v1/ws`: the shoppers' live channel (no login needed: stock is public).

Client → server: `{"op": "subscribe" | "unsubscribe", "goods_ids": [...]}`, `{"op": "ping"}`.
Server → client: `snapshot`, then `stock` / `price` / `off_shelf` / `flash_stock` / `group`
frames with a per-goods `seq`; `pong`; `error` frames for bad messages (the socket stays).
See docs/live.md for the limits and close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket

from xiaodian.auth.service import resolve_token
from xiaodian.core.dbtypes import MAX_ID
from xiaodian.deps import context_of
from xiaodian.live.frames import CloseCode, FrameError, FrameType, Op
from xiaodian.live.hub import Connection, Hub, hub_of
from xiaodian.live.service import send_snapshots

router = APIRouter(tags=["live"])

MAX_ERRORS_IN_A_ROW = 20
SEND_TIMEOUT_SECONDS = 10


def _error(code: FrameError, message: str, **extra: Any) -> str:
    frame = {"type": FrameType.ERROR, "code": code, "message": message, **extra}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _goods_ids(message: dict[str, Any]) -> list[int] | None:
    raw = message.get("goods_ids")
    if not isinstance(raw, list):
        return None
    ids: list[int] = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            return None
        if value not in ids:
            ids.append(value)
    return ids


async def _sender(connection: Connection) -> None:
    websocket = connection.websocket
    while True:
        text = await connection.queue.get()
        if text is None:
            break
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                await websocket.send_text(text)
        except Exception:
            connection.close_code = connection.close_code or CloseCode.SLOW_CONSUMER
            return
    code = connection.close_code or 1000
    with contextlib.suppress(Exception):
        await websocket.close(code=code)


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    context = context_of(websocket)
    settings = context.settings
    await websocket.accept()
    token = websocket.query_params.get("token")
    if token:
        async with context.db.transaction(write=False) as session:
            user_id = await resolve_token(session, token=token, subject="user")
        if user_id is None:
            await websocket.close(code=CloseCode.TOKEN_INVALID, reason="token_invalid")
            return
    hub = hub_of(context)
    address = websocket.client.host if websocket.client else "unknown"
    connection = Connection(websocket, address=address, queue_frames=settings.live_queue_frames)
    if not await hub.admit(connection):
        await websocket.close(code=CloseCode.TOO_MANY_CONNECTIONS, reason="too_many_connections")
        return
    sender = asyncio.create_task(_sender(connection))
    try:
        await _receive(hub, connection, sender)
    finally:
        await hub.leave(connection)
        connection.drop(connection.close_code or 1000)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sender, timeout=5)
        if not sender.done():
            sender.cancel()


async def _receive(hub: Hub, connection: Connection, sender: asyncio.Task[None]) -> None:
    context = hub.context
    settings = context.settings
    websocket = connection.websocket
    errors_in_a_row = 0
    while connection.close_code is None and not sender.done():
        receive = asyncio.ensure_future(websocket.receive())
        done, _ = await asyncio.wait(
            {receive, sender}, timeout=settings.live_idle_seconds, return_when="FIRST_COMPLETED"
        )
        if receive not in done:
            receive.cancel()
            with contextlib.suppress(BaseException):
                await receive
            if not done:  # nothing from the client for the idle timeout
                connection.drop(CloseCode.IDLE)
            return
        message = receive.result()
        if message["type"] == "websocket.disconnect":
            connection.close_code = connection.close_code or 1000
            return
        raw = message.get("text")
        if raw is None and message.get("bytes") is not None:
            raw = message["bytes"].decode("utf-8", errors="replace")
        reply = await _handle(hub, connection, raw or "")
        if reply is None:
            errors_in_a_row = 0
            continue
        errors_in_a_row += 1
        connection.send(reply)
        if errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
            connection.drop(CloseCode.TOO_MANY_ERRORS)
            return


async def _handle(hub: Hub, connection: Connection, raw: str) -> str | None:
    """Act on one client message; an error frame's text when it was refused."""
    settings = hub.context.settings
    if len(raw.encode()) > settings.live_max_message_bytes:
        return _error(
            FrameError.MESSAGE_TOO_LARGE,
            f"消息过大（最多 {settings.live_max_message_bytes} 字节）",
        )
    try:
        message = json.loads(raw)
    except ValueError:
        return _error(FrameError.BAD_MESSAGE, "消息不是 JSON")
    if not isinstance(message, dict):
        return _error(FrameError.BAD_MESSAGE, "消息应为 JSON 对象")
    op = message.get("op")
    if op == Op.PING:
        connection.send('{"type":"pong"}')
        return None
    if op not in (Op.SUBSCRIBE, Op.UNSUBSCRIBE):
        return _error(FrameError.BAD_MESSAGE, "未知的 op", op=str(op)[:32])
    goods_ids = _goods_ids(message)
    if goods_ids is None:
        return _error(FrameError.BAD_MESSAGE, "goods_ids 应为商品 id 的数组")
    if op == Op.UNSUBSCRIBE:
        hub.unsubscribe(connection, goods_ids)
        return None
    new = [goods_id for goods_id in goods_ids if goods_id not in connection.goods]
    limit = settings.live_max_goods_per_connection
    if len(connection.goods) + len(new) > limit:
        return _error(
            FrameError.TOO_MANY_GOODS,
            f"每个连接最多订阅 {limit} 件商品",
            limit=limit,
            subscribed=len(connection.goods),
        )
    hub.subscribe(connection, goods_ids)  # again for those already in: a fresh snapshot
    await send_snapshots(hub.context, hub, connection, goods_ids)
    return None
