"""The gate in front of the database: time window, the shopper's count and the stock in one
atomic step, so a crowd's sold-out and over-limit answers never reach the database.

With Redis, one Lua script per request (shared by every server process); without Redis, the
same rules in this process's memory (one process: the event loop makes each step atomic).
The same step counts the route's rate limits (per client address and per shopper, `Count`),
so a refusal costs one Redis call. The gate only ever *refuses early*: what it lets through
still meets the database's conditional updates, which keep the final say. When the gate holds
nothing for an item (a new process, Redis restarted or flushed), it is rebuilt from the
database, never from old counts; a process also overwrites it from the database the first
time it serves an item (unless another process already did so after this one started), so
units that a crashed process took at the gate (and never committed) come back.

The database's numbers do not count units that are in flight (taken at the gate, their order
not yet committed), so loading them over a warm gate during a sale hands those units out a
second time; the database then refuses the extra orders at the pool. A refusal therefore only
ever *tightens* the gate (`Load.TIGHTEN`): the lower stock, each shopper's higher count. When
it overwrote, every refusal in a crowd handed the in-flight units out again, and each extra
order refused made the next overwrite: 135 orders reached the database for 100 units in one
sell-out of `bench/flash_sale.py`, the last winner answered after 2.9 s.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import redis.asyncio as redis_asyncio
from redis.exceptions import NoScriptError

from xiaodian.core.errors import RateLimited
from xiaodian.core.turns import PerTurn
from xiaodian.flash.vocabulary import TOO_FAST, GateAnswer


@dataclass(frozen=True)
class Rule:
    """What the gate needs to know about an item (cached per process for a moment)."""

    item_id: int
    session_id: int
    sku_id: int
    goods_id: int
    quota_id: int | None
    flash_price_fen: int
    per_user_limit: int
    max_participants: int
    """0 means no cap."""
    starts_at_ms: int
    ends_at_ms: int
    ended: bool
    unpaid_minutes: int


@dataclass(frozen=True)
class Snapshot:
    """The database's truth for an item: what is unsold and what each shopper holds."""

    stock_left: int
    users: Mapping[int, int]


class Load(StrEnum):
    """How the database's numbers meet what the gate holds (a cold gate always takes them)."""

    IF_COLD = "cold"
    """Only when the gate holds nothing for the item."""
    OVERWRITE = "overwrite"
    """Replace what the gate holds (the sweep: what crashed processes took comes back)."""
    UNLESS_SINCE = "since"
    """Overwrite, unless a load that did so happened at or after `since_ms` (a process's
    first serve: a sibling that started the sale a moment earlier already did it)."""
    TIGHTEN = "tighten"
    """Never loosen: the lower stock, and for each shopper the higher count; after first
    giving back what a refused order took (`release`), in the same step."""


@dataclass(frozen=True)
class Count:
    """One rate limit the gate counts for an item in the same step as its take: `name` is who
    is counted in which window (e.g. `user:7:177`); over `limit` in a window of `ttl_ms`, the
    request is refused with 429 and `Retry-After: retry_after_seconds`."""

    name: str
    limit: int
    ttl_ms: int
    retry_after_seconds: int


class Gate(Protocol):
    async def take(
        self,
        rule: Rule,
        *,
        user_id: int,
        quantity: int,
        now_ms: int,
        counts: Sequence[Count] = (),
    ) -> GateAnswer:
        """Count `counts` (raising `RateLimited` for the first one over its limit), then check
        window, limit, participants and stock and take `quantity` for the user, or say why
        not (`COLD` when it holds nothing for the item)."""
        ...

    async def count(self, item_id: int, counts: Sequence[Count]) -> None:
        """Only count (raising `RateLimited` as `take` does)."""
        ...

    async def give_back(self, item_id: int, *, user_id: int, quantity: int) -> None:
        """Units the database did not keep (the order failed or closed) return to the gate."""
        ...

    async def load(
        self,
        item_id: int,
        snapshot: Snapshot,
        *,
        ttl_ms: int,
        mode: Load,
        since_ms: int = 0,
        release: tuple[int, int] | None = None,
    ) -> bool:
        """Hold the database's numbers for the item as `mode` says; False when it held on to
        its own. `release`: (shopper, units) a refused order took, given back first (TIGHTEN
        only)."""
        ...

    async def now_ms(self) -> int:
        """The clock loads are stamped with (Redis's own, shared by every process)."""
        ...

    async def answered(self) -> None:
        """Return once the takes already on their way have been answered (at once when none
        are): winners placed together wait for those who passed the gate with them."""
        ...

    async def stock_left(self, item_id: int) -> int | None:
        """What the gate holds for the item (None when cold)."""
        ...

    async def forget(self, item_id: int) -> None: ...


