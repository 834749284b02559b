"""WeChatPayV3 against the simulator: signatures both ways, idempotency, retries, reconciling."""

from __future__ import annotations

import pytest

from tests.integrations.payenv import APPID, PayEnv
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_errors import (
    UnverifiedResponseError,
    WeChatPayError,
    WeChatPayUnavailable,
    shopper_message,
)
from xiaodian.sandbox.keys import generate_demo_keys


async def _prepay(pay: PayEnv, out_trade_no: str = "ORDER-0001", total_fen: int = 1990) -> str:
    return await pay.v3.jsapi_prepay(
        out_trade_no=out_trade_no,
        description="小店-测试商品",
        total_fen=total_fen,
        payer_openid="o-buyer-1",
    )


async def test_prepay_gives_pay_params_whose_pay_sign_verifies_with_the_merchant_key(
    pay: PayEnv,
) -> None:
    prepay_id = await _prepay(pay)
    params = pay.v3.request_payment_params(prepay_id)
    assert params["package"] == f"prepay_id={prepay_id}"
    assert params["signType"] == "RSA"
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    merchant = crypto.load_public_key(pay.keys.merchant_certificate_pem)
    assert crypto.rsa_verify(merchant, message, params["paySign"])


async def test_the_same_out_trade_no_with_the_same_parameters_gives_the_same_prepay_id(
    pay: PayEnv,
) -> None:
    first = await _prepay(pay)
    second = await _prepay(pay)
    assert first == second
    assert pay.simulator.orders["ORDER-0001"].prepay_ids_issued == 1


async def test_another_amount_for_the_same_out_trade_no_is_a_final_invalid_request(
    pay: PayEnv,
) -> None:
    await _prepay(pay)
    with pytest.raises(WeChatPayError) as caught:
        await _prepay(pay, total_fen=2990)
    assert (caught.value.code, caught.value.http_status) == ("INVALID_REQUEST", 400)
    assert not caught.value.retryable
    assert pay.simulator.calls["v3.jsapi"] == 2


async def test_an_out_trade_no_with_a_pipe_is_signed_as_it_goes_on_the_wire(pay: PayEnv) -> None:
    prepay_id = await _prepay(pay, out_trade_no="A|B*C_1-2")
    transaction = await pay.v3.query_by_out_trade_no("A|B*C_1-2")
    assert transaction.trade_state == "NOTPAY"
    assert pay.simulator.orders["A|B*C_1-2"].prepay_id == prepay_id


async def test_a_request_signed_with_another_merchant_key_gets_401_sign_error(
    pay: PayEnv,
) -> None:
    impostor = generate_demo_keys()
    client = pay.v3_client(merchant_private_key_pem=impostor.merchant_private_key_pem)
    with pytest.raises(WeChatPayError) as caught:
        await client.jsapi_prepay(
            out_trade_no="ORDER-0002", description="x", total_fen=1, payer_openid="o"
        )
    assert (caught.value.code, caught.value.http_status) == ("SIGN_ERROR", 401)
    assert pay.simulator.orders == {}


@pytest.mark.parametrize("kind", ["tamper", "unsigned"])
async def test_a_reply_whose_signature_does_not_hold_is_refused(pay: PayEnv, kind: str) -> None:
    pay.simulator.inject_fault("v3.jsapi", kind)  # type: ignore[arg-type]
    with pytest.raises(UnverifiedResponseError):
        await _prepay(pay)
    assert pay.simulator.calls["v3.jsapi"] == 1


async def test_a_reply_signed_by_a_key_the_client_does_not_trust_is_refused(pay: PayEnv) -> None:
    client = pay.v3_client(
        platform_keys={pay.keys.platform_serial: pay.keys.platform_certificate_pem}
    )
    pay.simulator.signer = "public_key"
    with pytest.raises(UnverifiedResponseError, match="unknown serial"):
        await client.jsapi_prepay(
            out_trade_no="ORDER-0003", description="x", total_fen=1, payer_openid="o"
        )


async def test_public_key_mode_replies_verify_with_the_pub_key_id(pay: PayEnv) -> None:
    pay.simulator.signer = "public_key"
    client = pay.v3_client(platform_keys={pay.keys.public_key_id: pay.keys.public_key_pem})
    prepay_id = await client.jsapi_prepay(
        out_trade_no="ORDER-0004", description="x", total_fen=1, payer_openid="o"
    )
    assert prepay_id.startswith("wx")


