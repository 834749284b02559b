"""API keys, and stock set or adjusted in bulk by the merchant's own systems.

Absolute stock (`PUT /stock`) is what each SKU can sell from now: units held by unpaid orders
are already out of `skus.stock`, so they stay held, and if such an order closes they come back
on top of the number set. Both bulk calls lock their SKUs in id order, decide every line before
changing any, and change stock through `inventory` in one transaction: all lines or none.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.scopes import KEY_PREFIX
from xiaodian.core import clock
from xiaodian.core.security import hash_token
from xiaodian.inventory import service as inventory
from xiaodian.inventory.errors import StockNegative
from xiaodian.models import ApiKey, MerchantRequest, Sku
from xiaodian.sync.errors import (
    ApiKeyNotFound,
    StockLinesInvalid,
    StockLinesNegative,
    StockRequestReused,
)
from xiaodian.sync.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    StockAdjustLine,
    StockLineOut,
    StockResult,
    StockSetLine,
)

# ---- API keys ----


async def create_key(session: AsyncSession, *, data: ApiKeyIn, admin_id: int) -> ApiKeyCreated:
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=data.name,
        prefix=plain[:12],
        key_hash=hash_token(plain),
        scopes=sorted({str(scope) for scope in data.scopes}),
        created_by=admin_id,
    )
    session.add(key)
    await session.flush()
    return ApiKeyCreated(
        **ApiKeyOut.model_validate(key, from_attributes=True).model_dump(), key=plain
    )


async def list_keys(session: AsyncSession) -> list[ApiKeyOut]:
    rows = await session.scalars(select(ApiKey).order_by(ApiKey.id.desc()))
    return [ApiKeyOut.model_validate(key, from_attributes=True) for key in rows]


async def revoke_key(session: AsyncSession, *, key_id: int) -> ApiKeyOut:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise ApiKeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        await session.flush()
    return ApiKeyOut.model_validate(key, from_attributes=True)


# ---- idempotent requests ----


def fingerprint(kind: str, body: Any) -> str:
    canonical = json.dumps({"kind": kind, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def idempotent(
    session: AsyncSession,
    *,
    principal: str,
    key: str | None,
    request_hash: str,
    run: Callable[[], Awaitable[StockResult]],
) -> tuple[StockResult, bool]:
    """Run once per (caller, key): a retry with the same body gets the first answer (True as
    the second value), a different body is refused. The claim row is inserted first, so a
    concurrent duplicate waits on its unique index until this transaction ends. A refused
    request rolls back with its claim: retrying it runs it again."""
    if key is None:
        return await run(), False
    condition = (MerchantRequest.principal == principal, MerchantRequest.key == key)
    existing = await session.scalar(select(MerchantRequest).where(*condition))
    if existing is None:
        claim = MerchantRequest(principal=principal, key=key, request_hash=request_hash)
        try:
            async with session.begin_nested():
                session.add(claim)
                await session.flush()
        except IntegrityError:
            existing = await session.scalar(
                select(MerchantRequest).where(*condition).execution_options(populate_existing=True)
            )
            if existing is None:
                raise
        else:
            result = await run()
            claim.status_code = 200
            claim.response = result.model_dump(mode="json")
            await session.flush()
            return result, False
    if existing.request_hash != request_hash or existing.response is None:
        raise StockRequestReused()
    return StockResult.model_validate(existing.response), True


# ---- bulk stock ----


def _named(line: StockSetLine | StockAdjustLine) -> dict[str, Any]:
    return {"sku_id": line.sku_id} if line.sku_id is not None else {"sku_code": line.sku_code}


async def _resolve(
    session: AsyncSession, lines: Sequence[StockSetLine | StockAdjustLine]
) -> list[Sku]:
    """Each line's SKU, locked (in id order); StockLinesInvalid lists every line that names
    none, an ambiguous code, or a SKU another line names too."""
    ids = {line.sku_id for line in lines if line.sku_id is not None}
    codes = {line.sku_code for line in lines if line.sku_code is not None}
    rows = (
        await session.scalars(
            select(Sku)
            .where(or_(Sku.id.in_(ids), Sku.code.in_(codes)))
            .order_by(Sku.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    by_id = {sku.id: sku for sku in rows}
    by_code: dict[str, list[Sku]] = {}
    for row in rows:
        if row.code:
            by_code.setdefault(row.code, []).append(row)
    found: list[Sku] = []
    problems: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        sku: Sku | None
        if line.sku_id is not None:
            sku = by_id.get(line.sku_id)
            if sku is None:
                problems.append(
                    {
                        "index": index,
                        **_named(line),
                        "error": "sku_not_found",
                        "message": "SKU 不存在",
                    }
                )
                continue
        else:
            matches = by_code.get(line.sku_code or "", [])
            if len(matches) != 1:
                error, message = (
                    ("sku_not_found", "没有这个 SKU 编码")
                    if not matches
                    else ("sku_code_ambiguous", "多个 SKU 使用这个编码")
                )
                problems.append(
                    {"index": index, **_named(line), "error": error, "message": message}
                )
                continue
            sku = matches[0]
        if sku.id in seen:
            problems.append(
                {
                    "index": index,
                    **_named(line),
                    "error": "duplicate_sku",
                    "message": f"与第 {seen[sku.id] + 1} 行是同一个 SKU",
                }
            )
            continue
        seen[sku.id] = index
        found.append(sku)
    if problems:
        raise StockLinesInvalid(lines=problems)
    return found


def _out(sku: Sku, was: int, now: int) -> StockLineOut:
    return StockLineOut(
        sku_id=sku.id, sku_code=sku.code, goods_id=sku.goods_id, stock_was=was, stock=now
    )


async def set_stock(session: AsyncSession, lines: Sequence[StockSetLine]) -> StockResult:
    skus = await _resolve(session, lines)
    wanted = {
        sku.id: line.stock for sku, line in zip(skus, lines, strict=True) if sku.stock != line.stock
    }
    items = [_out(sku, sku.stock, line.stock) for sku, line in zip(skus, lines, strict=True)]
    if wanted:
        await inventory.set_available(session, wanted)
    return StockResult(items=items, changed=len(wanted))


async def adjust_stock(session: AsyncSession, lines: Sequence[StockAdjustLine]) -> StockResult:
    skus = await _resolve(session, lines)
    short = [
        {"index": index, **_named(line), "sku_id": sku.id, "stock": sku.stock, "delta": line.delta}
        for index, (sku, line) in enumerate(zip(skus, lines, strict=True))
        if sku.stock + line.delta < 0
    ]
    if short:
        raise StockLinesNegative(lines=short)
    deltas = {sku.id: line.delta for sku, line in zip(skus, lines, strict=True) if line.delta}
    try:
        await inventory.adjust(session, deltas)
    except StockNegative as error:  # the conditional update has the final say
        raise StockLinesNegative(lines=[{"sku_id": error.details.get("sku_id")}]) from error
    items = [
        _out(sku, sku.stock, sku.stock + line.delta) for sku, line in zip(skus, lines, strict=True)
    ]
    return StockResult(items=items, changed=len(deltas))
