from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests import factories
from xiaodian.context import AppContext

_WRITE = re.compile(r"\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?(\w+)", re.IGNORECASE)


async def _stock(client: httpx.AsyncClient, goods_id: int) -> list[int]:
    detail = (await client.get(f"/api/v1/goods/{goods_id}")).json()
    return [sku["stock"] for sku in detail["skus"]]


async def test_preview_prices_freight_and_totals_without_taking_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, prices=[1990], stock=10)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 2}], "address_id": address_id}
    preview = (await client.post("/api/v1/orders/preview", json=body, headers=headers)).json()
    assert (preview["goods_total_fen"], preview["freight_fen"], preview["total_fen"]) == (
        3980,
        800,
        4780,
    )
    assert preview["address"]["id"] == address_id
    assert await _stock(client, goods["id"]) == [10]
    body["items"][0]["quantity"] = 5
    free = (await client.post("/api/v1/orders/preview", json=body, headers=headers)).json()
    assert (free["goods_total_fen"], free["freight_fen"]) == (9950, 0)


async def test_ordering_from_the_cart_takes_stock_and_empties_those_lines(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    apple = await factories.make_goods(context, title="苹果", prices=[500], stock=10)
    pear = await factories.make_goods(context, title="梨", prices=[300], stock=10)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    for goods, quantity in ((apple, 2), (pear, 1)):
        await client.post(
            "/api/v1/cart/items",
            json={"sku_id": goods["sku_ids"][0], "quantity": quantity},
            headers=headers,
        )
    pear_line = (await client.get("/api/v1/cart", headers=headers)).json()["items"]
    pear_line = next(line for line in pear_line if line["title"] == "梨")
    await client.patch(
        f"/api/v1/cart/items/{pear_line['id']}", json={"selected": False}, headers=headers
    )
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={"from_cart": True, "address_id": address_id, "note": "放门口"},
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert [(line["title"], line["quantity"]) for line in order["lines"]] == [("苹果", 2)]
    assert (order["status"], order["status_text"], order["note"]) == (
        "pending_payment",
        "待支付",
        "放门口",
    )
    assert (order["total_fen"], order["can_pay"], order["can_cancel"]) == (1800, True, True)
    assert order["address"]["name"] == "张三"
    assert await _stock(client, apple["id"]) == [8]
    left = (await client.get("/api/v1/cart", headers=headers)).json()["items"]
    assert [line["title"] for line in left] == ["梨"]


async def test_order_numbers_are_readable_unique_and_time_ordered(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=10)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    numbers = [
        (
            await factories.place_order(
                client, headers, sku_id=goods["sku_ids"][0], address_id=address_id
            )
        )["order_no"]
        for _ in range(3)
    ]
    assert all(re.fullmatch(r"20\d{18}", number) for number in numbers)
    assert len(set(numbers)) == 3
    assert [n[:17] for n in numbers] == sorted(n[:17] for n in numbers)


async def test_a_short_line_stops_the_whole_order_and_takes_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    plenty = await factories.make_goods(context, title="多", stock=10)
    scarce = await factories.make_goods(context, title="少", stock=1)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [
                {"sku_id": plenty["sku_ids"][0], "quantity": 3},
                {"sku_id": scarce["sku_ids"][0], "quantity": 2},
            ],
            "address_id": address_id,
        },
    )
    assert response.status_code == 409
    assert response.json()["error"] == "out_of_stock"
    assert await _stock(client, plenty["id"]) == [10]
    assert await _stock(client, scarce["id"]) == [1]
    assert (await client.get("/api/v1/orders", headers=headers)).json()["total"] == 0


