"""One hub per server process: the sockets connected to it, what each is subscribed to, and the
publishing side that turns committed changes into frames for every process.

Publishing (after the commit, in the process that committed):

- changes to one SKU closer together than `live_coalesce_ms` go out as one (the first at once,
  the rest as the last value when the window ends);
- with Redis, one Lua script keeps the newest `skus.stock_version` per SKU (an older value that
  arrives late, from a slower transaction or another process, is not sent), numbers the frame
  with the goods item's `seq` and publishes it on the bus channel, all in one step, so frames
  of one goods item reach every process in `seq` order; without Redis the same happens in
  memory (one process).

Delivering (in every process, from the bus): the frame is serialised once and queued on each
subscribed connection; a connection whose queue is full is dropped (close 4008) rather than
slowing everybody.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from starlette.websockets import WebSocket

from xiaodian.context import AppContext
from xiaodian.core.bus import RedisBus
from xiaodian.live.addresses import AddressCounts
from xiaodian.live.frames import CloseCode

log = logging.getLogger(__name__)

CHANNEL = "live.goods"
"""Bus channel of every frame: `{"g": goods_id, "f": frame}` (the frame carries `seq`)."""

_SEQ_KEY = "xiaodian:live:seq:"
_VERSION_KEY = "xiaodian:live:version:"
_VERSION_TTL_SECONDS = 86_400

# KEYS: version key (or "" for frames without a version), seq key, bus channel.
# ARGV: version, goods id, frame JSON without its closing brace, the version's TTL.
_PUBLISH = """
if KEYS[1] ~= '' then
  local seen = tonumber(redis.call('GET', KEYS[1]) or '-1')
  if tonumber(ARGV[1]) <= seen then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
end
local seq = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', KEYS[3], '{"g":' .. ARGV[2] .. ',"f":' .. ARGV[3] .. ',"seq":' .. seq .. '}}')
return seq
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Connection:
    """One shopper's socket: its subscriptions and its queue of frames to send."""

    def __init__(self, websocket: WebSocket, *, address: str, queue_frames: int) -> None:
        self.websocket = websocket
        self.address = address
        self.goods: set[int] = set()
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=queue_frames)
        self.waiting_snapshot: dict[int, list[tuple[int, str]]] = {}
        """Frames for goods whose snapshot is being read: sent after it if newer."""
        self.close_code: int | None = None

    def offer(self, goods_id: int, seq: int, text: str) -> None:
        held = self.waiting_snapshot.get(goods_id)
        if held is not None:
            held.append((seq, text))
            return
        self.send(text)

    def send(self, text: str) -> None:
        if self.close_code is not None:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.drop(CloseCode.SLOW_CONSUMER)

    def drop(self, code: int) -> None:
        """Stop sending and close with `code` (the sender does it, after what is queued)."""
        if self.close_code is not None:
            return
        self.close_code = code
        if code == CloseCode.SLOW_CONSUMER:  # it would not read them anyway
            while not self.queue.empty():
                self.queue.get_nowait()
        # Make room for the sentinel: what was queued is dropped with the connection.
        while True:
            try:
                self.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    self.queue.get_nowait()


