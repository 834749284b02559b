"""The shoppers' live channel over a real socket: snapshots, changes after commit (never for a
rolled-back one), merchant edits, and the limits that keep one client from hurting others."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from websockets.exceptions import ConnectionClosed

from tests import factories
from tests.flash.helpers import flash_session, grab
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.live.hub import CHANNEL, hub_of

FLASH_START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)


async def _buyer(client: httpx.AsyncClient, context: AppContext, openid: str) -> tuple[Any, int]:
    headers = await factories.shopper(client, context, openid)
    return headers, await factories.address(client, headers)


async def test_a_subscriber_gets_a_snapshot_then_the_stock_an_order_elsewhere_left(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=10, prices=[1290])
    (sku_id,) = goods["sku_ids"]
    socket = await live()
    (snapshot,) = await socket.subscribe(goods["id"])
    assert snapshot["goods_id"] == goods["id"]
    assert snapshot["on_sale"] is True
    assert snapshot["skus"] == [
        {"sku_id": sku_id, "stock": 10, "stock_hint": "", "price_fen": 1290, "on_sale": True}
    ]
    headers, address = await _buyer(client, context, "live-buyer")
    await factories.place_order(client, headers, sku_id=sku_id, quantity=3, address_id=address)
    change = await socket.frame_of("stock")
    assert change == {
        "type": "stock",
        "goods_id": goods["id"],
        "sku_id": sku_id,
        "stock": 7,
        "stock_hint": "仅剩 7 件",
        "seq": snapshot["seq"] + 1,
    }
    # REST answers carry the same hint.
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert (detail["stock_left"], detail["stock_hint"]) == (7, "仅剩 7 件")
    assert detail["skus"][0]["stock_hint"] == "仅剩 7 件"
    listed = (await client.get("/api/v1/goods")).json()["items"][0]
    assert (listed["stock_left"], listed["stock_hint"]) == (7, "仅剩 7 件")


async def test_a_rolled_back_order_sends_nothing(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=5, specs={"规格": ["大", "小"]})
    big, small = goods["sku_ids"]
    admin = await factories.merchant(client, context)
    await client.patch(f"/api/admin/v1/skus/{small}", headers=admin, json={"stock": 0})
    socket = await live()
    (snapshot,) = await socket.subscribe(goods["id"])
    assert [sku["stock"] for sku in snapshot["skus"]] == [5, 0]
    assert [sku["on_sale"] for sku in snapshot["skus"]] == [True, False]
    headers, address = await _buyer(client, context, "live-rollback")
    # The big SKU is taken first, then the small one fails: the whole order rolls back.
    refused = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [{"sku_id": big, "quantity": 2}, {"sku_id": small, "quantity": 1}],
            "address_id": address,
        },
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "out_of_stock")
    # The next frame is the merchant's restock, numbered right after the snapshot: nothing
    # was published for the rolled-back take in between.
    await client.patch(f"/api/admin/v1/skus/{small}", headers=admin, json={"stock_delta": 4})
    change = await socket.frame()
    assert (change["type"], change["sku_id"], change["stock"], change["seq"]) == (
        "stock",
        small,
        4,
        snapshot["seq"] + 1,
    )
    assert (await client.get(f"/api/v1/goods/{goods['id']}")).json()["skus"][0]["stock"] == 5


async def test_a_cancel_returns_the_stock_and_says_so(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=4)
    (sku_id,) = goods["sku_ids"]
    headers, address = await _buyer(client, context, "live-cancel")
    order = await factories.place_order(
        client, headers, sku_id=sku_id, quantity=4, address_id=address
    )
    socket = await live()
    (snapshot,) = await socket.subscribe(goods["id"])
    assert snapshot["skus"][0]["stock"] == 0
    assert snapshot["skus"][0]["stock_hint"] == "已售罄"
    assert snapshot["skus"][0]["on_sale"] is False
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    change = await socket.frame_of("stock")
    assert (change["stock"], change["stock_hint"], change["seq"]) == (
        4,
        "仅剩 4 件",
        snapshot["seq"] + 1,
    )


async def test_merchant_edits_push_prices_and_off_shelf(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=30, prices=[1000])
    (sku_id,) = goods["sku_ids"]
    admin = await factories.merchant(client, context)
    socket = await live()
    (snapshot,) = await socket.subscribe(goods["id"])
    await client.patch(f"/api/admin/v1/skus/{sku_id}", headers=admin, json={"price_fen": 880})
    price = await socket.frame_of("price")
    assert price["skus"] == [{"sku_id": sku_id, "price_fen": 880, "on_sale": True}]
    assert price["seq"] == snapshot["seq"] + 1
    shelf = await client.post(
        f"/api/admin/v1/goods/{goods['id']}/shelf", headers=admin, json={"on_shelf": False}
    )
    assert shelf.status_code == 200, shelf.text
    off = await socket.frame_of("off_shelf")
    assert (off["goods_id"], off["seq"]) == (goods["id"], snapshot["seq"] + 2)


async def test_only_subscribed_goods_are_pushed_and_unsubscribe_stops_them(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    watched = await factories.make_goods(context, title="梨", stock=50)
    other = await factories.make_goods(context, title="桃", stock=50)
    admin = await factories.merchant(client, context)
    socket = await live()
    await socket.subscribe(watched["id"])
    for goods in (other, watched):
        await client.patch(
            f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=admin, json={"stock_delta": -1}
        )
    change = await socket.frame()
    assert (change["goods_id"], change["stock"]) == (watched["id"], 49)
    await socket.send({"op": "unsubscribe", "goods_ids": [watched["id"]]})
    await socket.send({"op": "ping"})
    assert (await socket.frame())["type"] == "pong"  # the unsubscribe was handled before it
    await client.patch(
        f"/api/admin/v1/skus/{watched['sku_ids'][0]}", headers=admin, json={"stock_delta": -1}
    )
    await socket.send({"op": "ping"})
    assert (await socket.frame())["type"] == "pong"


async def test_subscribing_again_sends_a_fresh_snapshot(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=20)
    admin = await factories.merchant(client, context)
    socket = await live()
    (first,) = await socket.subscribe(goods["id"])
    await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=admin, json={"stock": 12}
    )
    await socket.frame_of("stock")
    (again,) = await socket.subscribe(goods["id"])
    assert (again["skus"][0]["stock"], again["seq"]) == (12, first["seq"] + 1)


async def test_bad_messages_get_error_frames_and_the_socket_stays(
    context: AppContext, live: Any
) -> None:
    goods = await factories.make_goods(context, stock=3)
    socket = await live()
    for bad, code in (
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        (json.dumps({"op": "dance"}), "bad_message"),
        (json.dumps({"op": "subscribe", "goods_ids": ["1"]}), "bad_message"),
        (json.dumps({"op": "subscribe", "goods_ids": [0]}), "bad_message"),
        (json.dumps({"op": "subscribe", "goods_ids": list(range(1, 202))}), "too_many_goods"),
        ("x" * 9000, "message_too_large"),
    ):
        await socket.send(bad)
        frame = await socket.frame()
        assert (frame["type"], frame["code"]) == ("error", code), bad[:40]
        assert frame["message"]
    (snapshot,) = await socket.subscribe(goods["id"])
    assert snapshot["skus"][0]["stock_hint"] == "仅剩 3 件"


async def test_two_hundred_goods_per_connection_at_most(context: AppContext, live: Any) -> None:
    socket = await live()
    await socket.send({"op": "subscribe", "goods_ids": list(range(1, 151))})
    for _ in range(150):
        await socket.frame_of("snapshot")
    await socket.send({"op": "subscribe", "goods_ids": list(range(151, 252))})
    refused = await socket.frame()
    assert (refused["code"], refused["limit"], refused["subscribed"]) == (
        "too_many_goods",
        200,
        150,
    )
    unknown = await socket.subscribe(151)
    assert unknown[0] == {
        "type": "snapshot",
        "goods_id": 151,
        "seq": 0,
        "on_sale": False,
        "skus": [],
    }


async def test_a_flood_of_malformed_messages_ends_in_a_close_code(live: Any) -> None:
    socket = await live()
    for _ in range(20):
        await socket.send("{")
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await socket.frame()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4002


async def test_an_idle_client_is_closed_with_4000(
    live: Any, settings: Settings, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "live_idle_seconds", 0.3)
    socket = await live()
    with pytest.raises(ConnectionClosed) as closed:
        await socket.frame(seconds=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000


async def test_too_many_connections_from_one_address_are_refused(
    live: Any, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "live_max_connections_per_ip", 2)
    first, second = await live(), await live()
    third = await live()
    with pytest.raises(ConnectionClosed) as closed:
        await third.frame()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4029
    await first.send({"op": "ping"})
    assert (await first.frame())["type"] == "pong"
    await second.socket.close()
    fourth = await live()  # a place is free again once one left
    await fourth.send({"op": "ping"})
    assert (await fourth.frame())["type"] == "pong"


async def test_a_consumer_that_falls_behind_is_dropped_not_waited_for(
    live: Any, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "live_queue_frames", 8)
    goods = await factories.make_goods(context, stock=3)
    slow, fine = await live(), await live()
    await slow.subscribe(goods["id"])
    hub = hub_of(context)
    # 50 frames reach this process's hub in one go, faster than any socket drains: the slow
    # one's queue of 8 overflows and it is dropped; a socket that reads keeps going.
    for seq in range(1, 51):
        frame = {"type": "stock", "goods_id": goods["id"], "sku_id": 1, "stock": seq, "seq": seq}
        await hub._on_frame({"g": goods["id"], "f": frame})
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await slow.frame()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
    await fine.send({"op": "ping"})
    assert (await fine.frame())["type"] == "pong"
    assert CHANNEL == "live.goods"


async def test_a_token_is_optional_but_a_bad_one_is_refused(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    headers = await factories.shopper(client, context, "live-token")
    token = headers["Authorization"].removeprefix("Bearer ")
    signed_in = await live(f"?token={token}")
    await signed_in.send({"op": "ping"})
    assert (await signed_in.frame())["type"] == "pong"
    forged = await live("?token=nope")
    with pytest.raises(ConnectionClosed) as closed:
        await forged.frame()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001


async def test_a_flash_order_pushes_the_pool_it_left_read_after_the_commit(
    client: httpx.AsyncClient, context: AppContext, live: Any
) -> None:
    """The flash pool's row is the one every buyer waits on: its take is the transaction's
    last statement (on MariaDB, one statement with the commit), and the pool's units left
    are read once the order has committed (and pushed to the item's watchers)."""
    clock.freeze(FLASH_START - timedelta(minutes=10))
    goods = await factories.make_goods(context, stock=20, prices=[2990])
    (sku_id,) = goods["sku_ids"]
    admin = await factories.merchant(client, context)
    created = await flash_session(
        client, admin, sku_id=sku_id, starts_at=FLASH_START, flash_stock=5
    )
    (item_id,) = created["item_ids"]
    clock.freeze(FLASH_START + timedelta(seconds=1))
    socket = await live()
    await socket.subscribe(goods["id"])
    headers, address = await _buyer(client, context, "flash-live-buyer")
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        seen.append(" ".join(text.split()[:6]))

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    engine = context.db.engine.sync_engine
    reader = context.db.read_engine.sync_engine  # autocommit reads (the engine itself on SQLite)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    if reader is not engine:
        event.listen(reader, "before_cursor_execute", statement)
    try:
        response = await grab(client, headers, item_id, address)
        assert response.status_code == 201, response.text
        frame = await socket.frame_of("flash_stock")
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        if reader is not engine:
            event.remove(reader, "before_cursor_execute", statement)
    assert isinstance(frame.pop("seq"), int)
    assert frame == {
        "type": "flash_stock",
        "goods_id": goods["id"],
        "sku_id": sku_id,
        "activity_id": item_id,
        "units_left": 4,
        "status": "open",
    }
    take = next(i for i, text in enumerate(seen) if "UPDATE stock_quotas SET" in text)
    if getattr(context.db.engine.dialect, "is_mariadb", False):
        assert seen[take].startswith("BEGIN NOT ATOMIC UPDATE stock_quotas SET"), seen[take:]
    else:
        assert seen[take].startswith("UPDATE stock_quotas SET"), seen[take:]
    assert seen[take + 1] == "COMMIT", seen[take:]
    assert any(text.startswith("SELECT stock_quotas.id,") for text in seen[take + 2 :]), seen