@pytest.mark.parametrize(("kind", "code"), [("500", "SYSTEM_ERROR"), ("429", "FREQUENCY_LIMITED")])
async def test_server_errors_are_tried_exactly_three_times_with_backoff(
    pay: PayEnv, kind: str, code: str
) -> None:
    pay.simulator.inject_fault("v3.jsapi", kind, count=5)  # type: ignore[arg-type]
    with pytest.raises(WeChatPayUnavailable) as caught:
        await _prepay(pay)
    assert pay.simulator.calls["v3.jsapi"] == 3
    assert pay.sleeps == [0.5, 1.0]
    assert caught.value.code == code
    assert caught.value.attempts == 3
    assert not caught.value.ambiguous
    assert pay.simulator.calls["v3.query"] == 0


async def test_two_failures_then_success_returns_the_prepay_id(pay: PayEnv) -> None:
    pay.simulator.inject_fault("v3.jsapi", "500", count=2)
    prepay_id = await _prepay(pay)
    assert pay.simulator.orders["ORDER-0001"].prepay_id == prepay_id
    assert pay.simulator.calls["v3.jsapi"] == 3


async def test_after_an_ambiguous_timeout_the_order_is_queried_before_sending_again(
    pay: PayEnv,
) -> None:
    pay.simulator.inject_fault("v3.jsapi", "timeout", hang_seconds=5)
    prepay_id = await _prepay(pay)
    assert pay.simulator.call_log == ["v3.jsapi", "v3.query", "v3.jsapi"]
    order = pay.simulator.orders["ORDER-0001"]
    assert order.prepay_id == prepay_id
    assert order.prepay_ids_issued == 1
    assert len(pay.simulator.orders) == 1


async def test_three_timeouts_give_up_as_unavailable_with_one_order_only(pay: PayEnv) -> None:
    pay.simulator.inject_fault("v3.jsapi", "timeout", count=3, hang_seconds=5)
    with pytest.raises(WeChatPayUnavailable) as caught:
        await _prepay(pay)
    assert caught.value.ambiguous
    assert caught.value.code == "NETWORK_ERROR"
    assert caught.value.shopper_message == "支付失败，请检查网络后重试"
    assert pay.simulator.calls["v3.jsapi"] == 3
    assert pay.simulator.calls["v3.query"] == 2
    assert pay.simulator.orders["ORDER-0001"].prepay_ids_issued == 1


async def test_after_a_timeout_a_paid_order_is_reported_paid_instead_of_sent_again(
    pay: PayEnv,
) -> None:
    prepay_id = await _prepay(pay)
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm", json={"skip_notify": True})
    pay.simulator.inject_fault("v3.jsapi", "timeout", hang_seconds=5)
    with pytest.raises(WeChatPayError) as caught:
        await _prepay(pay)
    assert caught.value.code == "ORDERPAID"
    assert pay.simulator.call_log[-2:] == ["v3.jsapi", "v3.query"]


async def test_query_close_and_prepay_again_on_a_closed_order(pay: PayEnv) -> None:
    await _prepay(pay)
    await pay.v3.close("ORDER-0001")
    assert (await pay.v3.query_by_out_trade_no("ORDER-0001")).trade_state == "CLOSED"
    with pytest.raises(WeChatPayError) as caught:
        await _prepay(pay)
    assert caught.value.code == "ORDER_CLOSED"
    assert caught.value.shopper_message == "订单已关闭，请重新下单"


async def test_querying_an_unknown_order_is_order_not_exist(pay: PayEnv) -> None:
    with pytest.raises(WeChatPayError) as caught:
        await pay.v3.query_by_out_trade_no("NO-SUCH-ORDER")
    assert (caught.value.code, caught.value.http_status) == ("ORDER_NOT_EXIST", 404)


async def test_certificates_download_bootstraps_trust_from_the_apiv3_key(pay: PayEnv) -> None:
    client = pay.v3_client(platform_keys={})
    certificates = await client.download_certificates()
    assert [c.serial_no for c in certificates] == [pay.keys.platform_serial]
    assert certificates[0].certificate_pem == pay.keys.platform_certificate_pem
    assert client.verifier.serials == {pay.keys.platform_serial}
    assert await client.jsapi_prepay(
        out_trade_no="ORDER-0005", description="x", total_fen=1, payer_openid="o"
    )


async def test_certificates_with_another_apiv3_key_are_refused(pay: PayEnv) -> None:
    client = pay.v3_client(platform_keys={}, apiv3_key="x" * 32)
    with pytest.raises(UnverifiedResponseError):
        await client.download_certificates()
    assert client.verifier.serials == frozenset()


def test_shopper_messages_cover_the_common_codes() -> None:
    assert shopper_message("NOTENOUGH") == "余额不足，请更换支付方式或充值后重试"
    assert shopper_message("SYSTEM_ERROR") == "微信支付繁忙，请稍后重试"
    assert shopper_message("NETWORK_ERROR") == "支付失败，请检查网络后重试"
    assert shopper_message("SOMETHING_NEW") == "支付失败，请稍后重试"
