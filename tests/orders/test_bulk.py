"""Orders in bulk over the merchant API: search by goods and SKU code, tab counts, CSV export,
a tracking number corrected after shipping, and batch shipping from CSV (preview, errors per
line, all or nothing)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from sqlalchemy import update

from tests import factories
from tests.orders.test_lifecycle import _paid
from xiaodian.context import AppContext
from xiaodian.models import Sku

API = "/api/admin/v1"


async def _orders(
    client: httpx.AsyncClient, context: AppContext, count: int, *, paid: bool = True
) -> list[dict[str, Any]]:
    goods = await factories.make_goods(context, title="阳光玫瑰", prices=[2580], stock=100)
    async with context.db.transaction() as session:
        await session.execute(
            update(Sku).where(Sku.id == goods["sku_ids"][0]).values(code="GRAPE-500")
        )
    made = []
    for n in range(count):
        shopper = await factories.shopper(client, context, f"bulk-{n}")
        address_id = await factories.address(client, shopper)
        order = await factories.place_order(
            client, shopper, sku_id=goods["sku_ids"][0], quantity=n + 1, address_id=address_id
        )
        if paid:
            await _paid(context, order["id"])
        made.append(order)
    return made


async def test_search_by_goods_and_sku_code_and_counts_on_the_tabs(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    grapes = await _orders(client, context, 2)
    apple = await factories.make_goods(context, title="红富士苹果", prices=[990])
    shopper = await factories.shopper(client, context, "apple-fan")
    address_id = await factories.address(client, shopper)
    await factories.place_order(client, shopper, sku_id=apple["sku_ids"][0], address_id=address_id)

    async def found(q: str) -> set[str]:
        page = (await client.get(f"{API}/orders", params={"q": q}, headers=admin)).json()
        return {item["order_no"] for item in page["items"]}

    assert await found("玫瑰") == {o["order_no"] for o in grapes}
    assert await found("GRAPE-5") == {o["order_no"] for o in grapes}
    assert len(await found("富士")) == 1
    assert await found("榴莲") == set()
    counts = (await client.get(f"{API}/order-counts", headers=admin)).json()
    assert (counts["all"], counts["paid"], counts["pending_payment"], counts["shipped"]) == (
        3,
        2,
        1,
        0,
    )


async def test_export_is_a_csv_of_exactly_the_filtered_orders(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    orders = await _orders(client, context, 3)
    await _orders(client, context, 1, paid=False)
    response = await client.get(
        f"{API}/orders/export.csv", params={"status": "paid"}, headers=admin
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["订单号", "状态", "下单时间", "支付时间"]
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {o["order_no"] for o in orders}
    header = rows[0]
    for order in orders:
        row = dict(zip(header, body[order["order_no"]], strict=True))
        assert row["实付"] == f"{order['total_fen'] // 100}.{order['total_fen'] % 100:02d}"
        assert row["件数"] == str(order["item_count"])
        assert row["商品"].startswith("阳光玫瑰")
        assert row["状态"] == "待发货"


async def test_a_tracking_number_is_corrected_after_shipping_and_the_old_one_kept(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    (order,) = await _orders(client, context, 1)
    early = await client.patch(
        f"{API}/orders/{order['id']}/shipment",
        json={"carrier": "中通快递", "tracking_no": "ZT0001"},
        headers=admin,
    )
    assert (early.status_code, early.json()["error"]) == (409, "order_state_conflict")
    await client.post(
        f"{API}/orders/{order['id']}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF0001"},
        headers=admin,
    )
    fixed = await client.patch(
        f"{API}/orders/{order['id']}/shipment",
        json={"carrier": "中通快递", "tracking_no": "ZT0002"},
        headers=admin,
    )
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert (body["status"], body["carrier"], body["tracking_no"]) == (
        "shipped",
        "中通快递",
        "ZT0002",
    )
    notes = [entry["note"] for entry in body["timeline"]]
    assert "修改运单号：顺丰速运 SF0001 → 中通快递 ZT0002" in notes
    logs = (
        await client.get(
            f"{API}/operation-logs", params={"action": "order.tracking"}, headers=admin
        )
    ).json()["items"]
    assert {"field": "tracking_no", "old": "SF0001", "new": "ZT0002"} in logs[0]["changes"]
    kefu = await factories.merchant(client, context, username="kefu2", role="custom")
    refused = await client.patch(
        f"{API}/orders/{order['id']}/shipment",
        json={"carrier": "圆通速递", "tracking_no": "YT0003"},
        headers=kefu,
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")


async def test_batch_shipping_previews_every_line_and_applies_all_or_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    a, b, c = await _orders(client, context, 3)
    (unpaid,) = await _orders(client, context, 1, paid=False)
    bad_file = "\n".join(
        [
            "订单号,快递公司,运单号",
            f"{a['order_no']},顺丰速运,SF1001",
            f"{b['order_no']},顺丰速运,bad number!",
            f"{a['order_no']},中通快递,ZT1002",
            "99999999999999999999,顺丰速运,SF1003",
            f"{unpaid['order_no']},顺丰速运,SF1004",
            f"{c['order_no']},,SF1005",
            "",
        ]
    )
    preview = await client.post(f"{API}/orders/ship-import", json={"csv": bad_file}, headers=admin)
    assert preview.status_code == 200, preview.text
    assert [(line["line"], line["error"]) for line in preview.json()] == [
        (2, ""),
        (3, "运单号为 4–64 位字母、数字或短横线"),
        (4, "与第 2 行的订单重复"),
        (5, "订单不存在"),
        (6, "订单不是待发货状态"),
        (7, "缺少快递公司"),
    ]
    refused = await client.post(
        f"{API}/orders/ship-import", json={"csv": bad_file, "apply": True}, headers=admin
    )
    assert (refused.status_code, refused.json()["error"]) == (422, "ship_import_invalid")
    assert [line["line"] for line in refused.json()["details"]["lines"]] == [3, 4, 5, 6, 7]
    statuses = (await client.get(f"{API}/order-counts", headers=admin)).json()
    assert (statuses["paid"], statuses["shipped"]) == (3, 0)  # nothing half-applied

    good_file = "\n".join(
        [
            f"'{a['order_no']},顺丰速运,SF2001",
            f"{b['order_no']},中通快递,ZT2002",
            f"{c['order_no']},圆通速递,YT2003",
        ]
    )
    applied = await client.post(
        f"{API}/orders/ship-import", json={"csv": good_file, "apply": True}, headers=admin
    )
    assert applied.status_code == 200, applied.text
    for order, number in ((a, "SF2001"), (b, "ZT2002"), (c, "YT2003")):
        detail = (await client.get(f"{API}/orders/{order['id']}", headers=admin)).json()
        assert (detail["status"], detail["tracking_no"]) == ("shipped", number)
    logs = (
        await client.get(f"{API}/operation-logs", params={"action": "order.ship"}, headers=admin)
    ).json()
    assert logs["total"] == 3
    again = await client.post(f"{API}/orders/ship-import", json={"csv": good_file}, headers=admin)
    assert {line["error"] for line in again.json()} == {"订单已发货"}


def test_ship_files_from_excel_in_gbk_are_read() -> None:
    from xiaodian.orders.ship_import import decode, parse

    data = "订单号,快递公司,运单号\r\n20261201000000000001,顺丰速运,SF1\r\n".encode("gb18030")
    lines = parse(decode(data))
    assert [(line.line_no, line.order_no, line.carrier) for line in lines] == [
        (2, "20261201000000000001", "顺丰速运")
    ]