# ---- Redis ----

# KEYS: stock, users, then one counter per Count. ARGV: now, starts, ends, user, quantity,
# per-user limit, participants cap, then (limit, ttl ms) per Count. A counter over its limit
# answers 10 + its position (1-based) before anything else is looked at.
_COUNTERS = """
for i = 3, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i + 3]) end
  if n > tonumber(ARGV[2 * i + 2]) then return 10 + i - 2 end
end
"""

_TAKE = (
    _COUNTERS
    + """
local now = tonumber(ARGV[1])
if now < tonumber(ARGV[2]) then return 1 end
if now >= tonumber(ARGV[3]) then return 2 end
local stock = redis.call('GET', KEYS[1])
if not stock then return 6 end
local qty = tonumber(ARGV[5])
local had = redis.call('HGET', KEYS[2], ARGV[4])
if had and tonumber(had) + qty > tonumber(ARGV[6]) then return 4 end
if not had and qty > tonumber(ARGV[6]) then return 4 end
if tonumber(stock) < qty then return 3 end
local most = tonumber(ARGV[7])
if not had and most > 0 and redis.call('HLEN', KEYS[2]) >= most then return 5 end
redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], ARGV[4], qty)
return 0
"""
)

_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2])) < 0 then
  redis.call('HSET', KEYS[2], ARGV[1], 0)
end
return 1
"""

# KEYS: stock, users, loaded (when the gate was last overwritten, on Redis's clock).
# ARGV: stock left, mode (a `Load`), ttl ms, since ms, released user and units (0 0 for
# none), then (user, units) per shopper.
_LOAD = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local mode = ARGV[2]
  if mode == 'cold' then return 0 end
  if mode == 'since' and tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then
    return 0
  end
  if mode == 'tighten' then
    local released = tonumber(ARGV[6])
    local stock = tonumber(redis.call('GET', KEYS[1])) + released
    if released > 0 then
      local had = tonumber(redis.call('HGET', KEYS[2], ARGV[5]) or '0')
      redis.call('HSET', KEYS[2], ARGV[5], math.max(0, had - released))
    end
    redis.call('SET', KEYS[1], math.min(stock, tonumber(ARGV[1])), 'KEEPTTL')
    for i = 7, #ARGV, 2 do
      if tonumber(ARGV[i + 1]) > tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') then
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
      end
    end
    if redis.call('PTTL', KEYS[2]) == -1 then
      redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1]))
    end
    return 1
  end
end
redis.call('DEL', KEYS[2])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if #ARGV >= 7 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
local now = redis.call('TIME')
redis.call('SET', KEYS[3], now[1] * 1000 + math.floor(now[2] / 1000), 'PX', ARGV[3])
return 1
"""

_ANSWERS = {
    0: GateAnswer.TAKEN,
    1: GateAnswer.NOT_STARTED,
    2: GateAnswer.ENDED,
    3: GateAnswer.SOLD_OUT,
    4: GateAnswer.LIMIT_REACHED,
    5: GateAnswer.FULL,
    6: GateAnswer.COLD,
}


def _over(counts: Sequence[Count], code: int) -> None:
    """Raise for the counter the script said was over its limit (codes 11, 12, …)."""
    if code > 10:
        raise RateLimited(TOO_FAST, retry_after_seconds=counts[code - 11].retry_after_seconds)


def _counter_args(counts: Sequence[Count]) -> list[int]:
    """ARGV after the seven take arguments: the script reads (limit, ttl) of KEYS[i] at
    ARGV[2i+2], ARGV[2i+3]."""
    args: list[int] = []
    for one in counts:
        args += [one.limit, max(1, one.ttl_ms)]
    return args


