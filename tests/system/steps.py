"""Steps the system tests share, all through nginx: shoppers logged in via the simulator,
goods and activities made through the merchant API, and the books checked in the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from tests.system.topology import Topology
from xiaodian.context import AppContext

ADDRESS = {
    "phone": "13800000000",
    "province": "上海市",
    "city": "上海市",
    "district": "徐汇区",
}


@dataclass
class Shopper:
    headers: dict[str, str]
    address_id: int


async def shoppers(
    http: httpx.AsyncClient, shop: Topology, count: int, *, prefix: str
) -> list[Shopper]:
    gate = asyncio.Semaphore(16)

    async def one(number: int) -> Shopper:
        async with gate:
            for _attempt in range(4):
                async with httpx.AsyncClient(timeout=30) as plain:
                    minted = await plain.post(
                        f"{shop.sandbox_url}/wechat/codes", json={"openid": f"{prefix}-{number}"}
                    )
                login = await http.post(
                    "/api/v1/auth/wx-login", json={"code": minted.json()["code"]}
                )
                # a loaded machine's simulator can miss the shop's timeout: 503 wechat_busy,
                # which the mini program retries too (with a fresh code)
                if login.status_code != 503:
                    break
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            address = await http.post(
                "/api/v1/me/addresses",
                headers=headers,
                json={**ADDRESS, "name": f"买家{number}", "detail": f"{number} 号"},
            )
            assert address.status_code == 201, address.text
            return Shopper(headers, int(address.json()["id"]))

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def goods(http: httpx.AsyncClient, admin: dict[str, str], *, stock: int) -> dict[str, Any]:
    category = await http.post("/api/admin/v1/categories", headers=admin, json={"name": "系统"})
    made = await http.post(
        "/api/admin/v1/goods",
        headers=admin,
        json={
            "category_id": category.json()["id"],
            "title": "系统测试草莓",
            "is_on_shelf": True,
            "skus": [{"price_fen": 2990, "stock": stock}],
        },
    )
    assert made.status_code == 201, made.text
    return {"goods_id": made.json()["id"], "sku_id": made.json()["skus"][0]["id"]}


async def flash_item(http: httpx.AsyncClient, admin: dict[str, str], *, units: int) -> int:
    made = await goods(http, admin, stock=units + 20)
    now = datetime.now(UTC)
    created = await http.post(
        "/api/admin/v1/flash-sales",
        headers=admin,
        json={
            "title": "限时1元购",
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "items": [
                {
                    "sku_id": made["sku_id"],
                    "flash_price_fen": 100,
                    "flash_stock": units,
                    "per_user_limit": 1,
                }
            ],
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["item_ids"][0])


async def pay(
    http: httpx.AsyncClient,
    shop: Topology,
    who: Shopper,
    order_id: int,
    *,
    duplicates: int = 0,
) -> str:
    """Ask for a prepay through nginx and confirm it in the simulator (which notifies the shop
    through nginx); the out_trade_no."""
    for _attempt in range(3):
        answer = await http.post(
            f"/api/v1/orders/{order_id}/pay", headers=who.headers, json={"channel": "wechat"}
        )
        # 502: it was on a server killed under it; asking again gives the same out_trade_no
        if answer.status_code != 502:
            break
    assert answer.status_code == 200, answer.text
    prepay_id = answer.json()["package"].removeprefix("prepay_id=")
    async with httpx.AsyncClient(timeout=30) as plain:
        confirmed = await plain.post(
            f"{shop.sandbox_url}/wechat/pay/{prepay_id}/confirm", json={"duplicates": duplicates}
        )
    assert confirmed.status_code == 200, confirmed.text
    return str(answer.json()["out_trade_no"])


@dataclass
class Books:
    allocated: int
    units_left: int
    sold: int
    held: int
    orders_over_limit: int


async def flash_books(context: AppContext, item_id: int) -> Books:
    """The item's pool against the orders that took from it (paid or waiting to be paid)."""
    async with context.db.engine.connect() as connection:
        quota_id, allocated, units_left = (
            await connection.execute(
                text(
                    "SELECT id, allocated, units_left FROM stock_quotas"
                    " WHERE activity = 'flash' AND activity_id = :item"
                ),
                {"item": item_id},
            )
        ).one()
        rows = (
            await connection.execute(
                text(
                    "SELECT o.status, COALESCE(SUM(l.quantity), 0) FROM orders o"
                    " JOIN order_lines l ON l.order_id = o.id WHERE l.quota_id = :quota"
                    " GROUP BY o.status"
                ),
                {"quota": quota_id},
            )
        ).all()
        over = (
            await connection.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT o.user_id FROM orders o"
                    " JOIN order_lines l ON l.order_id = o.id WHERE l.quota_id = :quota"
                    " AND o.status <> 'closed' GROUP BY o.user_id"
                    " HAVING SUM(l.quantity) > 1) t"
                ),
                {"quota": quota_id},
            )
        ).scalar_one()
    by_status = {status: int(units) for status, units in rows}
    held = by_status.get("pending_payment", 0)
    sold = sum(
        units for status, units in by_status.items() if status not in ("pending_payment", "closed")
    )
    return Books(int(allocated), int(units_left), sold, held, int(over))


async def paid_trades(shop: Topology) -> set[str]:
    """The out_trade_no of every trade the simulator has taken money for."""
    async with httpx.AsyncClient(timeout=30) as plain:
        state = (await plain.get(f"{shop.sandbox_url}/wechat/pay/state")).json()
    return {order["out_trade_no"] for order in state["orders"] if order["trade_state"] == "SUCCESS"}


async def notifications_applied_once(
    context: AppContext, shop: Topology, *, before: set[str]
) -> int:
    """Every trade the simulator took money for since `before` is a succeeded payment of an
    order that left 待支付, with exactly one notification applied; how many."""
    paid = await paid_trades(shop) - before
    async with context.db.engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT p.out_trade_no, p.status, o.status,"
                    " (SELECT COUNT(*) FROM payment_notifications n"
                    "  WHERE n.out_trade_no = p.out_trade_no AND n.outcome = 'paid')"
                    " FROM payments p JOIN orders o ON o.id = p.order_id"
                ),
            )
        ).all()
    ours = {row[0]: row for row in rows}
    for trade in paid:
        assert trade in ours, f"the simulator took money for {trade}, the shop has no payment"
        _, payment_status, order_status, applied = ours[trade]
        assert payment_status in ("succeeded", "refunded", "partially_refunded"), ours[trade]
        assert order_status != "pending_payment", ours[trade]
        assert applied == 1, ours[trade]
    return len(paid)


async def paid(http: httpx.AsyncClient, who: Shopper, order_id: int, *, seconds: float = 20) -> str:
    """Wait until the order has left 待支付 (its notification arrived); its status."""
    from tests.waiting import until

    async def left_pending() -> str | None:
        shown = await http.get(f"/api/v1/orders/{order_id}", headers=who.headers)
        status = str(shown.json()["status"])
        return None if status == "pending_payment" else status

    return await until(left_pending, f"order {order_id} to be paid", seconds=seconds)
