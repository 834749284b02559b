"""Merchant callers: a signed-in merchant account or an API key with scopes."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.errors import Forbidden
from xiaodian.core.security import hash_token
from xiaodian.models import ApiKey

log = logging.getLogger(__name__)

KEY_PREFIX = "xdk_"
LAST_USED_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key (it is shown, not audited)."""


class Scope(StrEnum):
    """What an API key may do (a merchant account's token may do all of it)."""

    STOCK_WRITE = "stock:write"
    ORDERS_READ = "orders:read"
    CATALOG_READ = "catalog:read"


class ScopeMissing(Forbidden):
    code = "scope_missing"
    default_message = "API 密钥没有这项权限"


@dataclass(frozen=True)
class Merchant:
    """Who is calling the merchant API: `admin_id` for an account, `key_id` for an API key."""

    admin_id: int | None
    key_id: int | None
    scopes: frozenset[str]

    @property
    def principal(self) -> str:
        return f"key:{self.key_id}" if self.key_id is not None else f"admin:{self.admin_id}"

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise ScopeMissing(f"API 密钥没有 {scope} 权限", scope=str(scope))


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def resolve_key(session: AsyncSession, token: str) -> ApiKey | None:
    """The live (not revoked) key behind `token`, or None."""
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(token)))
    if key is None or key.revoked_at is not None:
        return None
    return key


_recording: set[asyncio.Task[None]] = set()


def record_use(context: AppContext, key: ApiKey) -> None:
    """Write the key's last use in a transaction of its own, in the background, at most once a
    minute (never in the request's transaction: a read must stay a read)."""
    now = clock.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return

    async def write() -> None:
        try:
            async with context.db.transaction() as session:
                await session.execute(
                    update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now)
                )
        except Exception:
            log.warning("could not record the use of API key %s", key.id, exc_info=True)

    task = asyncio.get_running_loop().create_task(write())
    _recording.add(task)
    task.add_done_callback(_recording.discard)
