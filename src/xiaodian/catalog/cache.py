"""The catalog's cache namespace and how writes invalidate it (after their commit)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.db import after_commit
from xiaodian.core.nearcache import NearCache

NAMESPACE = "catalog"


def invalidate_after_commit(session: AsyncSession, near_cache: NearCache) -> None:
    """Every cached catalog answer is forgotten, in every process, once this commits."""
    if session.info.get("catalog_invalidation_queued"):
        return
    session.info["catalog_invalidation_queued"] = True

    async def forget() -> None:
        await near_cache.invalidate(NAMESPACE)

    after_commit(session, forget)
