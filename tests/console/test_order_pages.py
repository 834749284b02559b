"""Orders and after-sale in the console over HTTP: filters, ship, close, slip, refunds."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from tests import factories
from tests.console.helpers import paid_order, signed_in
from tests.payments.helpers import paid_order_with_lines, settle
from xiaodian.context import AppContext
from xiaodian.core import clock


async def test_orders_filter_by_status_keyword_and_the_shops_dates(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    paid, _ = await paid_order(client, context, openid="a")
    goods = await factories.make_goods(context, title="香蕉")
    shopper = await factories.shopper(client, context, "b")
    address_id = await factories.address(client, shopper, name="李四")
    unpaid = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    listed = await console.get("/orders", params={"status": "paid"})
    assert paid["order_no"] in listed.text and unpaid["order_no"] not in listed.text
    found = await console.get("/orders", params={"q": "李四"})
    assert unpaid["order_no"] in found.text and paid["order_no"] not in found.text
    today = clock.to_shop_time(clock.now()).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    none = await console.get("/orders", params={"date_from": yesterday, "date_to": yesterday})
    assert paid["order_no"] not in none.text and "没有符合条件的订单" in none.text
    both = await console.get("/orders", params={"date_from": today.isoformat()})
    assert paid["order_no"] in both.text and unpaid["order_no"] in both.text


async def test_shipping_checks_the_tracking_number_then_moves_the_order(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order, shopper = await paid_order(client, context)
    wrong = await console.post(f"/orders/{order['id']}/ship", {"carrier": "", "tracking_no": "#1"})
    assert wrong.status_code == 422
    assert "运单号为 4–64 位字母、数字或短横线" in wrong.text
    assert 'value="#1"' in wrong.text  # what was typed stays in the form
    shipped = await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    )
    assert shipped.status_code == 303
    view = (await client.get(f"/api/v1/orders/{order['id']}", headers=shopper)).json()
    assert (view["status"], view["carrier"], view["tracking_no"]) == (
        "shipped",
        "顺丰速运",
        "SF1234567890",
    )
    again = await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567891"}
    )
    assert again.status_code == 422 and "只有待发货的订单可以发货" in again.text


async def test_closing_an_unpaid_order_gives_its_stock_back(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, stock=5)
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
    )
    page = await console.get(f"/orders/{order['id']}")
    assert "关闭订单" in page.text and "确认发货" not in page.text
    closed = await console.post(f"/orders/{order['id']}/close", {"reason": "买家电话取消"})
    assert closed.status_code == 303
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["skus"][0]["stock"] == 5
    again = await console.post(f"/orders/{order['id']}/close", {"reason": ""})
    assert again.status_code == 422 and "只有待支付的订单可以关闭" in again.text


async def test_the_packing_slip_is_a_bare_printable_page(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order, _ = await paid_order(client, context, title="东北大米", quantity=3)
    slip = await console.get(f"/orders/{order['id']}/slip")
    assert slip.status_code == 200
    assert order["order_no"] in slip.text and "东北大米" in slip.text
    assert "data-print" in slip.text and 'class="sidebar"' not in slip.text


async def test_refunds_are_approved_or_rejected_with_a_reason(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    first, shopper = await paid_order(client, context, title="葡萄")
    second, other = await paid_order(client, context, title="橙子", openid="other")
    for order, headers in ((first, shopper), (second, other)):
        asked = await client.post(
            f"/api/v1/orders/{order['id']}/refund", json={"reason": "买错了"}, headers=headers
        )
        assert asked.status_code == 200, asked.text
    listed = await console.get("/refunds", params={"status": "requested"})
    assert listed.text.count('data-refund-status="requested"') == 2
    refund_ids = [int(part.split('"')[0]) for part in listed.text.split('data-refund="')[1:]]
    empty = await console.post(f"/refunds/{refund_ids[0]}/reject", {"reason": " "})
    assert empty.status_code == 422 and "请填写拒绝原因，买家会看到" in empty.text
    rejected = await console.post(f"/refunds/{refund_ids[0]}/reject", {"reason": "已发出"})
    assert rejected.status_code == 303
    status = (await client.get(f"/api/v1/orders/{second['id']}", headers=other)).json()
    assert status["status"] == "paid"  # back where it was (the newest refund is listed first)
    approved = await console.post(f"/refunds/{refund_ids[1]}/approve")
    assert approved.status_code == 303
    twice = await console.post(f"/refunds/{refund_ids[1]}/approve")
    assert twice.status_code == 303
    page = await console.get("/refunds")
    assert "退款申请已处理，请刷新后查看" in page.text  # the flash of the second try


async def test_payment_anomalies_are_listed(client: httpx.AsyncClient, context: AppContext) -> None:
    console = await signed_in(client, context)
    page = await console.get("/payments/anomalies", params={"kind": "stuck"})
    assert page.status_code == 200 and "没有需要处理的支付异常" in page.text
    assert (await console.get("/payments/anomalies", params={"kind": "nope"})).status_code == 200


async def test_an_order_after_a_partial_refund_shows_what_was_refunded_and_what_is_left(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    _, shopper, order = await paid_order_with_lines(
        app, client, context, lines=[(1000, 3), (555, 1)]
    )
    admin = await factories.merchant(client, context, username="refunds")
    line = order["lines"][0]
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=shopper,
        json={"reason": "有坏果", "lines": [{"line_id": line["id"], "quantity": 1}]},
    )
    assert asked.status_code == 200, asked.text
    refund = (
        await client.get("/api/admin/v1/refunds", params={"status": "requested"}, headers=admin)
    ).json()["items"][0]
    await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    await settle(app)
    page = await console.get(f"/orders/{order['id']}")
    html = page.text
    assert f'data-refunded-line="{line["id"]}"' in html
    assert "已退 1 件 −¥10.00" in html
    refunded = html.split("data-refunded>", 1)[1].split("</div>", 1)[0]
    assert "−¥10.00" in refunded
    net = html.split("data-net>", 1)[1].split("</div>", 1)[0]
    assert f"¥{(order['total_fen'] - 1000) // 100}.{(order['total_fen'] - 1000) % 100:02d}" in net
    untouched = order["lines"][1]["id"]
    assert f'data-refunded-line="{untouched}"' not in html


async def test_a_status_has_one_word_and_one_colour_on_every_console_page(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order, _ = await paid_order(client, context, title="鸡蛋")
    shipped = await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "门店配送", "tracking_no": "MD0001"}
    )
    assert shipped.status_code == 303, shipped.text
    listed = await console.get("/orders", params={"status": "shipped"})
    assert 'class="badge badge-info">已发货</span>' in listed.text  # not 待收货, not red
    assert ">已发货<" in listed.text.split('class="tabs', 1)[1].split("</nav>", 1)[0]
    detail = await console.get(f"/orders/{order['id']}")
    timeline = detail.text.split("data-timeline", 1)[1]
    assert "已发货" in timeline and "待收货" not in timeline