async def test_the_placing_answer_is_the_order_as_read_back(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The answer is built from what was written, not read back; it must not differ."""
    apple = await factories.make_goods(
        context, title="苹果", prices=[500, 650], stock=10, specs={"规格": ["小", "大"]}
    )
    pear = await factories.make_goods(context, title="梨", prices=[300], stock=10)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [
                {"sku_id": pear["sku_ids"][0], "quantity": 1},
                {"sku_id": apple["sku_ids"][1], "quantity": 2},
                {"sku_id": apple["sku_ids"][0], "quantity": 3},
            ],
            "address_id": address_id,
            "note": "放门口",
        },
    )
    assert response.status_code == 201, response.text
    placed = response.json()
    read_back = (await client.get(f"/api/v1/orders/{placed['id']}", headers=headers)).json()
    assert placed == read_back
    assert [line["sku_id"] for line in placed["lines"]] == sorted(
        [pear["sku_ids"][0], *apple["sku_ids"]]
    )
    assert [entry["note"] for entry in placed["timeline"]] == ["提交订单"]


async def test_the_same_idempotency_key_never_makes_a_second_order(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=10)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}], "address_id": address_id}
    keyed = {**headers, "Idempotency-Key": "checkout-7f3a"}
    first = await client.post("/api/v1/orders", json=body, headers=keyed)
    retry = await client.post("/api/v1/orders", json=body, headers=keyed)
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await _stock(client, goods["id"]) == [9]
    body["items"][0]["quantity"] = 2
    other = await client.post("/api/v1/orders", json=body, headers=keyed)
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    assert (
        await client.post(
            "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": "a b"}
        )
    ).status_code == 400


async def test_a_failed_order_does_not_burn_its_idempotency_key(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=1)
    headers = {**await factories.shopper(client, context), "Idempotency-Key": "k-1"}
    address_id = await factories.address(client, headers)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 2}], "address_id": address_id}
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 409
    body["items"][0]["quantity"] = 1
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201


async def test_orders_need_the_shoppers_own_address(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    alice = await factories.shopper(client, context, "alice")
    bob = await factories.shopper(client, context, "bob")
    alices_address = await factories.address(client, alice)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}]}
    missing = await client.post("/api/v1/orders", json=body, headers=bob)
    assert (missing.status_code, missing.json()["error"]) == (400, "address_required")
    stolen = await client.post(
        "/api/v1/orders", json={**body, "address_id": alices_address}, headers=bob
    )
    assert (stolen.status_code, stolen.json()["error"]) == (404, "address_not_found")


async def test_nothing_selected_in_the_cart_is_an_empty_checkout(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders", headers=headers, json={"from_cart": True, "address_id": address_id}
    )
    assert (response.status_code, response.json()["error"]) == (400, "empty_checkout")


async def test_off_shelf_goods_cannot_be_ordered(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, on_shelf=False)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={"items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}], "address_id": address_id},
    )
    assert (response.status_code, response.json()["error"]) == (409, "goods_off_shelf")


async def test_duplicate_lines_are_merged_and_capped(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=5000)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    sku_id = goods["sku_ids"][0]
    merged = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [{"sku_id": sku_id, "quantity": 2}, {"sku_id": sku_id, "quantity": 3}],
            "address_id": address_id,
        },
    )
    assert [line["quantity"] for line in merged.json()["lines"]] == [5]
    too_many = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [{"sku_id": sku_id, "quantity": 999}, {"sku_id": sku_id, "quantity": 999}],
            "address_id": address_id,
        },
    )
    assert (too_many.status_code, too_many.json()["error"]) == (400, "quantity_limit")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": [{"sku_id": 1, "quantity": 0}], "address_id": 1},
        {"items": [{"sku_id": 1, "quantity": 1}], "from_cart": True, "address_id": 1},
        {"items": [{"sku_id": 1, "quantity": 1}] * 51, "address_id": 1},
        {"items": [{"sku_id": 1, "quantity": 1}], "address_id": 1, "note": "x" * 201},
        {"items": "all", "address_id": 1},
    ],
)
async def test_malformed_orders_are_422(
    client: httpx.AsyncClient, context: AppContext, body: dict[str, object]
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 422


async def test_a_body_that_is_not_json_is_422(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.post(
        "/api/v1/orders",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_the_stock_rows_are_written_last_just_before_the_commit(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """Every buyer of a SKU waits for its row, held from the take to the commit: the order's
    own rows, its events and the cart go out first (`actions.place`), then the SKUs' UPDATE
    (one for all of them), then only reads (the stock announcement) and the commit."""
    goods = [
        await factories.make_goods(context, title=title, prices=[500], stock=10)
        for title in ("苹果", "梨")
    ]
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    for each in goods:
        added = await client.post(
            "/api/v1/cart/items",
            json={"sku_id": each["sku_ids"][0], "quantity": 2},
            headers=headers,
        )
        assert added.status_code in (200, 201), added.text
    written: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        write = _WRITE.match(statement)
        if write:
            written.append(f"{write.group(1).split()[0].upper()} {write.group(2)}")

    engine = context.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = await client.post(
            "/api/v1/orders", headers=headers, json={"from_cart": True, "address_id": address_id}
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 201, response.text
    first_take = written.index("UPDATE skus")
    assert written[first_take:] == ["UPDATE skus"], written
    before = set(written[:first_take])
    assert {"INSERT orders", "INSERT order_lines", "INSERT order_events", "DELETE cart_items"} <= (
        before
    ), written
    assert [await _stock(client, each["id"]) for each in goods] == [[8], [8]]
