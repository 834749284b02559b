"""How many live sockets each client address holds, for the per-address cap
(`XIAODIAN_LIVE_MAX_CONNECTIONS_PER_IP`).

Without Redis the count is this process's. With Redis it is every server process's: each process
keeps its own counts in a Redis hash (`xiaodian:live:ips:<process>`, address → sockets) whose
expiry (`XIAODIAN_LIVE_ADDRESS_COUNT_TTL_SECONDS`, 30 s) a heartbeat pushes back every third of
it while the process has sockets, and lists
that hash in a sorted set scored by the same expiry. Admission is one Lua step: drop the
processes whose expiry has passed, add up the address's sockets in the others, and refuse at the
cap or count the new socket. A process that crashes stops its heartbeat, so its sockets stop
counting within that expiry. A heartbeat that finds its hash gone (Redis restarted or
flushed) writes it again from this process's own counts. If Redis cannot be asked, the cap falls
back to this process's count rather than refusing everybody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from typing import Any

from xiaodian.context import AppContext

log = logging.getLogger(__name__)

_REGISTRY = "xiaodian:live:ip-processes"
_COUNTS = "xiaodian:live:ips:"

# KEYS: registry, this process's hash. ARGV: address, cap, TTL.
_ADMIT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local total = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if key ~= KEYS[2] then total = total + tonumber(redis.call('HGET', key, ARGV[1]) or '0') end
end
total = total + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), KEYS[2])
return 1
"""

# KEYS: this process's hash. ARGV: address.
_LEAVE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
"""

# KEYS: registry, this process's hash. ARGV: TTL, then address, count pairs (this process's).
_HEARTBEAT = """
local now = tonumber(redis.call('TIME')[1])
if redis.call('EXPIRE', KEYS[2], ARGV[1]) == 0 then
  for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), KEYS[2])
return 1
"""


class AddressCounts:
    """This process's sockets per address, and (with Redis) every process's."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.local: Counter[str] = Counter()
        self.key = f"{_COUNTS}{uuid.uuid4().hex}"
        self._scripts: dict[str, Any] = {}
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def ttl(self) -> int:
        return self.context.settings.live_address_count_ttl_seconds

    def _script(self, name: str, source: str) -> Any:
        redis = self.context.redis
        assert redis is not None
        if name not in self._scripts:
            self._scripts[name] = redis.register_script(source)
        return self._scripts[name]

    async def admit(self, address: str) -> bool:
        """Count one more socket for `address`, or False at the cap."""
        limit = self.context.settings.live_max_connections_per_ip
        if self.context.redis is None:
            admitted = self.local[address] < limit
        else:
            try:
                script = self._script("admit", _ADMIT)
                admitted = bool(
                    await script(keys=[_REGISTRY, self.key], args=[address, limit, self.ttl])
                )
            except Exception:
                log.warning("live: Redis cannot count sockets per address; counting locally")
                admitted = self.local[address] < limit
        if admitted:
            self.local[address] += 1
            self._beat()
        return admitted

    async def leave(self, address: str) -> None:
        self.local[address] -= 1
        if self.local[address] <= 0:
            del self.local[address]
        if not self.local and self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        if self.context.redis is not None:
            with contextlib.suppress(Exception):  # the heartbeat's TTL ends it anyway
                await self._script("leave", _LEAVE)(keys=[self.key], args=[address])

    def _beat(self) -> None:
        if self.context.redis is not None and self._heartbeat is None:
            self._heartbeat = asyncio.ensure_future(self._beating())

    async def _beating(self) -> None:
        while self.local:
            await asyncio.sleep(self.ttl / 3)
            await self.beat()

    async def beat(self) -> None:
        """Push this process's expiry back (and write its counts again if Redis lost them)."""
        pairs: list[Any] = []
        for address, count in self.local.items():
            pairs += [address, count]
        with contextlib.suppress(Exception):  # Redis down: the next beat tries again
            await self._script("heartbeat", _HEARTBEAT)(
                keys=[_REGISTRY, self.key], args=[self.ttl, *pairs]
            )
