"""The WeChat Pay simulator over plain HTTP: what it checks, what it answers, control routes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integrations.payenv import APPID, SANDBOX, PayEnv
from xiaodian.core import clock
from xiaodian.integrations.wechat import crypto
from xiaodian.sandbox.keys import DEMO_MCHID
from xiaodian.sandbox.payment_app import create_payment_app


def _jsapi_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "appid": APPID,
        "mchid": DEMO_MCHID,
        "description": "小店<script>",
        "out_trade_no": "SIM-0001",
        "notify_url": "https://shop.test/notify",
        "amount": {"total": 1990, "currency": "CNY"},
        "payer": {"openid": "o-sim"},
    }
    body.update(changes)
    return body


async def _signed_post(pay: PayEnv, url: str, payload: dict[str, Any]) -> httpx.Response:
    body = json.dumps(payload).encode()
    authorization = crypto.build_authorization(
        private_key=crypto.load_private_key(pay.keys.merchant_private_key_pem),
        mchid=DEMO_MCHID,
        serial_no=pay.keys.merchant_serial,
        method="POST",
        url=url,
        body=body,
        timestamp=str(int(clock.now().timestamp())),
        nonce=crypto.new_nonce(),
    )
    return await pay.sandbox.post(
        url, content=body, headers={"Authorization": authorization.header_value()}
    )


def _verifies(pay: PayEnv, response: httpx.Response) -> bool:
    headers = response.headers
    key = crypto.load_public_key(pay.keys.platform_certificate_pem)
    return headers["wechatpay-serial"] == pay.keys.platform_serial and crypto.verify_response(
        key,
        timestamp=headers["wechatpay-timestamp"],
        nonce=headers["wechatpay-nonce"],
        body=response.content,
        signature=headers["wechatpay-signature"],
    )


async def test_an_unsigned_request_gets_a_signed_401_sign_error(pay: PayEnv) -> None:
    response = await pay.sandbox.post("/v3/pay/transactions/jsapi", json=_jsapi_body())
    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"
    assert _verifies(pay, response)


async def test_a_signature_over_other_bytes_gets_401(pay: PayEnv) -> None:
    good = _jsapi_body()
    body = json.dumps(good).encode()
    authorization = crypto.build_authorization(
        private_key=crypto.load_private_key(pay.keys.merchant_private_key_pem),
        mchid=DEMO_MCHID,
        serial_no=pay.keys.merchant_serial,
        method="POST",
        url="/v3/pay/transactions/jsapi",
        body=body + b" ",
        timestamp=str(int(clock.now().timestamp())),
        nonce="n",
    )
    response = await pay.sandbox.post(
        "/v3/pay/transactions/jsapi",
        content=body,
        headers={"Authorization": authorization.header_value()},
    )
    assert (response.status_code, response.json()["code"]) == (401, "SIGN_ERROR")


@pytest.mark.parametrize(
    "changes",
    [
        {"out_trade_no": "abc"},
        {"out_trade_no": "has space 123"},
        {"amount": {"total": 19.9}},
        {"amount": {"total": 0}},
        {"amount": {"total": True}},
        {"payer": {}},
        {"notify_url": "https://shop.test/notify?x=1"},
        {"description": "x" * 128},
        {"time_expire": "2030-01-01T00:00:00"},
    ],
)
async def test_invalid_fields_get_400_param_error(pay: PayEnv, changes: dict[str, Any]) -> None:
    response = await _signed_post(pay, "/v3/pay/transactions/jsapi", _jsapi_body(**changes))
    assert (response.status_code, response.json()["code"]) == (400, "PARAM_ERROR")


async def test_another_appid_is_appid_mchid_not_match(pay: PayEnv) -> None:
    response = await _signed_post(pay, "/v3/pay/transactions/jsapi", _jsapi_body(appid="wx-other"))
    assert (response.status_code, response.json()["code"]) == (400, "APPID_MCHID_NOT_MATCH")


async def test_a_prepay_id_is_valid_two_hours_then_a_new_one_is_issued(pay: PayEnv) -> None:
    first = (await _signed_post(pay, "/v3/pay/transactions/jsapi", _jsapi_body())).json()
    clock.freeze(clock.now() + timedelta(hours=2, seconds=1))
    second = (await _signed_post(pay, "/v3/pay/transactions/jsapi", _jsapi_body())).json()
    assert first["prepay_id"] != second["prepay_id"]
    assert pay.simulator.orders["SIM-0001"].prepay_ids_issued == 2


async def test_an_order_past_time_expire_is_closed(pay: PayEnv) -> None:
    expire = clock.now() + timedelta(minutes=15)
    await pay.v3.jsapi_prepay(
        out_trade_no="SIM-0002",
        description="x",
        total_fen=1,
        payer_openid="o",
        time_expire=expire,
    )
    clock.freeze(expire + timedelta(seconds=1))
    assert (await pay.v3.query_by_out_trade_no("SIM-0002")).trade_state == "CLOSED"


async def test_the_payment_sheet_shows_merchant_description_and_yuan(pay: PayEnv) -> None:
    prepay_id = (await _signed_post(pay, "/v3/pay/transactions/jsapi", _jsapi_body())).json()[
        "prepay_id"
    ]
    page = await pay.sandbox.get(f"/wechat/pay/{prepay_id}")
    assert page.status_code == 200
    assert "¥19.90" in page.text and "确认支付" in page.text and "取消" in page.text
    assert pay.simulator.config.merchant_name in page.text
    assert "小店&lt;script&gt;" in page.text and "<script>\n" not in page.text.split("</style>")[0]
    assert f'data-url="{prepay_id}/confirm"' in page.text
    assert (await pay.sandbox.get("/wechat/pay/wx-unknown")).status_code == 404


async def test_confirm_twice_notifies_once_and_a_closed_order_cannot_be_paid(pay: PayEnv) -> None:
    prepay_id = await pay.v3.jsapi_prepay(
        out_trade_no="SIM-0003", description="x", total_fen=1, payer_openid="o"
    )
    assert (await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm")).json()["notified"]
    again = await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm")
    assert again.status_code == 200 and not again.json()["notified"]
    await pay.simulator.drain()
    assert len(pay.receiver.accepted) == 1
    closed_id = await pay.v3.jsapi_prepay(
        out_trade_no="SIM-0004", description="x", total_fen=1, payer_openid="o"
    )
    await pay.v3.close("SIM-0004")
    refused = await pay.sandbox.post(f"/wechat/pay/{closed_id}/confirm")
    assert (refused.status_code, refused.json()["error"]) == (409, "order_closed")
    assert (await pay.sandbox.post("/wechat/pay/wx-nope/confirm")).status_code == 404
    cancelled = await pay.sandbox.post(f"/wechat/pay/{closed_id}/cancel")
    assert cancelled.json()["trade_state"] == "CLOSED"


async def test_control_routes_inject_faults_change_settings_and_show_state(pay: PayEnv) -> None:
    bad = await pay.sandbox.post("/wechat/pay/faults", json={"endpoint": "nope", "kind": "500"})
    assert bad.status_code == 422
    added = await pay.sandbox.post(
        "/wechat/pay/faults", json={"endpoint": "v3.query", "kind": "429", "count": 2}
    )
    assert added.json()["faults"]["v3.query"][0]["remaining"] == 2
    assert (await pay.sandbox.delete("/wechat/pay/faults")).status_code == 204
    changed = await pay.sandbox.post(
        "/wechat/pay/settings", json={"signer": "public_key", "time_scale": 0.5}
    )
    assert changed.json() == {"signer": "public_key", "time_scale": 0.5}
    await pay.v3.jsapi_prepay(
        out_trade_no="SIM-0005", description="x", total_fen=1, payer_openid="o"
    )
    state = (await pay.sandbox.get("/wechat/pay/state")).json()
    assert state["faults"] == {} and state["calls"] == {"v3.jsapi": 1}
    assert state["orders"][0]["out_trade_no"] == "SIM-0005"
    assert (await pay.sandbox.get("/alipay/state")).json()["calls"] == {"v3.jsapi": 1}


async def test_mounted_under_a_prefix_the_signed_path_starts_at_v3(pay: PayEnv) -> None:
    outer = FastAPI()
    outer.mount("/sandbox", create_payment_app(pay.simulator))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=outer)) as http:
        client = type(pay.v3)(pay.v3_config(base_url=f"{SANDBOX}/sandbox"), http)
        prepay_id = await client.jsapi_prepay(
            out_trade_no="SIM-0006", description="x", total_fen=1, payer_openid="o"
        )
        assert (await client.query_by_out_trade_no("SIM-0006")).trade_state == "NOTPAY"
        page = await http.get(f"{SANDBOX}/sandbox/wechat/pay/{prepay_id}")
        assert page.status_code == 200
