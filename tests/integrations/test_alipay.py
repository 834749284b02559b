"""AlipayClient against the simulator's gateway, and the signing rules on their own."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from tests.integrations.payenv import PayEnv
from xiaodian.integrations import alipay_sign
from xiaodian.integrations.alipay import (
    AlipayClient,
    AlipayError,
    AlipayNotification,
    AlipayResponseError,
    AlipayUnavailable,
    InvalidAlipayNotification,
    check_notification,
    fen_to_yuan,
    yuan_to_fen,
)
from xiaodian.integrations.wechat import crypto
from xiaodian.sandbox.keys import DEMO_ALIPAY_APP_ID, DEMO_ALIPAY_SELLER_ID, generate_demo_keys


async def _create(pay: PayEnv, out_trade_no: str = "ALI-1", total_fen: int = 12345) -> str:
    trade = await pay.alipay.create_trade(
        out_trade_no=out_trade_no, total_fen=total_fen, subject="小店订单", buyer_id="2088102"
    )
    assert trade.trade_no
    return trade.trade_no


async def _paid(pay: PayEnv, options: dict[str, object] | None = None) -> str:
    trade_no = await _create(pay)
    response = await pay.sandbox.post(f"/alipay/trade/{trade_no}/confirm", json=options or {})
    assert response.status_code == 200
    await pay.simulator.drain()
    return trade_no


def test_amounts_convert_exactly_between_fen_and_yuan() -> None:
    assert [fen_to_yuan(f) for f in (1, 10, 100, 123456, 0)] == [
        "0.01",
        "0.10",
        "1.00",
        "1234.56",
        "0.00",
    ]
    assert [yuan_to_fen(y) for y in ("0.01", "0.1", "1", "1234.56")] == [1, 10, 100, 123456]
    for bad in ("1.234", "-1", "1e3", "", "abc"):
        with pytest.raises(ValueError):
            yuan_to_fen(bad)
    with pytest.raises(ValueError):
        fen_to_yuan(-1)


def test_the_request_sign_source_is_sorted_raw_and_keeps_sign_type() -> None:
    params = {
        "method": "m",
        "app_id": "1",
        "sign": "x",
        "biz_content": '{"a":"b c"}',
        "sign_type": "RSA2",
        "notify_url": "",
    }
    assert alipay_sign.request_sign_source(params) == (
        'app_id=1&biz_content={"a":"b c"}&method=m&sign_type=RSA2'
    )
    form = {**params, "total_amount": "1.00"}
    assert alipay_sign.notification_sign_source(form) == (
        'app_id=1&biz_content={"a":"b c"}&method=m&total_amount=1.00'
    )


def test_the_signed_member_is_cut_out_exactly_as_sent() -> None:
    text = (
        '{ "other": {"alipay_trade_query_response": 1},\n'
        '  "alipay_trade_query_response" : {"code": "10000", "msg":"Success", "x":"\\u4e2d"} ,'
        '"sign":"c2ln" }'
    )
    raw, data, sign = alipay_sign.signed_response(text, "alipay.trade.query")
    assert raw == '{"code": "10000", "msg":"Success", "x":"\\u4e2d"}'
    assert data["x"] == "中" and sign == "c2ln"


async def test_create_query_and_create_again_give_the_same_trade(pay: PayEnv) -> None:
    trade_no = await _create(pay)
    assert await _create(pay) == trade_no
    trade = await pay.alipay.query_trade("ALI-1")
    assert (trade.trade_no, trade.trade_status, trade.total_fen) == (
        trade_no,
        "WAIT_BUYER_PAY",
        12345,
    )
    with pytest.raises(AlipayError) as caught:
        await _create(pay, total_fen=1)
    assert caught.value.sub_code == "ACQ.CONTEXT_INCONSISTENT"


async def test_paying_sends_a_notification_that_verifies_and_matches_the_order(
    pay: PayEnv,
) -> None:
    trade_no = await _paid(pay)
    [notification] = pay.receiver.accepted
    assert isinstance(notification, AlipayNotification)
    assert (notification.trade_no, notification.trade_status) == (trade_no, "TRADE_SUCCESS")
    assert notification.total_fen == 12345 and notification.is_paid
    check_notification(
        notification,
        app_id=DEMO_ALIPAY_APP_ID,
        out_trade_no="ALI-1",
        total_fen=12345,
        seller_id=DEMO_ALIPAY_SELLER_ID,
    )
    with pytest.raises(InvalidAlipayNotification, match="total_amount"):
        check_notification(
            notification, app_id=DEMO_ALIPAY_APP_ID, out_trade_no="ALI-1", total_fen=12346
        )
    assert (await pay.alipay.query_trade("ALI-1")).trade_status == "TRADE_SUCCESS"


async def test_a_badly_signed_notification_is_rejected(pay: PayEnv) -> None:
    await _paid(pay, {"bad_signature": True})
    assert pay.receiver.accepted == []
    assert set(pay.receiver.rejected) == {"bad signature"}


async def test_a_notification_with_a_changed_field_is_rejected(pay: PayEnv) -> None:
    await _paid(pay)
    [notification] = pay.receiver.accepted
    forged = {**notification.fields, "total_amount": "0.01"}
    with pytest.raises(InvalidAlipayNotification, match="bad signature"):
        pay.alipay.verify_notification(forged)
    with pytest.raises(InvalidAlipayNotification, match="RSA2"):
        pay.alipay.verify_notification({**notification.fields, "sign_type": "RSA"})


async def test_a_wrong_amount_notification_verifies_but_fails_the_order_check(
    pay: PayEnv,
) -> None:
    await _paid(pay, {"wrong_amount": True})
    [notification] = pay.receiver.accepted
    with pytest.raises(InvalidAlipayNotification):
        check_notification(
            notification, app_id=DEMO_ALIPAY_APP_ID, out_trade_no="ALI-1", total_fen=12345
        )


async def test_refund_is_idempotent_on_out_request_no_and_can_be_queried(pay: PayEnv) -> None:
    await _paid(pay)
    first = await pay.alipay.refund(out_trade_no="ALI-1", out_request_no="R1", refund_fen=345)
    again = await pay.alipay.refund(out_trade_no="ALI-1", out_request_no="R1", refund_fen=345)
    assert first.raw["fund_change"] == "Y" and again.raw["fund_change"] == "N"
    assert again.raw["refund_fee"] == "3.45"
    queried = await pay.alipay.query_refund(out_trade_no="ALI-1", out_request_no="R1")
    assert (queried.refund_fen, queried.status) == (345, "REFUND_SUCCESS")
    unknown = await pay.alipay.query_refund(out_trade_no="ALI-1", out_request_no="R2")
    assert unknown.status is None


async def test_after_a_refund_timeout_the_refund_is_queried_not_sent_again(pay: PayEnv) -> None:
    await _paid(pay)
    pay.simulator.inject_fault("alipay.trade.refund", "timeout", hang_seconds=5)
    refund = await pay.alipay.refund(out_trade_no="ALI-1", out_request_no="R3", refund_fen=5)
    assert refund.status == "REFUND_SUCCESS"
    assert pay.simulator.call_log[-2:] == [
        "alipay.trade.refund",
        "alipay.trade.fastpay.refund.query",
    ]
    assert pay.simulator.alipay_trades["ALI-1"].refunded_fen == 5


async def test_after_a_create_timeout_the_trade_is_queried_and_returned(pay: PayEnv) -> None:
    pay.simulator.inject_fault("alipay.trade.create", "timeout", hang_seconds=5)
    trade_no = await _create(pay)
    assert pay.simulator.call_log == ["alipay.trade.create", "alipay.trade.query"]
    assert pay.simulator.alipay_trades["ALI-1"].trade_no == trade_no


async def test_server_errors_are_tried_three_times_then_unavailable(pay: PayEnv) -> None:
    pay.simulator.inject_fault("alipay.trade.query", "500", count=3)
    with pytest.raises(AlipayUnavailable):
        await pay.alipay.query_trade("ALI-1")
    assert pay.simulator.calls["alipay.trade.query"] == 3


@pytest.mark.parametrize("kind", ["tamper", "unsigned"])
async def test_a_reply_that_does_not_verify_is_refused(pay: PayEnv, kind: str) -> None:
    pay.simulator.inject_fault("alipay.trade.create", kind)  # type: ignore[arg-type]
    with pytest.raises(AlipayResponseError):
        await _create(pay)


async def test_close_and_closing_a_paid_trade(pay: PayEnv) -> None:
    await _create(pay, "ALI-2")
    await pay.alipay.close_trade("ALI-2")
    assert (await pay.alipay.query_trade("ALI-2")).trade_status == "TRADE_CLOSED"
    await _paid(pay)
    with pytest.raises(AlipayError) as caught:
        await pay.alipay.close_trade("ALI-1")
    assert caught.value.sub_code == "ACQ.TRADE_STATUS_ERROR"


async def test_a_request_signed_with_another_app_key_is_refused(pay: PayEnv) -> None:
    other = generate_demo_keys()
    client = AlipayClient(
        pay.alipay_config(app_private_key_pem=other.alipay_app_private_key_pem), pay.sandbox
    )
    with pytest.raises(AlipayError) as caught:
        await client.query_trade("ALI-1")
    assert (caught.value.code, caught.value.sub_code) == ("40002", "isv.invalid-signature")


async def test_an_app_pay_order_string_is_signed_and_can_be_paid_in_the_simulator(
    pay: PayEnv,
) -> None:
    order_string = pay.alipay.app_pay_order_string(
        out_trade_no="ALI-APP-1", total_fen=990, subject="小店订单"
    )
    params = dict(parse_qsl(order_string))
    assert params["method"] == "alipay.trade.app.pay"
    assert json.loads(params["biz_content"])["total_amount"] == "9.90"
    app_key = crypto.load_public_key(pay.keys.alipay_app_public_key_pem)
    assert alipay_sign.verify_request(params, app_key)
    paid = await pay.sandbox.post("/alipay/app-pay/confirm", json={"order_string": order_string})
    assert paid.status_code == 200
    await pay.simulator.drain()
    [notification] = pay.receiver.accepted
    assert (notification.out_trade_no, notification.total_fen) == ("ALI-APP-1", 990)
