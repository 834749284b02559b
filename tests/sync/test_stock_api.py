"""The merchant's own system over the merchant API: API keys with scopes, bulk stock set and
adjust in one transaction, Idempotency-Key, and units held by unpaid orders."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import select, update

from tests import factories
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.models import OperationLog, Sku


async def _key(client: httpx.AsyncClient, owner: dict[str, str], *scopes: str) -> dict[str, str]:
    created = await client.post(
        "/api/admin/v1/api-keys", headers=owner, json={"name": "ERP", "scopes": list(scopes)}
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['key']}"}


async def _coded_goods(context: AppContext, **codes_and_stock: int) -> dict[str, int]:
    """One goods item with a SKU per code: {code: sku_id}."""
    goods = await factories.make_goods(
        context, stock=0, specs={"规格": list(codes_and_stock)}, title="编码商品"
    )
    ids = dict(zip(codes_and_stock, goods["sku_ids"], strict=True))
    async with context.db.transaction() as session:
        for code, sku_id in ids.items():
            await session.execute(
                update(Sku).where(Sku.id == sku_id).values(code=code, stock=codes_and_stock[code])
            )
    return ids


async def _stocks(client: httpx.AsyncClient, owner: dict[str, str], ids: dict[str, int]) -> Any:
    goods = (await client.get("/api/admin/v1/goods", headers=owner)).json()["items"]
    by_id = {sku["id"]: sku["stock"] for item in goods for sku in item["skus"]}
    return {code: by_id[sku_id] for code, sku_id in ids.items()}


async def test_keys_are_shown_once_stored_hashed_scoped_and_revocable(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    created = (
        await client.post(
            "/api/admin/v1/api-keys",
            headers=owner,
            json={"name": "仓库系统", "scopes": ["stock:write"]},
        )
    ).json()
    assert created["key"].startswith("xdk_") and created["prefix"] == created["key"][:12]
    listed = (await client.get("/api/admin/v1/api-keys", headers=owner)).json()
    assert [(k["name"], k["scopes"], k["last_used_at"]) for k in listed] == [
        ("仓库系统", ["stock:write"], None)
    ]
    assert "key" not in listed[0]
    key = {"Authorization": f"Bearer {created['key']}"}
    ids = await _coded_goods(context, A1=5)
    put = await client.put(
        "/api/admin/v1/stock", headers=key, json={"items": [{"sku_code": "A1", "stock": 9}]}
    )
    assert put.status_code == 200, put.text

    async def used() -> bool:
        keys = (await client.get("/api/admin/v1/api-keys", headers=owner)).json()
        return keys[0]["last_used_at"] is not None

    await until(used, "the key's last use to be recorded", seconds=5)
    # A key is not a merchant account: it cannot read what it has no scope for, nor manage keys.
    orders = await client.get("/api/admin/v1/api-keys", headers=key)
    assert orders.status_code == 401
    revoked = await client.delete(f"/api/admin/v1/api-keys/{created['id']}", headers=owner)
    assert revoked.json()["revoked_at"] is not None
    refused = await client.put(
        "/api/admin/v1/stock", headers=key, json={"items": [{"sku_id": ids["A1"], "stock": 1}]}
    )
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")
    assert (await _stocks(client, owner, ids)) == {"A1": 9}


async def test_a_key_without_stock_write_cannot_write_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    reader = await _key(client, owner, "orders:read", "catalog:read")
    ids = await _coded_goods(context, B1=5)
    refused = await client.put(
        "/api/admin/v1/stock", headers=reader, json={"items": [{"sku_id": ids["B1"], "stock": 1}]}
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "scope_missing")
    forged = await client.put(
        "/api/admin/v1/stock",
        headers={"Authorization": "Bearer xdk_not-a-key"},
        json={"items": [{"sku_id": ids["B1"], "stock": 1}]},
    )
    assert forged.status_code == 401
    bad_scope = await client.post(
        "/api/admin/v1/api-keys", headers=owner, json={"name": "x", "scopes": ["root"]}
    )
    assert bad_scope.status_code == 422
    staff = await factories.merchant(client, context, username="staff1", role="staff")
    assert (await client.get("/api/admin/v1/api-keys", headers=staff)).status_code == 403
    assert (await _stocks(client, owner, ids)) == {"B1": 5}


async def test_bulk_set_is_one_transaction_and_names_every_bad_line(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    ids = await _coded_goods(context, C1=1, C2=2, C3=3)
    refused = await client.put(
        "/api/admin/v1/stock",
        headers=key,
        json={
            "items": [
                {"sku_code": "C1", "stock": 10},
                {"sku_code": "NOPE", "stock": 10},
                {"sku_id": ids["C1"], "stock": 11},
                {"sku_id": 999_999, "stock": 1},
            ]
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "stock_lines_invalid"
    assert [(line["index"], line["error"]) for line in refused.json()["details"]["lines"]] == [
        (1, "sku_not_found"),
        (2, "duplicate_sku"),
        (3, "sku_not_found"),
    ]
    assert (await _stocks(client, owner, ids)) == {"C1": 1, "C2": 2, "C3": 3}
    applied = await client.put(
        "/api/admin/v1/stock",
        headers=key,
        json={"items": [{"sku_code": "C1", "stock": 10}, {"sku_id": ids["C2"], "stock": 2}]},
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["changed"] == 1
    assert [(i["sku_code"], i["stock_was"], i["stock"]) for i in applied.json()["items"]] == [
        ("C1", 1, 10),
        ("C2", 2, 2),
    ]
    assert (await _stocks(client, owner, ids)) == {"C1": 10, "C2": 2, "C3": 3}
    too_many = await client.put(
        "/api/admin/v1/stock",
        headers=key,
        json={"items": [{"sku_id": ids["C1"], "stock": 1}] * 1001},
    )
    assert too_many.status_code == 422


async def test_adjust_below_zero_is_refused_whole_with_the_offending_lines(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    ids = await _coded_goods(context, D1=5, D2=1, D3=0)
    refused = await client.post(
        "/api/admin/v1/stock/adjust",
        headers=key,
        json={
            "items": [
                {"sku_code": "D1", "delta": -2},
                {"sku_code": "D2", "delta": -3},
                {"sku_code": "D3", "delta": -1},
            ]
        },
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "stock_lines_negative")
    assert [
        (line["index"], line["stock"], line["delta"]) for line in refused.json()["details"]["lines"]
    ] == [(1, 1, -3), (2, 0, -1)]
    assert (await _stocks(client, owner, ids)) == {"D1": 5, "D2": 1, "D3": 0}
    applied = await client.post(
        "/api/admin/v1/stock/adjust",
        headers=key,
        json={"items": [{"sku_code": "D1", "delta": -2}, {"sku_code": "D3", "delta": 4}]},
    )
    assert applied.status_code == 200, applied.text
    assert (await _stocks(client, owner, ids)) == {"D1": 3, "D2": 1, "D3": 4}


async def test_an_idempotency_key_applies_a_request_once(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    ids = await _coded_goods(context, E1=10)
    body = {"items": [{"sku_code": "E1", "delta": -3}]}
    headers = {**key, "Idempotency-Key": "erp-batch-0001"}
    first, second = await asyncio.gather(
        client.post("/api/admin/v1/stock/adjust", headers=headers, json=body),
        client.post("/api/admin/v1/stock/adjust", headers=headers, json=body),
    )
    assert {first.status_code, second.status_code} == {200}
    assert first.json() == second.json()
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    assert (await _stocks(client, owner, ids)) == {"E1": 7}
    again = await client.post("/api/admin/v1/stock/adjust", headers=headers, json=body)
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(
        "/api/admin/v1/stock/adjust",
        headers=headers,
        json={"items": [{"sku_code": "E1", "delta": -1}]},
    )
    assert (other.status_code, other.json()["error"]) == (422, "stock_request_reused")
    bad = await client.put(
        "/api/admin/v1/stock",
        headers={**key, "Idempotency-Key": "has space"},
        json={"items": [{"sku_code": "E1", "stock": 1}]},
    )
    assert (bad.status_code, bad.json()["error"]) == (400, "stock_request_key_invalid")
    # Another caller's key of the same name is its own.
    mine = await client.post(
        "/api/admin/v1/stock/adjust",
        headers={**owner, "Idempotency-Key": "erp-batch-0001"},
        json=body,
    )
    assert mine.status_code == 200 and "Idempotent-Replayed" not in mine.headers
    assert (await _stocks(client, owner, ids)) == {"E1": 4}


async def test_absolute_stock_is_what_can_be_sold_now_held_units_stay_held(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    ids = await _coded_goods(context, F1=10)
    shopper = await factories.shopper(client, context, "sync-holder")
    address = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=ids["F1"], quantity=3, address_id=address
    )
    assert (await _stocks(client, owner, ids)) == {"F1": 7}
    await client.put(
        "/api/admin/v1/stock", headers=key, json={"items": [{"sku_code": "F1", "stock": 5}]}
    )
    assert (await _stocks(client, owner, ids)) == {"F1": 5}
    await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shopper)
    assert (await _stocks(client, owner, ids)) == {"F1": 8}


async def test_a_thousand_lines_by_code_in_one_request(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = await _key(client, owner, "stock:write")
    codes = [f"WAREHOUSE-LOCATION-{n:04d}-" + "X" * 40 for n in range(1000)]
    goods = await factories.make_goods(context, stock=1, specs={"规格": codes}, title="千件")
    async with context.db.transaction() as session:
        for code, sku_id in zip(codes, goods["sku_ids"], strict=True):
            await session.execute(update(Sku).where(Sku.id == sku_id).values(code=code))
    body = {"items": [{"sku_code": code, "stock": n} for n, code in enumerate(codes)]}
    assert len(json.dumps(body)) > 64 * 1024  # above the default body limit
    applied = await client.put("/api/admin/v1/stock", headers=key, json=body)
    assert applied.status_code == 200, applied.text[:300]
    assert applied.json()["changed"] == 999  # line 1 already had 1
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert sorted(sku["stock"] for sku in detail["skus"]) == list(range(1000))
    # One operation-log entry with each of the 999 changes, old → new.
    async with context.db.transaction(write=False) as session:
        [entry] = (
            await session.scalars(select(OperationLog).where(OperationLog.action == "stock.set"))
        ).all()
    assert len(entry.changes) == 999
    assert entry.changes[0] == {"field": f"sku[{goods['sku_ids'][0]}].stock", "old": 1, "new": 0}


async def test_read_scopes_open_the_order_and_goods_lists_and_nothing_else(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    orders_key = await _key(client, owner, "orders:read")
    catalog_key = await _key(client, owner, "catalog:read")
    goods = await factories.make_goods(context, stock=3)
    assert (await client.get("/api/admin/v1/orders", headers=orders_key)).status_code == 200
    assert (await client.get("/api/admin/v1/goods", headers=catalog_key)).status_code == 200
    detail = await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=catalog_key)
    assert detail.status_code == 200
    for headers, path in (
        (orders_key, "/api/admin/v1/goods"),
        (catalog_key, "/api/admin/v1/orders"),
    ):
        refused = await client.get(path, headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (403, "scope_missing"), path
    # Writes other than stock are for merchant accounts only.
    edit = await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=catalog_key, json={"price_fen": 1}
    )
    assert edit.status_code == 401
