"""Per-process state of the flash sale: the gate, the items' rules cached for a moment, the
cached public listing, and which items this process has already synced from the database."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

from xiaodian.context import AppContext
from xiaodian.flash.gate import Gate, MemoryGate, RedisGate, Rule
from xiaodian.flash.placer import Placer

RULE_SECONDS = 2.0
"""How long a process trusts an item's cached rule (edits reach other processes this fast;
the database checks the window and the limits again on every order)."""
LISTING_SECONDS = 1.0
PLACING_AT_ONCE = 2
"""Groups of one item's flash orders this process places at once (`service._placer`), each
in its own transaction (so on its own database connection)."""
PLACING_MOST = 50
"""The most orders placed together in one transaction."""
IDENTITY_SECONDS = 30.0
"""How long a process remembers which shopper a token belongs to, for the gate step only:
an order's own transaction resolves the token again (a revoked token never buys)."""


@dataclass
class Runtime:
    gate: Gate
    rules: dict[int, tuple[float, Rule]] = field(default_factory=dict)
    loading: dict[int, asyncio.Future[Rule]] = field(default_factory=dict)
    """Rule reads on their way (`service.rule_of`)."""
    synced: set[int] = field(default_factory=set)
    locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    placers: dict[int, Placer[Any, Any]] = field(default_factory=dict)
    """Each item's group placements (`service._placer`)."""
    listing: tuple[float, bytes] | None = None
    identities: dict[str, tuple[float, int]] = field(default_factory=dict)
    started_ms: int | None = None
    """When this process started, on the gate's clock (`note_start`); None: not known, so the
    first serve of an item overwrites the gate."""

    def identity(self, token_hash: str) -> int | None:
        entry = self.identities.get(token_hash)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def keep_identity(self, token_hash: str, user_id: int) -> None:
        if len(self.identities) > 200_000:
            self.identities.clear()
        self.identities[token_hash] = (time.monotonic() + IDENTITY_SECONDS, user_id)

    def rule(self, item_id: int) -> Rule | None:
        entry = self.rules.get(item_id)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def keep_rule(self, rule: Rule) -> None:
        self.rules[rule.item_id] = (time.monotonic() + RULE_SECONDS, rule)

    def lock(self, item_id: int) -> asyncio.Lock:
        return self.locks.setdefault(item_id, asyncio.Lock())

    def forget(self, item_ids: list[int] | None = None) -> None:
        """Drop cached rules (all, or these items') and the listing."""
        if item_ids is None:
            self.rules.clear()
            self.loading.clear()
        else:
            for item_id in item_ids:
                self.rules.pop(item_id, None)
                self.loading.pop(item_id, None)
        self.listing = None


_runtimes: dict[int, tuple[AppContext, Runtime]] = {}


def runtime(context: AppContext) -> Runtime:
    entry = _runtimes.get(id(context))
    if entry is None or entry[0] is not context:
        gate: Gate = RedisGate(context.redis) if context.redis is not None else MemoryGate()
        entry = (context, Runtime(gate=gate))
        _runtimes[id(context)] = entry
    return entry[1]


async def note_start(context: AppContext) -> None:
    """Remember when this process started, so its first serve of an item need not overwrite
    a gate that a sibling already loaded after it (`service.pass_gate`). Without an answer
    from the gate's clock, every first serve overwrites, as before."""
    state = runtime(context)
    try:
        state.started_ms = await state.gate.now_ms()
    except (RedisError, OSError):
        state.started_ms = None


def reset(context: AppContext) -> Runtime:
    """A fresh runtime for the context (tests: a wiped database starts ids again)."""
    _runtimes.pop(id(context), None)
    return runtime(context)
