"""Reports and customers: every sum equals the orders it covers, net of their refunds, by day,
by goods and by SKU, in JSON, CSV and the console page; customers with their totals."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.console.helpers import signed_in
from tests.orders.test_bulk import _orders
from tests.payments.helpers import paid_order_with_lines, settle
from xiaodian.context import AppContext

API = "/api/admin/v1"


async def _shop_with_a_partial_refund(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, str], list[dict[str, Any]], dict[str, Any], int]:
    """Three paid grape orders, one two-line order of which one line is refunded, one unpaid
    order; (owner's headers, paid orders, the refunded order, refunded fen)."""
    admin = await factories.merchant(client, context)
    grapes = await _orders(client, context, 3)
    await _orders(client, context, 1, paid=False)
    _, headers, order = await paid_order_with_lines(
        app, client, context, lines=[(1000, 3), (555, 1)]
    )
    line_a = order["lines"][0]
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={"reason": "有坏果", "lines": [{"line_id": line_a["id"], "quantity": 1}]},
    )
    assert asked.status_code == 200, asked.text
    refund = (
        await client.get(f"{API}/refunds", params={"status": "requested"}, headers=admin)
    ).json()["items"][0]
    approved = await client.post(f"{API}/refunds/{refund['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    await settle(app)
    return admin, [*grapes, order], order, refund["amount_fen"]


async def test_report_sums_equal_the_orders_they_cover_net_of_refunds(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, paid, refunded_order, refunded_fen = await _shop_with_a_partial_refund(
        app, client, context
    )
    assert refunded_fen == 1000
    by_day = (await client.get(f"{API}/reports/sales", params={"by": "day"}, headers=admin)).json()
    assert len(by_day["rows"]) == 30
    total = by_day["total"]
    assert total["orders"] == len(paid) == 4
    assert total["paid_fen"] == sum(o["total_fen"] for o in paid)
    assert total["refunded_fen"] == refunded_fen
    assert total["net_fen"] == total["paid_fen"] - refunded_fen
    assert total["units"] == sum(o["item_count"] for o in paid) - 1
    assert total["average_order_fen"] == total["net_fen"] // 4
    assert (total["new_shoppers"], total["returning_shoppers"]) == (4, 0)
    today = by_day["rows"][-1]
    assert (today["orders"], today["net_fen"]) == (4, total["net_fen"])

    by_goods = (
        await client.get(f"{API}/reports/sales", params={"by": "goods"}, headers=admin)
    ).json()
    lines = [line for order in paid for line in order["lines"]]
    assert by_goods["total"]["paid_fen"] == sum(line["pay_fen"] for line in lines)
    assert by_goods["total"]["refunded_fen"] == refunded_fen
    grape = next(row for row in by_goods["rows"] if row["label"] == "阳光玫瑰")
    assert (grape["orders"], grape["units"]) == (3, 1 + 2 + 3)
    first_line = refunded_order["lines"][0]
    refunded_row = next(
        row for row in by_goods["rows"] if row["key"] == str(first_line["goods_id"])
    )
    assert (refunded_row["units"], refunded_row["net_fen"]) == (2, first_line["pay_fen"] - 1000)

    by_sku = (await client.get(f"{API}/reports/sales", params={"by": "sku"}, headers=admin)).json()
    assert by_sku["total"]["net_fen"] == by_goods["total"]["net_fen"]
    assert any(row["code"] == "GRAPE-500" for row in by_sku["rows"])

    exported = await client.get(f"{API}/reports/sales.csv", params={"by": "goods"}, headers=admin)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0] == ["商品ID", "商品", "订单", "件数", "支付金额", "退款", "净销售额"]
    net = by_goods["total"]["net_fen"]
    assert rows[-1][-1] == f"{net // 100}.{net % 100:02d}"
    assert len(rows) == len(by_goods["rows"]) + 2

    kefu = await factories.merchant(client, context, username="kefu", role="service")
    refused = await client.get(f"{API}/reports/sales", headers=kefu)
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    yesterday_only = (
        await client.get(
            f"{API}/reports/sales",
            params={"date_from": "2020-01-01", "date_to": "2020-01-02"},
            headers=admin,
        )
    ).json()
    assert yesterday_only["total"]["orders"] == 0


async def test_customers_and_the_reports_page(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, paid, _, refunded_fen = await _shop_with_a_partial_refund(app, client, context)
    listed = (await client.get(f"{API}/customers", headers=admin)).json()
    assert listed["total"] == 4  # the unpaid shopper is no customer
    spent = {row["user_id"]: row["spent_fen"] for row in listed["items"]}
    assert sum(spent.values()) == sum(o["total_fen"] for o in paid) - refunded_fen
    found = (await client.get(f"{API}/customers", params={"q": "1380000"}, headers=admin)).json()
    assert found["total"] == 4
    assert (await client.get(f"{API}/customers", params={"q": "nobody"}, headers=admin)).json()[
        "total"
    ] == 0

    console = await signed_in(client, context, username="boss", role="manager")
    page = await console.get("/reports?by=sku")
    assert page.status_code == 200
    assert 'data-report="sku"' in page.text and "GRAPE-500" in page.text
    assert "report-chart-data" in page.text
    csv_page = await console.get("/reports/export.csv?by=day")
    assert csv_page.text.lstrip("\ufeff").startswith("日期,支付订单")
    people = await console.get("/customers")
    assert people.text.count("data-customer=") == 4
    assert "查看订单" in people.text
    user_id = listed["items"][0]["user_id"]
    theirs = await console.get(f"/orders?user_id={user_id}")
    assert theirs.text.count("data-order-no=") == 1
    kefu = await signed_in(client, context, username="kefu", role="service")
    assert (await kefu.get("/reports")).status_code == 403
    assert 'data-section="reports"' not in (await kefu.get("/")).text
