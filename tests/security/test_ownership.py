"""A shopper never reads or changes another shopper's orders, addresses, cart lines, coupons,
refunds or group seats: every such call by shopper B on shopper A's ids answers 404 (the same as
an id that does not exist, so B learns nothing), with a body that would be accepted from A, and
A's things are unchanged afterwards."""

from __future__ import annotations

from typing import Any

import httpx

from tests.coupons.helpers import claim, coupon
from tests.security.conftest import make_cast
from xiaodian.context import AppContext


async def test_shopper_b_gets_404_for_everything_of_shopper_a(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    cast = await make_cast(client, context)
    a, b = cast.shopper_a, cast.shopper_b
    made = await coupon(client, cast.owner, threshold_fen=100, discount_fen=10)
    a_coupon = await claim(client, a.headers, made["id"])
    order, address, item = a.order_id, a.address_id, a.cart_item_id
    line_id = (await client.get(f"/api/v1/orders/{order}", headers=a.headers)).json()["lines"][0][
        "id"
    ]
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/v1/orders/{order}", None),
        ("POST", f"/api/v1/orders/{order}/cancel", None),
        ("POST", f"/api/v1/orders/{order}/confirm", None),
        ("POST", f"/api/v1/orders/{order}/pay", {"channel": "wechat"}),
        ("POST", f"/api/v1/orders/{order}/refund", {"reason": "不想要了"}),
        ("GET", f"/api/v1/orders/{order}/refunds", None),
        ("GET", f"/api/v1/orders/{order}/tracking", None),
        ("GET", f"/api/v1/orders/{order}/group", None),
        ("GET", f"/api/v1/delivery/orders/{order}", None),
        (
            "POST",
            f"/api/v1/orders/{order}/reviews",
            {"reviews": [{"line_id": line_id, "score": 1, "content": "差"}]},
        ),
        ("GET", f"/api/v1/me/addresses/{address}", None),
        ("PATCH", f"/api/v1/me/addresses/{address}", {"name": "李四"}),
        ("DELETE", f"/api/v1/me/addresses/{address}", None),
        ("PATCH", f"/api/v1/cart/items/{item}", {"quantity": 5}),
        ("DELETE", f"/api/v1/cart/items/{item}", None),
    ]
    leaks = []
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=b.headers)
        if response.status_code != 404:
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:160]}")
    # A's coupon and address cannot be used in B's checkout either.
    checkout = {
        "items": [{"sku_id": cast.sku_id, "quantity": 1}],
        "address_id": address,
        "coupon_id": a_coupon,
    }
    for path in ("/api/v1/orders/preview", "/api/v1/orders"):
        response = await client.post(path, json=checkout, headers=b.headers)
        if response.status_code < 400:
            leaks.append(f"POST {path} with A's address and coupon: {response.status_code}")
    assert not leaks, "\n".join(leaks)

    mine = (await client.get(f"/api/v1/orders/{order}", headers=a.headers)).json()
    assert mine["status"] == "pending_payment"
    kept = (await client.get(f"/api/v1/me/addresses/{address}", headers=a.headers)).json()
    assert kept["name"] == "张三"
    cart = (await client.get("/api/v1/cart", headers=a.headers)).json()
    assert [(line["id"], line["quantity"]) for line in cart["items"]] == [(item, 1)]
    coupons = (await client.get("/api/v1/me/coupons", headers=a.headers)).json()
    assert [c["id"] for c in coupons["items"]] == [a_coupon]
    b_orders = (await client.get("/api/v1/orders", headers=b.headers)).json()
    assert order not in [o["id"] for o in b_orders["items"]]