class Hub:
    def __init__(self, context: AppContext) -> None:
        self.context = context
        settings = context.settings
        self.coalesce_seconds = settings.live_coalesce_ms / 1000
        self.subscribers: dict[int, set[Connection]] = {}
        self.addresses = AddressCounts(context)
        self.connections: set[Connection] = set()
        # publishing state of this process
        self._last_sent: dict[int, float] = {}
        self._pending: dict[int, tuple[int, int, str, int]] = {}
        # memory mode (no Redis): versions and seqs of the one process
        self._versions: dict[int, int] = {}
        self._seqs: dict[int, int] = {}
        self._script: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0
        """Frames handed to sockets' queues (for the benchmark and tests)."""
        context.bus.subscribe(CHANNEL, self._on_frame)
        context.bus.on_reconnect(self._on_bus_reconnect)

    # ---- connections ----

    async def admit(self, connection: Connection) -> bool:
        """Take the socket on, or False when its address holds the most it may (counted in
        every server process when Redis is there: `live.addresses`)."""
        if not await self.addresses.admit(connection.address):
            return False
        self.connections.add(connection)
        return True

    async def leave(self, connection: Connection) -> None:
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        self.unsubscribe(connection, list(connection.goods))
        await self.addresses.leave(connection.address)

    def subscribe(self, connection: Connection, goods_ids: Iterable[int]) -> None:
        for goods_id in goods_ids:
            connection.goods.add(goods_id)
            connection.waiting_snapshot.setdefault(goods_id, [])
            self.subscribers.setdefault(goods_id, set()).add(connection)

    def unsubscribe(self, connection: Connection, goods_ids: Iterable[int]) -> None:
        for goods_id in goods_ids:
            connection.goods.discard(goods_id)
            connection.waiting_snapshot.pop(goods_id, None)
            members = self.subscribers.get(goods_id)
            if members is not None:
                members.discard(connection)
                if not members:
                    del self.subscribers[goods_id]

    def snapshot_sent(self, connection: Connection, goods_id: int, seq: int) -> None:
        """The snapshot at `seq` is queued: send what came in meanwhile and is newer."""
        held = connection.waiting_snapshot.pop(goods_id, None)
        for frame_seq, text in held or ():
            if frame_seq > seq:
                connection.send(text)

    async def seqs(self, goods_ids: list[int]) -> dict[int, int]:
        """The current `seq` of each goods item (read before its snapshot)."""
        if self.context.redis is None:
            return {goods_id: self._seqs.get(goods_id, 0) for goods_id in goods_ids}
        values = await self.context.redis.mget([f"{_SEQ_KEY}{g}" for g in goods_ids])
        return {g: int(v or 0) for g, v in zip(goods_ids, values, strict=True)}

    async def _on_frame(self, message: dict[str, Any]) -> None:
        goods_id = message.get("g")
        frame = message.get("f")
        if not isinstance(goods_id, int) or not isinstance(frame, dict):
            return
        members = self.subscribers.get(goods_id)
        if not members:
            return
        seq = int(frame.get("seq", 0))
        text = _dumps(frame)
        for connection in list(members):
            connection.offer(goods_id, seq, text)
        self.sent += len(members)

    def _on_bus_reconnect(self) -> None:
        """Frames may have been lost while the bus was down: every socket will resubscribe."""
        from xiaodian.live.service import resend_snapshots

        for connection in list(self.connections):
            self._spawn(resend_snapshots(self.context, self, connection))

    def forget(self) -> None:
        """Forget versions and seqs (tests that wipe the database and reuse its ids)."""
        self._versions.clear()
        self._seqs.clear()
        self._last_sent.clear()
        self._pending.clear()

    async def close_all(self) -> None:
        for connection in list(self.connections):
            connection.drop(CloseCode.GOING_AWAY)

    # ---- publishing ----

    async def publish_stock(self, *, sku_id: int, goods_id: int, version: int, frame: str) -> None:
        """Push a SKU's new stock (coalesced per SKU; an older version is never sent)."""
        loop = asyncio.get_running_loop()
        pending = self._pending.get(sku_id)
        if pending is not None:
            if version >= pending[1] or version == 0:
                self._pending[sku_id] = (goods_id, version, frame, sku_id)
            return
        now = loop.time()
        wait = self._last_sent.get(sku_id, -1e9) + self.coalesce_seconds - now
        if wait <= 0:
            self._last_sent[sku_id] = now
            await self._publish(goods_id, frame, version_key=sku_id, version=version)
            return
        self._pending[sku_id] = (goods_id, version, frame, sku_id)
        loop.call_later(wait, lambda: self._spawn(self._flush(sku_id)))

    async def _flush(self, sku_id: int) -> None:
        pending = self._pending.pop(sku_id, None)
        if pending is None:
            return
        goods_id, version, frame, _ = pending
        self._last_sent[sku_id] = asyncio.get_running_loop().time()
        await self._publish(goods_id, frame, version_key=sku_id, version=version)

    async def publish_goods(self, goods_id: int, frame: str) -> None:
        """Push a goods-level frame (price, off_shelf, flash_stock, group) at once."""
        await self._publish(goods_id, frame, version_key=None, version=0)

    async def _publish(
        self, goods_id: int, frame: str, *, version_key: int | None, version: int
    ) -> None:
        """`frame` is a JSON object's text; its `seq` is added here."""
        body = frame[:-1]  # without its closing brace
        redis = self.context.redis
        bus = self.context.bus
        if redis is not None and isinstance(bus, RedisBus):
            if self._script is None:
                self._script = redis.register_script(_PUBLISH)
            keys = [
                f"{_VERSION_KEY}{version_key}" if version_key is not None and version else "",
                f"{_SEQ_KEY}{goods_id}",
                bus.prefix + CHANNEL,
            ]
            await self._script(keys=keys, args=[version, goods_id, body, _VERSION_TTL_SECONDS])
            return
        if version_key is not None and version:
            if version <= self._versions.get(version_key, -1):
                return
            self._versions[version_key] = version
        seq = self._seqs[goods_id] = self._seqs.get(goods_id, 0) + 1
        await bus.publish(CHANNEL, {"g": goods_id, "f": json.loads(f'{body},"seq":{seq}}}')})

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_hubs: dict[int, Hub] = {}


def hub_of(context: AppContext) -> Hub:
    """This process's hub for the app `context` serves (made on first use)."""
    hub = _hubs.get(id(context))
    if hub is None or hub.context is not context:
        hub = _hubs[id(context)] = Hub(context)
    return hub
