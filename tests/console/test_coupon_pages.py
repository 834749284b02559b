"""营销 → 优惠券 and 满减活动 in the console over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests import factories
from tests.console.helpers import pay, signed_in
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Coupon, CouponCode, OperationLog, Promotion


async def test_the_coupon_form_shows_each_error_next_to_its_field_and_creates_a_coupon(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    bad = await console.post(
        "/coupons/new",
        {
            "name": "满减",
            "kind": "threshold",
            "threshold": "5",
            "discount": "8",
            "scope_type": "all",
            "valid_days": "",
            "total": "0",
        },
    )
    assert bad.status_code == 422
    assert "减免金额必须小于门槛金额" in bad.text and "不能小于 1" in bad.text
    created = await console.post(
        "/coupons/new",
        {
            "name": "满99减10",
            "kind": "threshold",
            "threshold": "99",
            "discount": "10",
            "scope_type": "all",
            "valid_days": "7",
            "total": "100",
            "per_user_limit": "1",
            "stacks_with_promotions": "on",
        },
    )
    assert created.status_code == 303, created.text
    async with context.db.transaction(write=False) as session:
        coupon = await session.scalar(select(Coupon).where(Coupon.name == "满99减10"))
    assert coupon is not None
    assert (coupon.threshold_fen, coupon.discount_fen, coupon.stacks_with_promotions) == (
        9900,
        1000,
        True,
    )
    page = await console.get("/coupons")
    assert 'data-coupon="满99减10"' in page.text and "满 ¥99.00 减 ¥10.00" in page.text
    paused = await console.post(f"/coupons/{coupon.id}/status", {"action": "pause"})
    assert paused.status_code == 303
    assert "已暂停" in (await console.get("/coupons")).text
    shopper = await factories.shopper(client, context)
    refused = await client.post(f"/api/v1/coupons/{coupon.id}/claim", headers=shopper)
    assert refused.json()["error"] == "coupon_not_claimable"


async def test_code_batches_are_generated_and_downloaded_as_csv(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    await console.post(
        "/coupons/new",
        {
            "name": "兑换券",
            "kind": "no_threshold",
            "discount": "5",
            "scope_type": "all",
            "valid_days": "30",
            "total": "20",
            "by_code": "on",
        },
    )
    async with context.db.transaction(write=False) as session:
        coupon_id = await session.scalar(select(Coupon.id).where(Coupon.name == "兑换券"))
    made = await console.post(f"/coupons/{coupon_id}/codes", {"count": "5"})
    assert made.status_code == 303
    sheet = await console.get(f"/coupons/{coupon_id}/codes.csv")
    async with context.db.transaction(write=False) as session:
        codes = set((await session.scalars(select(CouponCode.code))).all())
    assert len(codes) == 5
    assert {line.split(",")[0] for line in sheet.text.lstrip("\ufeff").split()[1:]} == codes


async def test_a_promotion_needs_tiers_below_their_thresholds_and_a_window(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    bad = await console.post(
        "/promotions",
        {
            "name": "满减",
            "threshold_1": "59",
            "discount_1": "60",
            "scope_type": "all",
            "starts_at": "2026-12-01T10:00",
            "ends_at": "2026-11-01T10:00",
        },
    )
    assert bad.status_code == 422
    assert "减免金额必须小于门槛金额" in bad.text and "开始时间必须早于结束时间" in bad.text
    made = await console.post(
        "/promotions",
        {
            "name": "满59减5",
            "threshold_1": "59",
            "discount_1": "5",
            "threshold_2": "99",
            "discount_2": "12",
            "scope_type": "all",
            "starts_at": "2026-11-01T10:00",
            "ends_at": "2027-01-01T10:00",
        },
    )
    assert made.status_code == 303, made.text
    async with context.db.transaction(write=False) as session:
        promotion = await session.scalar(select(Promotion))
    assert promotion is not None and [t["discount_fen"] for t in promotion.tiers] == [500, 1200]
    assert 'data-promotion="满59减5"' in (await console.get("/promotions")).text
    paused = await console.post(f"/promotions/{promotion.id}/status", {"action": "pause"})
    assert paused.status_code == 303
    assert "已暂停" in (await console.get("/promotions")).text
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(Promotion.status)) == "paused"


async def test_the_dashboard_and_the_coupon_list_show_the_discount_given_on_paid_orders(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    admin = await factories.merchant(client, context, username="api-owner")
    made = await client.post(
        "/api/admin/v1/coupons",
        headers=admin,
        json={
            "name": "无门槛5元",
            "kind": "no_threshold",
            "discount_fen": 500,
            "valid_days": 3,
            "total": 10,
        },
    )
    goods = await factories.make_goods(context, prices=[2000])
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    await client.post(f"/api/v1/coupons/{made.json()['id']}/claim", headers=shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    assert order["discount_fen"] == 500
    assert "data-discount-given>¥0.00" in (await console.get("/")).text  # not paid yet
    await pay(client, context, shopper, order["id"])
    assert "data-discount-given>¥5.00" in (await console.get("/")).text
    assert "data-discount-given>¥5.00" in (await console.get("/coupons")).text


async def test_editing_a_coupon_keeps_its_total_at_or_above_what_was_claimed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    await console.post(
        "/coupons/new",
        {
            "name": "限量券",
            "kind": "no_threshold",
            "discount": "3",
            "scope_type": "all",
            "valid_days": "7",
            "total": "5",
            "per_user_limit": "1",
        },
    )
    async with context.db.transaction(write=False) as session:
        coupon_id = await session.scalar(select(Coupon.id))
    for openid in ("a", "b"):
        shopper = await factories.shopper(client, context, openid)
        await client.post(f"/api/v1/coupons/{coupon_id}/claim", headers=shopper)
    page = await console.get(f"/coupons/{coupon_id}")
    assert "已领 2 张" in page.text and 'value="限量券"' in page.text
    fields = {"name": "限量券", "total": "1", "per_user_limit": "1", "valid_days": "7"}
    refused = await console.post(f"/coupons/{coupon_id}", fields)
    assert refused.status_code == 422 and "发放总量不能少于已领取数量" in refused.text
    saved = await console.post(f"/coupons/{coupon_id}", fields | {"name": "加量券", "total": "9"})
    assert saved.status_code == 303
    async with context.db.transaction(write=False) as session:
        coupon = await session.get(Coupon, coupon_id)
    assert coupon is not None and (coupon.name, coupon.total, coupon.claimed) == ("加量券", 9, 2)


async def test_a_promotion_is_edited_in_its_form_and_the_edit_is_logged(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    made = await console.post(
        "/promotions",
        {
            "name": "满59减5",
            "threshold_1": "59",
            "discount_1": "5",
            "threshold_2": "99",
            "discount_2": "12",
            "scope_type": "all",
            "starts_at": "2026-11-01T10:00",
            "ends_at": "2027-01-01T10:00",
        },
    )
    assert made.status_code == 303, made.text
    async with context.db.transaction(write=False) as session:
        promotion_id = await session.scalar(select(Promotion.id))
    listed = await console.get("/promotions")
    assert f"/promotions/{promotion_id}/edit" in listed.text
    form = await console.get(f"/promotions/{promotion_id}/edit")
    assert form.status_code == 200
    assert 'value="59.00"' in form.text and 'value="12.00"' in form.text
    assert 'value="2026-11-01T10:00"' in form.text and "data-unsaved-warning" in form.text
    edited = {
        "name": "满69减8",
        "threshold_1": "69",
        "discount_1": "8",
        "threshold_2": "",
        "discount_2": "",
        "scope_type": "all",
        "starts_at": "2026-11-01T10:00",
        "ends_at": "2027-02-01T10:00",
    }
    bad = await console.post(
        f"/promotions/{promotion_id}/edit", edited | {"discount_1": "70", "name": ""}
    )
    assert bad.status_code == 422
    assert "减免金额必须小于门槛金额" in bad.text and 'value="70"' in bad.text
    saved = await console.post(f"/promotions/{promotion_id}/edit", edited)
    assert saved.status_code == 303, saved.text
    async with context.db.transaction(write=False) as session:
        promotion = await session.get(Promotion, promotion_id)
        entry = await session.scalar(
            select(OperationLog).where(OperationLog.action == "promotion.update")
        )
    assert promotion is not None
    assert (promotion.name, promotion.tiers) == (
        "满69减8",
        [{"threshold_fen": 6900, "discount_fen": 800}],
    )
    assert clock.to_shop_time(promotion.ends_at).strftime("%Y-%m-%d %H:%M") == "2027-02-01 10:00"
    assert entry is not None and (entry.source, entry.admin_name) == ("console", "owner")
    assert {"field": "name", "old": "满59减5", "new": "满69减8"} in entry.changes
    assert "满69减8" in (await console.get("/promotions")).text
    missing = await console.get("/promotions/999999/edit")
    assert missing.status_code == 404
