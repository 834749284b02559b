"""The log's retention sweep."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.oplog.service import purge


async def purge_operation_log(context: AppContext) -> int:
    async with context.db.transaction() as session:
        return await purge(session, keep_days=context.settings.operation_log_keep_days)