class Batched:
    """One Lua script's calls made in the same turn of the event loop, sent to Redis together
    (`core.turns.PerTurn`): one write and one read for all of them (a pipeline, not a
    transaction: each call is still its own atomic script, run in the order made). At a flash
    sale nearly every request is one such call; alone, each paid a socket write, a read and a
    connection from the pool, which in a crowd's profile were a fifth of a worker's time.

    A call's error is its own (raised to its caller); a connection's error is raised to every
    call of the batch. When Redis has lost the script (a restart, SCRIPT FLUSH), it is loaded
    again and the batch's calls that met NOSCRIPT are sent once more."""

    def __init__(self, client: redis_asyncio.Redis, script: str) -> None:
        self.client = client
        self.script = script
        self.sha = hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 - Redis's script id
        self._calls: PerTurn[tuple[list[str], list[Any]], Any] = PerTurn(self._send)

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        return await self._calls((keys, args))

    async def answered(self) -> None:
        await self._calls.answered()

    async def _send(self, batch: list[tuple[list[str], list[Any]]]) -> list[Any]:
        results = await self._run(batch)
        missing = [i for i, result in enumerate(results) if isinstance(result, NoScriptError)]
        if missing:
            await self.client.script_load(self.script)
            again = await self._run([batch[i] for i in missing])
            for i, result in zip(missing, again, strict=True):
                results[i] = result
        return results

    async def _run(self, batch: list[tuple[list[str], list[Any]]]) -> list[Any]:
        pipe = self.client.pipeline(transaction=False)
        for keys, args in batch:
            pipe.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)
        return list(await pipe.execute(raise_on_error=False))


class RedisGate:
    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "xiaodian:flash:") -> None:
        self.client = client
        self.prefix = prefix
        self._take = Batched(client, _TAKE)
        self._count = client.register_script(_COUNTERS + "return 0")
        self._give_back = client.register_script(_GIVE_BACK)
        self._load = client.register_script(_LOAD)

    def keys(self, item_id: int) -> list[str]:
        """The item's stock counter and its shoppers' hash (one hash slot on a cluster)."""
        return [f"{self.prefix}{{{item_id}}}:stock", f"{self.prefix}{{{item_id}}}:users"]

    def loaded_key(self, item_id: int) -> str:
        """When the item's gate was last overwritten (`Load.UNLESS_SINCE`), on Redis's clock."""
        return f"{self.prefix}{{{item_id}}}:loaded"

    def counter_keys(self, item_id: int, counts: Sequence[Count]) -> list[str]:
        return [f"{self.prefix}{{{item_id}}}:rate:{one.name}" for one in counts]

    async def take(
        self,
        rule: Rule,
        *,
        user_id: int,
        quantity: int,
        now_ms: int,
        counts: Sequence[Count] = (),
    ) -> GateAnswer:
        if rule.ended:
            await self.count(rule.item_id, counts)
            return GateAnswer.ENDED
        code = int(
            await self._take(
                keys=self.keys(rule.item_id) + self.counter_keys(rule.item_id, counts),
                args=[
                    now_ms,
                    rule.starts_at_ms,
                    rule.ends_at_ms,
                    user_id,
                    quantity,
                    rule.per_user_limit,
                    rule.max_participants,
                    *_counter_args(counts),
                ],
            )
        )
        _over(counts, code)
        return _ANSWERS[code]

    async def count(self, item_id: int, counts: Sequence[Count]) -> None:
        if not counts:
            return
        # The counters' ARGV positions are the take script's: seven placeholders first.
        code = await self._count(
            keys=self.keys(item_id) + self.counter_keys(item_id, counts),
            args=[0] * 7 + _counter_args(counts),
        )
        _over(counts, int(code))

    async def give_back(self, item_id: int, *, user_id: int, quantity: int) -> None:
        await self._give_back(keys=self.keys(item_id), args=[user_id, quantity])

    async def load(
        self,
        item_id: int,
        snapshot: Snapshot,
        *,
        ttl_ms: int,
        mode: Load,
        since_ms: int = 0,
        release: tuple[int, int] | None = None,
    ) -> bool:
        released_user, released_units = release or (0, 0)
        args: list[int | str] = [
            snapshot.stock_left,
            mode.value,
            max(1, ttl_ms),
            since_ms,
            released_user,
            released_units,
        ]
        for user, units in snapshot.users.items():
            args += [user, units]
        keys = [*self.keys(item_id), self.loaded_key(item_id)]
        return bool(await self._load(keys=keys, args=args))

    async def now_ms(self) -> int:
        seconds, microseconds = await self.client.time()
        return int(seconds) * 1000 + int(microseconds) // 1000

    async def answered(self) -> None:
        await self._take.answered()

    async def stock_left(self, item_id: int) -> int | None:
        value = await self.client.get(self.keys(item_id)[0])
        return None if value is None else int(value)

    async def forget(self, item_id: int) -> None:
        await self.client.delete(*self.keys(item_id), self.loaded_key(item_id))


