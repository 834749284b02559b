"""A shopper token's user id mirrored in Redis, for the one step that must not wait for the
database: the flash gate, which only counts and refuses (an order's own transaction resolves
the token from the database again, so a revoked or expired token never buys).

Written when the token is issued at sign-in, kept for `MIRROR_SECONDS`; a token seen after
that is resolved from the database once and mirrored again. Without Redis there is nothing to
share between processes and each process keeps its own memory (`flash.runtime`)."""

from __future__ import annotations

import logging

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

from xiaodian.core.turns import PerTurn

log = logging.getLogger(__name__)

MIRROR_SECONDS = 6 * 3600
_PREFIX = "xiaodian:identity:"
_readers: dict[int, tuple[redis_asyncio.Redis, PerTurn[str, bytes | str | None]]] = {}


def _reader(client: redis_asyncio.Redis) -> PerTurn[str, bytes | str | None]:
    entry = _readers.get(id(client))
    if entry is None or entry[0] is not client:

        async def mget(keys: list[str]) -> list[bytes | str | None]:
            return list(await client.mget(keys))

        entry = (client, PerTurn(mget))
        _readers[id(client)] = entry
    return entry[1]


async def remember(client: redis_asyncio.Redis | None, token_hash: str, user_id: int) -> None:
    """Mirror the token's shopper (best effort: a Redis outage only costs a database read)."""
    if client is None:
        return
    try:
        await client.set(_PREFIX + token_hash, user_id, ex=MIRROR_SECONDS)
    except RedisError as error:
        log.warning("identity mirror not written: %s", type(error).__name__)


async def recall(client: redis_asyncio.Redis | None, token_hash: str) -> int | None:
    """The mirrored shopper id of the token, or None (not mirrored, or Redis away). The
    recalls of one turn of the event loop are one MGET (a crowd's first requests to a process
    each ask this: alone they were a worker's busiest Redis calls at a flash sale's start)."""
    if client is None:
        return None
    try:
        value = await _reader(client)(_PREFIX + token_hash)
    except RedisError as error:
        log.warning("identity mirror not read: %s", type(error).__name__)
        return None
    return int(value) if value is not None else None


async def forget(client: redis_asyncio.Redis | None, token_hash: str) -> None:
    """Drop the mirror of a revoked token (best effort: the gate is not the last check)."""
    if client is None:
        return
    try:
        await client.delete(_PREFIX + token_hash)
    except RedisError as error:
        log.warning("identity mirror not dropped: %s", type(error).__name__)
