"""Writing and searching the operation log.

A merchant write records one row in the write's own transaction (so a rolled-back write leaves
no entry, and a committed one always has its entry): who (account id and username, or the API
key a machine client used: no account id, "API 密钥 #<id> <name>" as the name), when, the
action and its target, what changed as `old → new` per field (`diff` of the target before and
after), and from where (API or console, client address, user agent). Secrets are never logged:
fields whose names say password/secret/key/cert are written as changed, not as their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.ratelimit import client_address
from xiaodian.models import AdminUser, ApiKey, OperationLog
from xiaodian.oplog.schemas import LogEntryOut, LogPage, LogQuery
from xiaodian.oplog.vocabulary import Action, Source

MAX_VALUE_CHARS = 200
MAX_CHANGES = 100
SECRET_WORDS = ("password", "secret", "key", "cert", "private", "token")
IGNORED = frozenset({"updated_at", "created_at", "stock_hint", "sales"})
HIDDEN = "（已修改，内容不记录）"


@dataclass(frozen=True)
class Origin:
    """Where a write came from."""

    source: Source
    ip: str = ""
    user_agent: str = ""


def origin_of(request: Request, source: Source) -> Origin:
    return Origin(
        source=source,
        ip=client_address(request)[:64],
        user_agent=request.headers.get("user-agent", "")[:255],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    value = _plain(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if key in IGNORED:
                continue
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            # SKUs and lines are named by their id when they have one, so a reorder is no change
            name = item.get("id", index) if isinstance(item, dict) else index
            _flatten(item, f"{prefix}[{name}]", out)
    else:
        out[prefix] = value


def _secret(field: str) -> bool:
    last = field.rsplit(".", 1)[-1].lower()
    return any(word in last for word in SECRET_WORDS)


def _show(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + "…"
    if isinstance(value, list):
        return _show(", ".join(str(v) for v in value))
    return value


def diff(before: Any, after: Any) -> list[dict[str, Any]]:
    """Each field whose value differs, as `{"field", "old", "new"}` (None when absent)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    changes = []
    for field in sorted(old.keys() | new.keys()):
        was, now = old.get(field), new.get(field)
        if was == now:
            continue
        if _secret(field):
            changes.append({"field": field, "old": None, "new": HIDDEN})
        else:
            changes.append({"field": field, "old": _show(was), "new": _show(now)})
    return changes[:MAX_CHANGES]


def key_actor(key: ApiKey) -> str:
    """How an API key is named as the one who wrote (`admin_name`; `admin_id` stays empty):
    its id first, so a long name cannot cut it off; searchable as "API 密钥" or by the name."""
    return f"API 密钥 #{key.id} {key.name}"[:64]


async def record(
    session: AsyncSession,
    *,
    admin: AdminUser | ApiKey,
    origin: Origin,
    action: Action,
    target_type: str,
    target_id: object = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """Add one entry to the log in `session`'s transaction; `admin` is the merchant account
    that wrote, or the API key a machine client wrote with."""
    session.add(
        OperationLog(
            admin_id=admin.id if isinstance(admin, AdminUser) else None,
            admin_name=key_actor(admin) if isinstance(admin, ApiKey) else admin.username,
            action=action,
            target_type=target_type,
            target_id=str(target_id)[:64],
            summary=summary[:255],
            changes=changes if changes is not None else diff(before, after),
            source=origin.source,
            ip=origin.ip,
            user_agent=origin.user_agent,
            created_at=clock.now(),
        )
    )
    await session.flush()


async def search(session: AsyncSession, query: LogQuery) -> LogPage:
    conditions = []
    if query.admin_id is not None:
        conditions.append(OperationLog.admin_id == query.admin_id)
    if query.action:
        conditions.append(OperationLog.action == query.action)
    if query.target_type:
        conditions.append(OperationLog.target_type == query.target_type)
    if query.target_id:
        conditions.append(OperationLog.target_id == query.target_id)
    if query.created_from is not None:
        conditions.append(OperationLog.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(OperationLog.created_at < query.created_to)
    if query.q:
        like = f"%{query.q}%"
        conditions.append(
            or_(
                OperationLog.summary.like(like),
                OperationLog.admin_name.like(like),
                OperationLog.target_id == query.q,
            )
        )
    total = await session.scalar(select(func.count(OperationLog.id)).where(*conditions)) or 0
    rows = await session.scalars(
        select(OperationLog)
        .where(*conditions)
        .order_by(OperationLog.id.desc())
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )
    return LogPage(
        items=[LogEntryOut.model_validate(row) for row in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


async def purge(session: AsyncSession, *, keep_days: int) -> int:
    """Delete entries older than `keep_days` (the settings never allow fewer than 180)."""
    cutoff = clock.now() - timedelta(days=keep_days)
    result = await session.execute(delete(OperationLog).where(OperationLog.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def _api_origin(request: Request) -> Origin:
    return origin_of(request, Source.API)


def _console_origin(request: Request) -> Origin:
    return origin_of(request, Source.CONSOLE)


ApiOrigin = Annotated[Origin, Depends(_api_origin)]
ConsoleOrigin = Annotated[Origin, Depends(_console_origin)]
