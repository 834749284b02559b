"""系统对接 over HTTP: API keys shown once, webhooks with their deliveries, and CSV stock import
with a preview of every change and error before anything is applied."""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy import select, update

from tests import factories
from tests.console.helpers import signed_in
from xiaodian.context import AppContext
from xiaodian.events import outbox
from xiaodian.models import OperationLog, Sku


async def test_an_api_key_is_shown_once_and_works_until_revoked(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    page = await console.get("/integrations")
    assert page.status_code == 200 and "还没有 API 密钥" in page.text
    created = await console.post("/integrations/keys", {"name": "ERP", "scopes": ["stock:write"]})
    match = re.search(r"<code data-secret>(xdk_[^<]+)</code>", created.text)
    assert match is not None
    key = match.group(1)
    again = await console.get("/integrations")
    assert key not in again.text and key[:12] in again.text and "从未使用" in again.text
    goods = await factories.make_goods(context, stock=3)
    headers = {"Authorization": f"Bearer {key}"}
    body = {"items": [{"sku_id": goods["sku_ids"][0], "stock": 4}]}
    assert (await client.put("/api/admin/v1/stock", headers=headers, json=body)).status_code == 200
    key_id = re.search(r"/integrations/keys/(\d+)/revoke", again.text)
    assert key_id is not None
    await console.post(f"/integrations/keys/{key_id.group(1)}/revoke", {})
    assert "已吊销" in (await console.get("/integrations")).text
    assert (await client.put("/api/admin/v1/stock", headers=headers, json=body)).status_code == 401
    refused = await console.post("/integrations/keys", {"name": "", "scopes": []})
    assert refused.status_code == 422


async def test_webhooks_are_listed_with_the_answers_of_their_deliveries(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    created = await console.post(
        "/integrations/webhooks",
        {"url": "http://sandbox.test/webhooks/console", "events": ["stock.changed"]},
    )
    assert "whsec_" in created.text
    goods = await factories.make_goods(context, stock=3)
    owner = await factories.merchant(client, context, username="api-owner")
    await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=owner, json={"stock_delta": 2}
    )
    await outbox.drain(context)
    page = await console.get("/integrations")
    assert "已送达" in page.text and "HTTP 200" in page.text
    bad = await console.post("/integrations/webhooks", {"url": "ftp://x", "events": []})
    assert bad.status_code == 422


async def test_csv_import_previews_changes_and_errors_then_applies_all_or_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, stock=5, specs={"规格": ["大", "小"]})
    big, small = goods["sku_ids"]
    async with context.db.transaction() as session:
        await session.execute(update(Sku).where(Sku.id == big).values(code="BIG"))
        await session.execute(update(Sku).where(Sku.id == small).values(code="SMALL"))
    wrong = await console.post(
        "/integrations/stock-csv", {"csv": "sku_code,stock\nBIG,9\nNOPE,1\nSMALL,x"}
    )
    assert "没有这个 SKU 编码" in wrong.text and "应为 SKU 编码,库存" in wrong.text
    assert "data-apply" not in wrong.text
    preview = await console.post(
        "/integrations/stock-csv", {"csv": "sku_code,stock\nBIG,9\nSMALL,5"}
    )
    assert (
        'data-change="BIG"' in preview.text
        and "（不变）" in preview.text
        and "data-apply" in preview.text
    )
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert [sku["stock"] for sku in detail["skus"]] == [5, 5]  # a preview changes nothing
    applied = await console.post(
        "/integrations/stock-csv/apply", {"csv": "sku_code,stock\nBIG,9\nSMALL,5"}
    )
    assert applied.status_code in (200, 303)
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert [sku["stock"] for sku in detail["skus"]] == [9, 5]
    refused = await console.post("/integrations/stock-csv/apply", {"csv": "BIG,1\nNOPE,2"})
    assert refused.status_code == 422
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert [sku["stock"] for sku in detail["skus"]] == [9, 5]
    # The import is in 操作日志 (the refused one is not): who, each change, from the console.
    log = await console.get("/oplog?action=stock.import")
    assert log.text.count('data-log="stock.import"') == 1
    assert "导入库存 CSV" in log.text and f"sku[{big}].stock" in log.text
    async with context.db.transaction(write=False) as session:
        [entry] = (
            await session.scalars(select(OperationLog).where(OperationLog.action == "stock.import"))
        ).all()
    assert (entry.admin_name, entry.source) == ("owner", "console")
    assert entry.changes == [{"field": f"sku[{big}].stock", "old": 5, "new": 9}]


async def test_a_sku_alert_threshold_set_on_the_stock_page_drives_stock_low_webhooks(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, stock=15)
    (sku_id,) = goods["sku_ids"]
    await console.post(
        "/integrations/webhooks",
        {"url": "http://sandbox.test/webhooks/low", "events": ["stock.low"]},
    )
    page = await console.get("/goods/stock")
    assert f'name="low.{sku_id}"' in page.text
    saved = await console.post(
        "/goods/stock",
        {
            f"stock.{sku_id}": "15",
            f"was.{sku_id}": "15",
            f"low.{sku_id}": "20",
            f"lowwas.{sku_id}": "",
        },
    )
    assert saved.status_code in (200, 303)
    bad = await console.post("/goods/stock", {f"low.{sku_id}": "x", f"lowwas.{sku_id}": "20"})
    assert bad.status_code == 422 and "留空用店铺默认" in bad.text
    owner = await factories.merchant(client, context, username="api-owner2")
    await client.patch(f"/api/admin/v1/skus/{sku_id}", headers=owner, json={"stock_delta": -1})
    await outbox.drain(context)
    deliveries = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert [(d["event_type"], d["status"]) for d in deliveries] == [("stock.low", "delivered")]
    received = (await context.http.get("http://sandbox.test/webhooks/low")).json()
    assert json.loads(received[-1]["body"])["data"] == {
        "sku_id": sku_id,
        "goods_id": goods["id"],
        "stock": 14,
        "below": 20,
    }
