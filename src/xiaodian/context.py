"""Everything a request or a job needs besides its session: settings, database, cache, bus."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import redis.asyncio as redis_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.config import Settings
from xiaodian.core.bus import Bus, MemoryBus, RedisBus
from xiaodian.core.cache import Cache, MemoryCache, RedisCache
from xiaodian.core.db import Database
from xiaodian.core.nearcache import NearCache

OUTBOX_WAKE_CHANNEL = "outbox.wake"


@dataclass
class AppContext:
    settings: Settings
    db: Database
    cache: Cache
    bus: Bus
    near_cache: NearCache
    http: httpx.AsyncClient
    """Outbound calls (WeChat, Alipay, AMap); tests may route it to the simulator in-process."""
    redis: redis_asyncio.Redis | None = None
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set after a commit wrote outbox entries, so a drainer in this process runs at once."""

    @classmethod
    def create(cls, settings: Settings, *, http: httpx.AsyncClient | None = None) -> AppContext:
        db = Database(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
        )
        cache: Cache
        bus: Bus
        redis_client: redis_asyncio.Redis | None = None
        if settings.redis_url:
            redis_client = redis_asyncio.Redis.from_url(settings.redis_url)
            cache = RedisCache(redis_client)
            bus = RedisBus(redis_client)
        else:
            cache = MemoryCache()
            bus = MemoryBus()
        near_cache = NearCache(bus, ttl_seconds=settings.catalog_cache_seconds)
        client = http or httpx.AsyncClient(
            timeout=httpx.Timeout(settings.http_timeout_seconds), trust_env=False
        )
        context = cls(
            settings=settings,
            db=db,
            cache=cache,
            bus=bus,
            near_cache=near_cache,
            http=client,
            redis=redis_client,
        )
        db.session_info["context"] = context
        return context

    @staticmethod
    def of(session: AsyncSession) -> AppContext:
        """The context a session was opened by (for work that must follow its commit)."""
        context = session.info.get("context")
        if not isinstance(context, AppContext):
            raise RuntimeError("session was not opened through an AppContext's database")
        return context

    async def wake_outbox(self) -> None:
        """A commit wrote outbox entries: wake this process's drainer and, through the bus,
        the worker's (which may be another process)."""
        self.outbox_wakeup.set()
        if not self.settings.drains_outbox_in_process:
            await self.bus.publish(OUTBOX_WAKE_CHANNEL, {})

    async def start(self) -> None:
        self.bus.subscribe(OUTBOX_WAKE_CHANNEL, self._on_outbox_wake)
        await self.bus.start()

    async def _on_outbox_wake(self, _message: dict[str, object]) -> None:
        self.outbox_wakeup.set()

    async def close(self) -> None:
        await self.bus.stop()
        await self.http.aclose()
        await self.cache.close()
        await self.db.dispose()
