"""Owner-only pages over HTTP: staff accounts, shop settings, payment credentials — and the 403
that staff get there."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.console.helpers import PASSWORD, Console, make_admin, signed_in
from xiaodian.context import AppContext
from xiaodian.models import AdminUser, PaymentCredential, ShopSettings


async def test_staff_get_a_403_page_on_every_owner_page_and_do_not_see_them_in_the_menu(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await make_admin(context)
    console = await signed_in(client, context, username="clerk", role="staff")
    home = await console.get("/")
    assert 'data-section="orders"' in home.text
    assert 'data-section="staff"' not in home.text
    assert 'data-section="settings"' not in home.text
    for path in ("/staff", "/settings"):
        page = await console.get(path)
        assert page.status_code == 403
        assert "只有店主可以访问此页面" in page.text
    for path, data in (
        ("/staff", {"username": "mole", "password": PASSWORD}),
        ("/staff/1", {"action": "role", "role": "staff"}),
        ("/settings", {"name": "别人的店"}),
        ("/settings/payments", {"wechat_pay_mchid": "1900000001"}),
    ):
        refused = await console.post(path, data)
        assert refused.status_code == 403, path
    async with context.db.transaction(write=False) as session:
        assert (
            await session.scalar(select(AdminUser.id).where(AdminUser.username == "mole")) is None
        )


async def test_the_owner_adds_staff_and_mistakes_show_next_to_the_fields(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    bad = await console.post(
        "/staff", {"username": "a b", "password": "short", "display_name": "", "role": "staff"}
    )
    assert bad.status_code == 422
    assert "只能用字母、数字、下划线、点和短横线" in bad.text
    assert "至少 8 个字符" in bad.text
    created = await console.post(
        "/staff", {"username": "clerk", "password": PASSWORD, "display_name": "小王"}
    )
    assert created.status_code == 303
    taken = await console.post("/staff", {"username": "clerk", "password": PASSWORD})
    assert taken.status_code == 422 and "用户名已被使用" in taken.text
    clerk = Console(httpx.AsyncClient(transport=client._transport, base_url=client.base_url))
    async with clerk.client:
        assert (await clerk.login("clerk")).status_code == 303


async def test_disabling_or_resetting_a_password_signs_the_account_out(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await signed_in(client, context)
    clerk_id = await make_admin(context, username="clerk", role="staff")
    async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as other:
        clerk = Console(other)
        await clerk.login("clerk")
        assert (await clerk.get("/orders")).status_code == 200
        short = await owner.post(f"/staff/{clerk_id}", {"action": "password", "password": "x"})
        assert short.status_code == 422 and "至少 8 个字符" in short.text
        reset = await owner.post(
            f"/staff/{clerk_id}", {"action": "password", "password": "new-password-1"}
        )
        assert reset.status_code == 303
        assert (await clerk.get("/orders")).status_code == 303  # back to the login page
        assert (await clerk.login("clerk", "new-password-1")).status_code == 303
        disabled = await owner.post(f"/staff/{clerk_id}", {"action": "disable"})
        assert disabled.status_code == 303
        assert (await clerk.get("/orders")).status_code == 303
        assert (await clerk.login("clerk", "new-password-1")).status_code == 401


async def test_the_last_owner_cannot_be_disabled_or_demoted(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    async with context.db.transaction(write=False) as session:
        owner_id = await session.scalar(select(AdminUser.id))
    for data in ({"action": "disable"}, {"action": "role", "role": "staff"}):
        response = await console.post(f"/staff/{owner_id}", data)
        assert response.status_code == 422
        assert "至少要保留一个可用的店主账号" in response.text


async def test_shop_settings_take_yuan_store_fen_and_explain_mistakes(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    form = {
        "name": "邻里鲜",
        "logo_url": "",
        "service_phone": "电话",
        "notice": "",
        "unpaid_timeout_minutes": "0",
        "auto_confirm_days": "7",
        "freight": "abc",
        "free_freight_threshold": "99",
    }
    bad = await console.post("/settings", form)
    assert bad.status_code == 422
    for message in ("请填写电话号码，如 021-12345678", "不能小于 1", "请输入金额，如 19.90"):
        assert message in bad.text
    form |= {"service_phone": "021-12345678", "unpaid_timeout_minutes": "15", "freight": "6.5"}
    saved = await console.post("/settings", form)
    assert saved.status_code == 303
    async with context.db.transaction(write=False) as session:
        shop = await session.scalar(select(ShopSettings))
    assert shop is not None
    assert (shop.name, shop.freight_fen, shop.free_freight_threshold_fen) == ("邻里鲜", 650, 9900)
    assert shop.unpaid_timeout_minutes == 15
    assert 'value="6.50"' in (await console.get("/settings")).text


async def test_payment_secrets_are_stored_encrypted_and_only_shown_masked(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    wrong = await console.post("/settings/payments", {"wechat_pay_apiv3_key": "too-short"})
    assert wrong.status_code == 422 and "APIv3 密钥应为 32 个字符" in wrong.text
    key = "0123456789abcdefghijABCDEFGHIJkl"
    saved = await console.post(
        "/settings/payments", {"wechat_pay_apiv3_key": key, "wechat_pay_mchid": "1900000001"}
    )
    assert saved.status_code == 303
    page = await console.get("/settings")
    assert key not in page.text and "••••IJkl" in page.text and "1900000001" in page.text
    async with context.db.transaction(write=False) as session:
        stored = (await session.execute(select(PaymentCredential.ciphertext))).scalars().all()
    assert stored and all(key not in value for value in stored)
    cleared = await console.post("/settings/payments", {"clear.wechat_pay_apiv3_key": "on"})
    assert cleared.status_code == 303
    assert "••••IJkl" not in (await console.get("/settings")).text
