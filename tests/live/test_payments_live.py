"""Paying over real sockets: the shop (`xiaodian serve`) and the simulator (`xiaodian sandbox`)
as separate processes, exactly as WeChat and a merchant's server talk to each other."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.live.conftest import LiveShop
from tests.live.shop import buyers, goods_with_stock
from tests.waiting import until
from xiaodian.context import AppContext


async def _wait_for(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], status: str
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(url, headers=headers)).json()
        return body if body["status"] == status else None

    found: dict[str, Any] = await until(reached, f"the order to be {status}", seconds=10)
    return found


async def test_pay_notify_refund_over_real_http(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    shop, sandbox = live_shop.base_url, live_shop.sandbox_url
    async with httpx.AsyncClient(timeout=30) as http:
        sku_id = await goods_with_stock(http, live_shop, admin, stock=5)
        (buyer,) = await buyers(http, live_shop, 1)
        auth = {"Authorization": buyer["Authorization"]}
        placed = (
            await http.post(
                f"{shop}/api/v1/orders",
                headers=auth,
                json={
                    "items": [{"sku_id": sku_id, "quantity": 2}],
                    "address_id": int(buyer["X-Address"]),
                },
            )
        ).json()
        order_url = f"{shop}/api/v1/orders/{placed['id']}"
        pay = await http.post(f"{order_url}/pay", headers=auth, json={"channel": "wechat"})
        assert pay.status_code == 200, pay.text
        prepay_id = pay.json()["package"].removeprefix("prepay_id=")
        confirmed = await http.post(
            f"{sandbox}/wechat/pay/{prepay_id}/confirm", json={"duplicates": 20}
        )
        assert confirmed.status_code == 200, confirmed.text
        paid = await _wait_for(http, order_url, auth, "paid")
        moves = [step for step in paid["timeline"] if step["status"] == "paid"]
        assert len(moves) == 1

        async def all_duplicates_counted() -> str:  # the last ones may still be in flight
            text = (await http.get(f"{shop}/metrics")).text
            return text if 'outcome="duplicate"} 20.0' in text else ""

        metrics = await until(all_duplicates_counted, "20 duplicates counted", seconds=10)
        assert 'xiaodian_payment_notifications_total{channel="wechat",outcome="paid"} 1.0' in (
            metrics
        )
        assert 'outcome="duplicate"} 20.0' in metrics

        sheet = await http.get(f"{sandbox}/wechat/pay/{prepay_id}")
        assert "确认支付" in sheet.text or "已支付" in sheet.text

        await http.post(f"{order_url}/refund", headers=auth, json={"reason": "买多了"})
        refunds = (await http.get(f"{shop}/api/admin/v1/refunds", headers=admin)).json()
        approved = await http.post(
            f"{shop}/api/admin/v1/refunds/{refunds['items'][0]['id']}/approve", headers=admin
        )
        assert approved.status_code == 200, approved.text
        refunded = await _wait_for(http, order_url, auth, "refunded")
        assert refunded["status_text"] == "已退款"
        state = (await http.get(f"{sandbox}/wechat/pay/state")).json()
        mine = [r for r in state["refunds"] if r["out_trade_no"] == placed["order_no"]]
        assert [r["refund_fen"] for r in mine] == [placed["total_fen"]]
