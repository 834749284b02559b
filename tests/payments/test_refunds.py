from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments.helpers import (
    order_status,
    paid_order_with_lines,
    settle,
    simulator,
)
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.payments import jobs


async def _stock(client: httpx.AsyncClient, goods: dict[str, Any]) -> int:
    return int((await client.get(f"/api/v1/goods/{goods['id']}")).json()["skus"][0]["stock"])


async def test_a_full_refund_of_an_unshipped_order_returns_money_freight_and_stock(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await paid_order_with_lines(app, client, context, lines=[(1990, 2)])
    assert order["freight_fen"] == 800
    assert await _stock(client, goods[0]) == 18
    requested = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "买错了"}
    )
    assert requested.json()["status"] == "refund_requested"
    admin = await factories.merchant(client, context)
    listed = (
        await client.get("/api/admin/v1/refunds", params={"status": "requested"}, headers=admin)
    ).json()
    refund = listed["items"][0]
    assert (refund["amount_fen"], refund["restock"]) == (order["total_fen"], True)
    approved = await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    await settle(app)
    detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert (detail["status"], detail["status_text"]) == ("refunded", "已退款")
    assert await _stock(client, goods[0]) == 20
    refunds = (await client.get(f"/api/v1/orders/{order['id']}/refunds", headers=headers)).json()
    assert [(r["status"], r["amount_fen"]) for r in refunds] == [("succeeded", 4780)]
    twice = await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    assert (twice.status_code, twice.json()["error"]) == (409, "refund_state_conflict")


async def test_partial_refunds_by_line_add_up_exactly(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await paid_order_with_lines(
        app, client, context, lines=[(1000, 3), (555, 1)]
    )
    admin = await factories.merchant(client, context)
    await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF0000001"},
    )
    line_a, line_b = order["lines"]
    assert (line_a["pay_fen"], line_b["pay_fen"]) == (3000, 555)

    async def refund(lines: list[dict[str, int]]) -> dict[str, Any]:
        response = await client.post(
            f"/api/v1/orders/{order['id']}/refund",
            headers=headers,
            json={"reason": "有坏果", "lines": lines},
        )
        assert response.status_code == 200, response.text
        refunds = (
            await client.get("/api/admin/v1/refunds", params={"status": "requested"}, headers=admin)
        ).json()["items"]
        approved = await client.post(
            f"/api/admin/v1/refunds/{refunds[0]['id']}/approve", headers=admin
        )
        await settle(app)
        return dict(approved.json())

    first = await refund([{"line_id": line_a["id"], "quantity": 1}])
    assert (first["amount_fen"], first["restock"]) == (1000, False)
    assert await order_status(client, headers, order["id"]) == "shipped"
    too_many = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=headers,
        json={"reason": "x", "lines": [{"line_id": line_a["id"], "quantity": 3}]},
    )
    assert (too_many.status_code, too_many.json()["error"]) == (409, "refund_not_allowed")
    second = await refund(
        [{"line_id": line_a["id"], "quantity": 2}, {"line_id": line_b["id"], "quantity": 1}]
    )
    assert second["amount_fen"] == 2000 + 555
    detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert detail["status"] == "refunded"
    refunds = (await client.get(f"/api/v1/orders/{order['id']}/refunds", headers=headers)).json()
    assert sum(r["amount_fen"] for r in refunds) == order["goods_total_fen"]
    assert await _stock(client, goods[0]) == 17


async def test_thirds_of_a_line_are_refunded_without_losing_a_fen(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await paid_order_with_lines(app, client, context, lines=[(333, 3)])
    admin = await factories.merchant(client, context)
    line = order["lines"][0]
    amounts = []
    for _ in range(3):
        await client.post(
            f"/api/v1/orders/{order['id']}/refund",
            headers=headers,
            json={"reason": "拆开退", "lines": [{"line_id": line["id"], "quantity": 1}]},
        )
        refund = (
            await client.get("/api/admin/v1/refunds", params={"status": "requested"}, headers=admin)
        ).json()["items"][0]
        amounts.append(refund["amount_fen"])
        await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
        await settle(app)
    assert amounts == [333, 333, 333 + order["freight_fen"]]
    assert sum(amounts) == order["total_fen"]
    assert await order_status(client, headers, order["id"]) == "refunded"


async def test_a_rejected_refund_puts_the_order_back(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await paid_order_with_lines(app, client, context, lines=[(990, 1)])
    admin = await factories.merchant(client, context)
    await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不想要了"}
    )
    busy = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "再来一次"}
    )
    assert busy.status_code == 409
    refund = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"][0]
    rejected = await client.post(
        f"/api/admin/v1/refunds/{refund['id']}/reject", headers=admin, json={"reason": "已经发货"}
    )
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == ("rejected", "已经发货")
    assert await order_status(client, headers, order["id"]) == "paid"


async def test_a_refund_waits_out_a_wechat_outage_and_is_sent_by_the_sweep(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await paid_order_with_lines(app, client, context, lines=[(990, 1)])
    admin = await factories.merchant(client, context)
    await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不想要了"}
    )
    refund = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"][0]
    simulator(app).inject_fault("v3.refund", "500", count=3)
    approved = await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    assert approved.json()["status"] == "approved"
    assert await order_status(client, headers, order["id"]) == "refunding"
    clock.advance(timedelta(minutes=1))
    await jobs.process_refunds(context)
    await settle(app)
    clock.advance(timedelta(minutes=2))
    await jobs.process_refunds(context)
    assert await order_status(client, headers, order["id"]) == "refunded"
    refunds_at_wechat = [
        r for r in simulator(app).snapshot()["refunds"] if r["out_trade_no"] == order["order_no"]
    ]
    assert len(refunds_at_wechat) == 1


async def test_refunds_need_a_paid_order_of_ones_own(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    unpaid = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "x"}
    )
    assert (unpaid.status_code, unpaid.json()["error"]) == (409, "refund_not_allowed")
    stranger = await factories.shopper(client, context, "stranger")
    other = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=stranger, json={"reason": "x"}
    )
    assert other.status_code == 404
    empty = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": ""}
    )
    assert empty.status_code == 422
