"""退货退款 over HTTP: request with photos, agree with the return address, the shopper ships the
goods back, the merchant receives them (退回库存 or not) and only then the money goes out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments.helpers import order_status, paid_order_with_lines, settle, simulator
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.payments import jobs

ADMIN = "/api/admin/v1"
ADDRESS = "上海市浦东新区世纪大道 100 号 小店售后 13800000000"


async def _shipped(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, lines: list[tuple[int, int]]
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any], dict[str, str]]:
    goods, headers, order = await paid_order_with_lines(app, client, context, lines=lines)
    admin = await factories.merchant(client, context)
    shipped = await client.post(
        f"{ADMIN}/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF1000001"},
    )
    assert shipped.status_code == 200, shipped.text
    return goods, headers, order, admin


async def _ask(
    client: httpx.AsyncClient, headers: dict[str, str], order: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={"reason": "尺码不合适", "return_goods": True, **body},
    )
    assert response.status_code == 200, response.text
    refunds = (await client.get(f"/api/v1/orders/{order['id']}/refunds", headers=headers)).json()
    return dict(refunds[-1])


async def _stock(client: httpx.AsyncClient, goods: dict[str, Any]) -> int:
    return int((await client.get(f"/api/v1/goods/{goods['id']}")).json()["skus"][0]["stock"])


async def test_a_partial_return_pays_back_only_after_the_goods_arrive_and_restocks_them(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order, admin = await _shipped(app, client, context, [(1000, 3), (555, 1)])
    line_a = order["lines"][0]
    photo = "/media/images/ab/broken-800.webp"
    refund = await _ask(
        client, headers, order, lines=[{"line_id": line_a["id"], "quantity": 2}], photos=[photo]
    )
    assert (refund["status"], refund["return_goods"], refund["amount_fen"]) == (
        "requested",
        True,
        2000,
    )
    assert [url.removeprefix("http://testserver") for url in refund["photos"]] == [photo]
    agreed = await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=admin, json={"address": ADDRESS}
    )
    assert agreed.status_code == 200, agreed.text
    assert (agreed.json()["status"], agreed.json()["status_text"]) == (
        "return_approved",
        "待买家退货",
    )
    assert agreed.json()["return_address"] == ADDRESS
    # Nothing is paid and no early receipt: the goods are not back yet.
    early = await client.post(f"{ADMIN}/refunds/{refund['id']}/receive", headers=admin, json={})
    assert (early.status_code, early.json()["error"]) == (409, "refund_state_conflict")
    assert await order_status(client, headers, order["id"]) == "refund_requested"
    shipped_back = await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=headers,
        json={"carrier": "中通", "tracking_no": "ZT2000002"},
    )
    assert shipped_back.status_code == 200, shipped_back.text
    assert (shipped_back.json()["status"], shipped_back.json()["return_tracking_no"]) == (
        "returning",
        "ZT2000002",
    )
    assert await _stock(client, goods[0]) == 17
    received = await client.post(
        f"{ADMIN}/refunds/{refund['id']}/receive", headers=admin, json={"restock": True}
    )
    assert received.status_code == 200, received.text
    await settle(app)
    after = (await client.get(f"{ADMIN}/refunds/{refund['id']}", headers=admin)).json()
    assert (after["status"], after["restock"], after["amount_fen"]) == ("succeeded", True, 2000)
    assert await _stock(client, goods[0]) == 19
    detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert detail["status"] == "shipped"
    too_many = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={
            "reason": "再退",
            "return_goods": True,
            "lines": [{"line_id": line_a["id"], "quantity": 2}],
        },
    )
    assert "最多可退 1 件" in too_many.json()["message"]
    at_wechat = [
        r for r in simulator(app).snapshot()["refunds"] if r["out_trade_no"] == order["order_no"]
    ]
    assert [r["refund_fen"] for r in at_wechat] == [2000]
    timeline = " ".join(
        event["note"]
        for event in (await client.get(f"{ADMIN}/orders/{order['id']}", headers=admin)).json()[
            "timeline"
        ]
    )
    assert "退货地址" in timeline and "ZT2000002" in timeline and "退回库存" in timeline
    log = (
        await client.get(
            f"{ADMIN}/operation-logs", params={"action": "refund.return_receive"}, headers=admin
        )
    ).json()
    assert log["total"] == 1


async def test_received_without_restock_keeps_the_stock_and_the_whole_order_refunds(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order, admin = await _shipped(app, client, context, [(1990, 1)])
    refund = await _ask(client, headers, order)
    assert refund["amount_fen"] == 1990
    await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=admin, json={"address": ADDRESS}
    )
    await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=headers,
        json={"carrier": "中通", "tracking_no": "ZT2000003"},
    )
    await client.post(f"{ADMIN}/refunds/{refund['id']}/receive", headers=admin, json={})
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "refunded"
    assert await _stock(client, goods[0]) == 19


async def test_a_return_never_shipped_back_closes_and_the_order_goes_back(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order, admin = await _shipped(app, client, context, [(990, 1)])
    refund = await _ask(client, headers, order)
    await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=admin, json={"address": ADDRESS}
    )
    clock.advance(timedelta(days=6))
    assert await jobs.close_overdue_returns(context) == 0
    clock.advance(timedelta(days=1, seconds=1))
    assert await jobs.close_overdue_returns(context) == 1
    assert await jobs.close_overdue_returns(context) == 0
    login = await client.post(
        f"{ADMIN}/auth/login", json={"username": "owner", "password": "password123"}
    )
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    after = (await client.get(f"{ADMIN}/refunds/{refund['id']}", headers=admin)).json()
    assert (after["status"], after["status_text"]) == ("closed", "已关闭")
    assert await order_status(client, headers, order["id"]) == "shipped"
    late = await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=headers,
        json={"carrier": "中通", "tracking_no": "ZT2000004"},
    )
    assert (late.status_code, late.json()["error"]) == (409, "refund_state_conflict")
    again = await _ask(client, headers, order)
    assert again["status"] == "requested"


async def test_returns_refuse_bad_steps_and_strangers(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await paid_order_with_lines(app, client, context, lines=[(990, 1)])
    unshipped = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={"reason": "x", "return_goods": True},
    )
    assert (unshipped.status_code, unshipped.json()["error"]) == (409, "refund_not_allowed")
    foreign = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={"reason": "x", "photos": ["https://evil.example/a.png"]},
    )
    assert (foreign.status_code, foreign.json()["error"]) == (422, "foreign_image_url")
    admin = await factories.merchant(client, context)
    await client.post(
        f"{ADMIN}/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF1000009"},
    )
    refund = await _ask(client, headers, order)
    short = await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=admin, json={"address": "x"}
    )
    assert short.status_code == 422
    service = await factories.merchant(client, context, username="reviewer", role="custom")
    refused = await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=service, json={"address": ADDRESS}
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    await client.post(
        f"{ADMIN}/refunds/{refund['id']}/agree-return", headers=admin, json={"address": ADDRESS}
    )
    stranger = await factories.shopper(client, context, "stranger")
    theirs = await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=stranger,
        json={"carrier": "中通", "tracking_no": "ZT2000005"},
    )
    assert theirs.status_code == 404
    bad_number = await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=headers,
        json={"carrier": "中通", "tracking_no": "运单 1"},
    )
    assert bad_number.status_code == 422
    await client.post(
        f"/api/v1/refunds/{refund['id']}/return-shipment",
        headers=headers,
        json={"carrier": "中通", "tracking_no": "ZT2000006"},
    )
    # The goods arrived wrong: the merchant may still refuse, and the order goes back.
    rejected = await client.post(
        f"{ADMIN}/refunds/{refund['id']}/reject", headers=admin, json={"reason": "退回的是空盒"}
    )
    assert rejected.json()["status"] == "rejected"
    assert await order_status(client, headers, order["id"]) == "shipped"
