"""Share codes (getwxacodeunlimit) cached as media; express tracking through Kuaidi100."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests import factories
from tests.groupbuy import helpers as groupbuy
from tests.payments.helpers import settle
from tests.wechat.conftest import platform
from tests.wechat.helpers import admin, paid_order, ship
from xiaodian.context import AppContext
from xiaodian.integrations import kuaidi100
from xiaodian.sandbox.wechat_platform import PlatformSimulator

PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_goods_share_code_is_made_once_and_served_with_cache_headers(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    headers = await factories.shopper(client, context, "sharer")
    url = f"/api/v1/share-codes/goods/{goods['id']}"
    first = await client.get(url, headers=headers)
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert "max-age" in first.headers["cache-control"]
    assert first.content.startswith(PNG)
    second = await client.get(url, headers=headers)
    assert second.content == first.content
    assert platform(app).calls["getwxacodeunlimit"] == 1
    [asked] = platform(app).received["getwxacodeunlimit"]
    assert asked["scene"] == f"g={goods['id']}"
    assert asked["page"] == "subpackages/goods/detail/index"
    assert (context.settings.media_dir / "wxacode" / f"goods-{goods['id']}.png").exists()


async def test_share_code_errors(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context, "sharer")
    missing = await client.get("/api/v1/share-codes/goods/999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"] == "share_target_not_found"
    goods = await factories.make_goods(context, title="梨")
    platform(app).faults["getwxacodeunlimit"] = [45009]
    busy = await client.get(f"/api/v1/share-codes/goods/{goods['id']}", headers=headers)
    assert busy.status_code == 503 and busy.json()["error"] == "share_code_unavailable"
    assert (await client.get(f"/api/v1/share-codes/goods/{goods['id']}")).status_code == 401
    assert (
        await client.get(f"/api/v1/share-codes/poster/{goods['id']}", headers=headers)
    ).status_code == 422
    group = await client.get("/api/v1/share-codes/group/77", headers=headers)
    assert (group.status_code, group.json()["error"]) == (404, "share_target_not_found")
    assert group.json()["message"] == "拼团不存在"


async def test_a_group_share_code_opens_the_group_page_while_the_group_forms(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await admin(client, context)
    goods, campaign = await groupbuy.campaign(client, context, merchant)
    leader, second, third = await groupbuy.shoppers(client, context, 3, prefix="poster")
    sku_id = goods["sku_ids"][0]
    unpaid = await groupbuy.open_group(client, leader, campaign["id"], sku_id)
    pending_id = unpaid.json()["group"]["id"]
    not_open = await client.get(f"/api/v1/share-codes/group/{pending_id}", headers=leader.headers)
    assert not_open.status_code == 404  # the leader has not paid: nobody may see it yet
    group_id, _ = await groupbuy.opened(app, client, context, second, campaign["id"], sku_id)

    code = await client.get(f"/api/v1/share-codes/group/{group_id}", headers=second.headers)
    assert code.status_code == 200 and code.content.startswith(PNG)
    [asked] = platform(app).received["getwxacodeunlimit"]
    assert (asked["scene"], asked["page"]) == (f"t={group_id}", "subpackages/groupbuy/group/index")

    # filled: the code already made is still served; a new one is refused clearly
    for member in (third, leader):
        joined = await groupbuy.join(client, member, group_id, sku_id)
        assert joined.status_code == 201, joined.text
        await groupbuy.pay(app, client, context, member, joined.json()["order"]["id"])
    assert (await groupbuy.group(client, group_id))["status"] == "filled"
    kept = await client.get(f"/api/v1/share-codes/group/{group_id}", headers=third.headers)
    assert kept.status_code == 200
    (context.settings.media_dir / "wxacode" / f"group-{group_id}.png").unlink()
    closed = await client.get(f"/api/v1/share-codes/group/{group_id}", headers=third.headers)
    assert (closed.status_code, closed.json()["error"]) == (409, "share_target_closed")


def test_the_simulator_checks_scene_and_page_like_wechat() -> None:
    simulator = PlatformSimulator(appid="a", secret="s")
    assert simulator.share_code({"scene": "a%20b", "page": "p/x"}) == {
        "errcode": 40169,
        "errmsg": "invalid length for scene",
    }
    assert simulator.share_code({"scene": "x" * 33, "page": "p/x"})["errcode"] == 40169  # type: ignore[index]
    assert simulator.share_code({"scene": "g=1", "page": "/p/x"})["errcode"] == 41030  # type: ignore[index]
    assert simulator.share_code({"scene": "g=1", "page": "p/x", "width": 100})["errcode"] == 47001  # type: ignore[index]


async def test_without_a_provider_key_the_order_shows_carrier_and_number(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers = await paid_order(app, client, context)
    merchant = await admin(client, context)
    await ship(client, merchant, order["id"], carrier="圆通速递", tracking_no="YT9876543210")
    answer = (await client.get(f"/api/v1/orders/{order['id']}/tracking", headers=headers)).json()
    assert answer == {
        "carrier": "圆通速递",
        "tracking_no": "YT9876543210",
        "provider": None,
        "state": None,
        "state_text": None,
        "points": [],
        "error": None,
    }
    assert "kuaidi100" not in platform(app).calls


async def test_tracking_through_kuaidi100_is_cached_within_its_limits(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers = await paid_order(app, client, context)
    merchant = await admin(client, context)
    await ship(client, merchant, order["id"], carrier="圆通速递", tracking_no="YT9876543210")
    await settle(app)
    original = context.settings
    context.settings = original.model_copy(
        update={
            "kuaidi100_base_url": original.wechat_api_base,
            "kuaidi100_customer": "sandbox-customer",
            "kuaidi100_key": "sandbox-key",
        }
    )
    try:
        url = f"/api/v1/orders/{order['id']}/tracking"
        first = (await client.get(url, headers=headers)).json()
        assert first["provider"] == "kuaidi100"
        assert first["state_text"] == "已揽收"
        assert [p["context"] for p in first["points"]] == ["【上海】快件已揽收"]
        again = (await client.get(url, headers=headers)).json()
        assert again == first
        for_merchant = (
            await client.get(f"/api/admin/v1/orders/{order['id']}/tracking", headers=merchant)
        ).json()
        assert for_merchant == first
        assert platform(app).calls["kuaidi100"] == 1  # one query per waybill per 30 minutes
        other = await factories.shopper(client, context, "someone-else")
        assert (await client.get(url, headers=other)).status_code == 404
        # the timeline advances when the window has passed
        await context.cache.clear()
        platform(app).kuaidi_strict = False
        later = (await client.get(url, headers=headers)).json()
        assert later["state_text"] == "运输中"
        assert [p["context"] for p in later["points"]][-1] == "【上海】快件已揽收"
        assert len(later["points"]) == 2
    finally:
        context.settings = original
        platform(app).kuaidi_strict = True


async def test_kuaidi100_signature_and_limits_at_the_simulator(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    base = context.settings.wechat_api_base
    wrong = kuaidi100.query(
        context.http,
        base_url=base,
        customer="sandbox-customer",
        key="wrong",
        company="yuantong",
        number="YT9876543210",
    )
    try:
        await wrong
    except kuaidi100.TrackingError as error:
        assert error.status == "601"
    else:
        raise AssertionError("a wrong signature was accepted")
    found = await kuaidi100.query(
        context.http,
        base_url=base,
        customer="sandbox-customer",
        key="sandbox-key",
        company="yuantong",
        number="YT9876543210",
    )
    assert found.state == "1"
    try:
        await kuaidi100.query(
            context.http,
            base_url=base,
            customer="sandbox-customer",
            key="sandbox-key",
            company="yuantong",
            number="YT9876543210",
        )
    except kuaidi100.TrackingError as error:
        assert error.status == "503"  # queried again within 30 minutes: locked
    else:
        raise AssertionError("the 30-minute limit was not enforced")
