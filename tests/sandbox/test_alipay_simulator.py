from __future__ import annotations

import json

from tests.integrations.payenv import PayEnv
from xiaodian.integrations import alipay_sign
from xiaodian.integrations.wechat import crypto


async def test_an_unknown_method_gets_a_signed_error_response(pay: PayEnv) -> None:
    response = await pay.sandbox.post("/alipay/gateway.do", data={"method": "alipay.nope"})
    raw, data, sign = alipay_sign.signed_response(response.text, "alipay.nope")
    assert raw is not None and sign is not None
    assert data["sub_code"] == "isv.invalid-method"
    assert crypto.rsa_verify(crypto.load_public_key(pay.keys.alipay_public_key_pem), raw, sign)


async def test_parameters_are_accepted_in_the_query_string_too(pay: PayEnv) -> None:
    params = pay.alipay._signed_params("alipay.trade.query", {"out_trade_no": "NONE"})
    response = await pay.sandbox.post("/alipay/gateway.do", params=params)
    data = json.loads(response.text)["alipay_trade_query_response"]
    assert data["sub_code"] == "ACQ.TRADE_NOT_EXIST"


async def test_confirming_an_unknown_trade_is_404(pay: PayEnv) -> None:
    assert (await pay.sandbox.post("/alipay/trade/2024000/confirm")).status_code == 404


async def test_a_forged_app_pay_order_string_is_refused(pay: PayEnv) -> None:
    order_string = pay.alipay.app_pay_order_string(
        out_trade_no="APP-2", total_fen=100, subject="x"
    ).replace("1.00", "0.01")
    response = await pay.sandbox.post(
        "/alipay/app-pay/confirm", json={"order_string": order_string}
    )
    assert response.status_code == 400
    assert pay.simulator.alipay_trades == {}