# ---- in-process ----


@dataclass
class _Held:
    stock: int
    users: dict[int, int] = field(default_factory=dict)

    def give_back(self, user_id: int, quantity: int) -> None:
        self.stock += quantity
        self.users[user_id] = max(0, self.users.get(user_id, 0) - quantity)


class MemoryGate:
    """The same rules for one process without Redis (no await between check and take)."""

    def __init__(self) -> None:
        self._items: dict[int, _Held] = {}
        self._counters: dict[tuple[int, str], tuple[float, int]] = {}

    async def count(self, item_id: int, counts: Sequence[Count]) -> None:
        moment = time.monotonic()
        if len(self._counters) > 100_000:
            self._counters = {k: v for k, v in self._counters.items() if v[0] > moment}
        for one in counts:
            key = (item_id, one.name)
            expires, hits = self._counters.get(key, (0.0, 0))
            if expires <= moment:
                expires, hits = moment + one.ttl_ms / 1000, 0
            self._counters[key] = (expires, hits + 1)
            if hits + 1 > one.limit:
                raise RateLimited(TOO_FAST, retry_after_seconds=one.retry_after_seconds)

    async def take(
        self,
        rule: Rule,
        *,
        user_id: int,
        quantity: int,
        now_ms: int,
        counts: Sequence[Count] = (),
    ) -> GateAnswer:
        await self.count(rule.item_id, counts)
        if rule.ended:
            return GateAnswer.ENDED
        if now_ms < rule.starts_at_ms:
            return GateAnswer.NOT_STARTED
        if now_ms >= rule.ends_at_ms:
            return GateAnswer.ENDED
        held = self._items.get(rule.item_id)
        if held is None:
            return GateAnswer.COLD
        had = held.users.get(user_id)
        if (had or 0) + quantity > rule.per_user_limit:
            return GateAnswer.LIMIT_REACHED
        if held.stock < quantity:
            return GateAnswer.SOLD_OUT
        if had is None and rule.max_participants and len(held.users) >= rule.max_participants:
            return GateAnswer.FULL
        held.stock -= quantity
        held.users[user_id] = (had or 0) + quantity
        return GateAnswer.TAKEN

    async def give_back(self, item_id: int, *, user_id: int, quantity: int) -> None:
        held = self._items.get(item_id)
        if held is not None:
            held.give_back(user_id, quantity)

    async def load(
        self,
        item_id: int,
        snapshot: Snapshot,
        *,
        ttl_ms: int,
        mode: Load,
        since_ms: int = 0,
        release: tuple[int, int] | None = None,
    ) -> bool:
        held = self._items.get(item_id)
        # Only this process ever loads its memory, after it started: UNLESS_SINCE keeps it.
        if held is not None and mode in (Load.IF_COLD, Load.UNLESS_SINCE):
            return False
        if held is not None and mode == Load.TIGHTEN:
            if release is not None:
                held.give_back(*release)
            held.stock = min(held.stock, snapshot.stock_left)
            for user, units in snapshot.users.items():
                held.users[user] = max(held.users.get(user, 0), units)
            return True
        self._items[item_id] = _Held(stock=snapshot.stock_left, users=dict(snapshot.users))
        return True

    async def now_ms(self) -> int:
        return int(time.time() * 1000)

    async def answered(self) -> None:
        return None  # every take is answered when made

    async def stock_left(self, item_id: int) -> int | None:
        held = self._items.get(item_id)
        return None if held is None else held.stock

    async def forget(self, item_id: int) -> None:
        self._items.pop(item_id, None)
