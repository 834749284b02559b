from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI

from tests import factories
from tests.conftest import SANDBOX_BASE, build_app, wipe
from tests.payments.helpers import order_status, ordered, prepay, prepay_id, settle, simulator
from xiaodian.config import Settings
from xiaodian.context import AppContext


async def test_alipay_app_pay_is_confirmed_by_a_verified_notify(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"], channel="alipay")
    fields = dict(parse_qsl(params["order_string"]))
    assert (fields["method"], fields["sign_type"]) == ("alipay.trade.app.pay", "RSA2")
    paid = await context.http.post(
        f"{SANDBOX_BASE}/alipay/app-pay/confirm", json={"order_string": params["order_string"]}
    )
    assert paid.status_code == 200, paid.text
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"


async def test_a_tampered_alipay_notify_is_refused(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    await prepay(client, headers, order["id"], channel="alipay")
    forged = {
        "app_id": "2021000000000001",
        "out_trade_no": order["order_no"],
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "0.01",
        "notify_id": "x",
        "sign_type": "RSA2",
        "sign": "bm90IGEgc2lnbmF0dXJl",
    }
    response = await client.post("/api/v1/payments/alipay/notify", data=forged)
    assert response.text == "fail"
    assert await order_status(client, headers, order["id"]) == "pending_payment"


async def test_an_unsigned_wechat_notify_is_a_4xx(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    response = await client.post(
        "/api/v1/payments/wechat/notify",
        content=b'{"id":"x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"


@pytest.fixture(scope="module")
async def v2_app(settings: Settings, migrated: str, workdir: Path) -> FastAPI:
    application = build_app(settings.model_copy(update={"wechat_pay_api_version": "v2"}), workdir)
    async with application.router.lifespan_context(application):
        yield application  # type: ignore[misc]


async def test_merchants_on_the_legacy_api_are_paid_through_v2(v2_app: FastAPI) -> None:
    context = v2_app.state.context
    await wipe(context)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=v2_app), base_url="http://testserver"
    ) as client:
        _, headers, order = await ordered(client, context)
        params = await prepay(client, headers, order["id"])
        assert params["signType"] in ("MD5", "HMAC-SHA256")
        confirmed = await context.http.post(
            f"{SANDBOX_BASE}/wechat/pay/{prepay_id(params)}/confirm"
        )
        assert confirmed.status_code == 200
        await simulator(v2_app).drain()
        assert await order_status(client, headers, order["id"]) == "paid"


async def test_owner_stores_payment_credentials_that_are_never_shown_in_full(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    key = "0123456789abcdefghijklmnopqrstuv"
    response = await client.patch(
        "/api/admin/v1/payment-credentials",
        headers=owner,
        json={"values": {"wechat_pay_apiv3_key": key, "alipay_seller_id": "2088999"}},
    )
    assert response.status_code == 200, response.text
    fields = response.json()["fields"]
    assert fields["wechat_pay_apiv3_key"] == {
        "is_set": True,
        "source": "console",
        "preview": "••••stuv",
        "secret": True,
    }
    assert key not in response.text
    assert fields["alipay_seller_id"]["preview"] == "2088999"
    bad = await client.patch(
        "/api/admin/v1/payment-credentials",
        headers=owner,
        json={"values": {"wechat_pay_private_key_pem": "not a key"}},
    )
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_credential")
    staff = await factories.merchant(client, context, username="clerk", role="staff")
    assert (await client.get("/api/admin/v1/payment-credentials", headers=staff)).status_code == 403
    cleared = await client.patch(
        "/api/admin/v1/payment-credentials",
        headers=owner,
        json={"values": {"wechat_pay_apiv3_key": "", "alipay_seller_id": ""}},
    )
    assert cleared.json()["fields"]["wechat_pay_apiv3_key"]["source"] == "environment"
