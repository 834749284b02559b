"""Bulk stock in the operation log: `PUT /stock` and `POST /stock/adjust` by an API key (named
as the one who wrote) or a merchant account holding 改价格/库存, each SKU old → new, the caller's
address; a refused or replayed request leaves no entry."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from tests.sync.test_stock_api import _coded_goods, _key
from xiaodian.context import AppContext
from xiaodian.models import OperationLog

API = "/api/admin/v1"


async def _entries(context: AppContext) -> list[OperationLog]:
    async with context.db.transaction(write=False) as session:
        rows = await session.scalars(
            select(OperationLog)
            .where(OperationLog.action.in_(["stock.set", "stock.adjust"]))
            .order_by(OperationLog.id)
        )
        return list(rows)


async def _search(client: httpx.AsyncClient, owner: dict[str, str], **query: Any) -> Any:
    found = await client.get(f"{API}/operation-logs", headers=owner, params=query)
    assert found.status_code == 200, found.text
    return found.json()


async def test_an_api_key_write_names_the_key_and_each_changed_sku(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    key_id = (await client.get(f"{API}/api-keys", headers=owner)).json()[0]["id"]
    ids = await _coded_goods(context, A1=5, A2=7)
    put = await client.put(
        f"{API}/stock",
        headers={**key, "User-Agent": "erp-sync/2.1"},
        json={"items": [{"sku_code": "A1", "stock": 9}, {"sku_id": ids["A2"], "stock": 7}]},
    )
    assert put.status_code == 200, put.text
    [entry] = await _entries(context)
    assert (entry.admin_id, entry.admin_name) == (None, f"API 密钥 #{key_id} ERP")
    assert (entry.action, entry.source, entry.user_agent) == ("stock.set", "api", "erp-sync/2.1")
    assert entry.ip and entry.target_type == "sku"
    assert entry.changes == [{"field": f"sku[{ids['A1']}].stock", "old": 5, "new": 9}]
    assert entry.summary == "1 个 SKU 改了库存（共 2 行）"
    # Found in 操作日志 by the key's name, as any other entry is by its account's.
    page = await _search(client, owner, q="ERP", action="stock.set")
    assert [item["admin_name"] for item in page["items"]] == [f"API 密钥 #{key_id} ERP"]
    assert (await _search(client, owner, q="API 密钥"))["total"] == 1


async def test_an_adjust_by_an_account_is_logged_once_and_a_refused_one_not_at_all(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    ids = await _coded_goods(context, B1=3, B2=4)
    body = {"items": [{"sku_code": "B1", "delta": 2}, {"sku_code": "B2", "delta": -4}]}
    request_key = {**owner, "Idempotency-Key": "sync-2026-12-01-1"}
    first = await client.post(f"{API}/stock/adjust", headers=request_key, json=body)
    assert first.status_code == 200, first.text
    replayed = await client.post(f"{API}/stock/adjust", headers=request_key, json=body)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    short = await client.post(
        f"{API}/stock/adjust", headers=owner, json={"items": [{"sku_code": "B2", "delta": -1}]}
    )
    assert short.status_code == 409, short.text
    [entry] = await _entries(context)
    assert (entry.admin_name, entry.action, entry.source) == ("owner", "stock.adjust", "api")
    assert entry.admin_id is not None
    assert entry.changes == [
        {"field": f"sku[{ids['B1']}].stock", "old": 3, "new": 5},
        {"field": f"sku[{ids['B2']}].stock", "old": 4, "new": 0},
    ]
    assert "Idempotency-Key sync-2026-12-01-1" in entry.summary


async def test_an_account_without_prices_and_stock_cannot_write_stock_in_bulk(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.merchant(client, context)
    service = await factories.merchant(client, context, username="kefu", role="service")
    ids = await _coded_goods(context, C1=3)
    for method, path, line in (
        ("PUT", "/stock", {"sku_id": ids["C1"], "stock": 1}),
        ("POST", "/stock/adjust", {"sku_id": ids["C1"], "delta": 1}),
    ):
        refused = await client.request(
            method, f"{API}{path}", headers=service, json={"items": [line]}
        )
        assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    assert await _entries(context) == []
