"""退货退款 in the console over HTTP: agree with the return address (checked), see the
shopper's return shipment, receive with or without 退回库存; staff without 审批退款 are refused."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests import factories
from tests.console.helpers import paid_order, signed_in
from tests.payments.helpers import settle
from xiaodian.context import AppContext

ADDRESS = "杭州市西湖区文三路 1 号 小店售后 13900000000"


async def test_a_return_is_agreed_shipped_back_received_and_refunded_from_the_console(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order, shopper = await paid_order(client, context, title="羊毛围巾", price_fen=8800)
    shipped = await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "顺丰速运", "tracking_no": "SF7000001"}
    )
    assert shipped.status_code == 303
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        json={"reason": "颜色不喜欢", "return_goods": True},
        headers=shopper,
    )
    assert asked.status_code == 200, asked.text
    page = await console.get("/refunds", params={"status": "requested"})
    assert "退货退款" in page.text and "同意退货" in page.text and "无需退货，直接退款" in page.text
    refund_id = int(page.text.split('data-refund="')[1].split('"')[0])
    short = await console.post(f"/refunds/{refund_id}/agree-return", {"address": "门口"})
    assert short.status_code == 422 and "请填写完整的退货地址" in short.text
    agreed = await console.post(f"/refunds/{refund_id}/agree-return", {"address": ADDRESS})
    assert agreed.status_code == 303
    waiting = await console.get("/refunds", params={"status": "return_approved"})
    assert (
        ADDRESS in waiting.text
        and "寄回期限" in waiting.text
        and "确认收货并退款" not in waiting.text
    )
    back = await client.post(
        f"/api/v1/refunds/{refund_id}/return-shipment",
        json={"carrier": "圆通", "tracking_no": "YT3000001"},
        headers=shopper,
    )
    assert back.status_code == 200, back.text
    arrived = await console.get("/refunds", params={"status": "returning"})
    assert "圆通 YT3000001" in arrived.text and "确认收货并退款" in arrived.text
    assert 'name="restock" value="1" checked' in arrived.text
    received = await console.post(f"/refunds/{refund_id}/receive", {"restock": "1"})
    assert received.status_code == 303
    await settle(app)
    view = (await client.get(f"/api/v1/orders/{order['id']}", headers=shopper)).json()
    assert view["status"] == "refunded"
    goods = (await client.get(f"/api/v1/goods/{order['lines'][0]['goods_id']}")).json()
    assert goods["skus"][0]["stock"] == 50
    detail = await console.get(f"/orders/{order['id']}")
    assert "已收到退货，同意退款（退回库存）" in detail.text and "，已退回库存" in detail.text
    # The address is offered again for the next return.
    assert ADDRESS in (await console.get("/refunds")).text


async def test_staff_without_the_refunds_permission_cannot_agree_or_receive(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await signed_in(client, context)
    order, shopper = await paid_order(client, context)
    await owner.post(f"/orders/{order['id']}/ship", {"carrier": "顺丰", "tracking_no": "SF7000002"})
    await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        json={"reason": "坏了", "return_goods": True},
        headers=shopper,
    )
    page = await owner.get("/refunds")
    refund_id = int(page.text.split('data-refund="')[1].split('"')[0])
    client.cookies.clear()
    warehouse = await signed_in(client, context, username="cangguan", role="warehouse")
    refused = await warehouse.post(f"/refunds/{refund_id}/agree-return", {"address": ADDRESS})
    assert refused.status_code == 422 and "没有" in refused.text
    receive = await warehouse.post(f"/refunds/{refund_id}/receive", {"restock": "1"})
    assert receive.status_code == 303
    admin = await factories.merchant(client, context, username="api-owner")
    refund = (await client.get(f"/api/admin/v1/refunds/{refund_id}", headers=admin)).json()
    assert refund["status"] == "requested"
