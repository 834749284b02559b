"""WeChatPayV2 (XML, MD5 / HMAC-SHA256) against the simulator."""

from __future__ import annotations

import pytest

from tests.integrations.payenv import APPID, PayEnv
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.crypto import V2SignType
from xiaodian.integrations.wechat.pay_errors import (
    InvalidNotification,
    UnverifiedResponseError,
    WeChatPayError,
    WeChatPayUnavailable,
)
from xiaodian.integrations.wechat.pay_v2 import WeChatPayV2, notify_reply

SIGN_TYPES: list[V2SignType] = ["MD5", "HMAC-SHA256"]


async def _order(client: WeChatPayV2, out_trade_no: str = "V2-ORDER-1") -> str:
    return await client.unified_order(
        out_trade_no=out_trade_no, body="小店-测试商品", total_fen=880, openid="o-v2"
    )


@pytest.mark.parametrize("sign_type", SIGN_TYPES)
async def test_unified_order_works_with_both_sign_types_and_is_idempotent(
    pay: PayEnv, sign_type: V2SignType
) -> None:
    client = pay.v2_client(sign_type)
    prepay_id = await _order(client)
    assert await _order(client) == prepay_id
    assert pay.simulator.orders["V2-ORDER-1"].sign_type == sign_type
    params = client.request_payment_params(prepay_id)
    assert params["signType"] == sign_type
    expected = crypto.pay_sign_v2(
        appid=APPID,
        timestamp=params["timeStamp"],
        nonce=params["nonceStr"],
        package=params["package"],
        api_key=pay.keys.v2_key,
        sign_type=sign_type,
    )
    assert params["paySign"] == expected


@pytest.mark.parametrize("sign_type", SIGN_TYPES)
async def test_paying_sends_an_xml_notification_signed_with_the_order_sign_type(
    pay: PayEnv, sign_type: V2SignType
) -> None:
    client = pay.v2_client(sign_type)
    prepay_id = await _order(client)
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm")
    await pay.simulator.drain()
    [transaction] = pay.receiver.accepted
    assert (transaction.out_trade_no, transaction.trade_state) == ("V2-ORDER-1", "SUCCESS")
    assert transaction.total_fen == 880
    assert pay.simulator.deliveries[0].delivered
    queried = await client.order_query("V2-ORDER-1")
    assert queried.trade_state == "SUCCESS"
    assert queried.transaction_id == transaction.transaction_id


async def test_a_badly_signed_v2_notification_is_rejected(pay: PayEnv) -> None:
    client = pay.v2_client("HMAC-SHA256")
    prepay_id = await _order(client)
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm", json={"bad_signature": True})
    await pay.simulator.drain()
    assert pay.receiver.accepted == []
    assert set(pay.receiver.rejected) == {"bad signature"}


def test_a_notification_declaring_another_sign_type_is_rejected(pay: PayEnv) -> None:
    client = pay.v2_client("HMAC-SHA256")
    fields = {"appid": APPID, "mch_id": client.config.mchid, "return_code": "SUCCESS"}
    fields["sign"] = crypto.v2_sign({**fields, "sign_type": "MD5"}, pay.keys.v2_key, "MD5")
    with pytest.raises(InvalidNotification, match="order uses"):
        client.parse_notification(crypto.to_xml({**fields, "sign_type": "MD5"}))


def test_the_notify_reply_is_cdata_xml() -> None:
    assert notify_reply() == (
        "<xml><return_code><![CDATA[SUCCESS]]></return_code>"
        "<return_msg><![CDATA[OK]]></return_msg></xml>"
    )


async def test_close_then_refund_flow(pay: PayEnv) -> None:
    client = pay.v2_client()
    await _order(client, "V2-ORDER-2")
    await client.close_order("V2-ORDER-2")
    await client.close_order("V2-ORDER-2")  # closing twice is fine
    assert (await client.order_query("V2-ORDER-2")).trade_state == "CLOSED"
    prepay_id = await _order(client, "V2-ORDER-3")
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm", json={"skip_notify": True})
    first = await client.refund(
        out_trade_no="V2-ORDER-3", out_refund_no="V2-RF-1", total_fen=880, refund_fen=80
    )
    again = await client.refund(
        out_trade_no="V2-ORDER-3", out_refund_no="V2-RF-1", total_fen=880, refund_fen=80
    )
    assert first.refund_id == again.refund_id and first.refund_fen == 80
    await pay.simulator.drain()
    assert (await client.refund_query("V2-RF-1")).status == "SUCCESS"
    with pytest.raises(WeChatPayError) as caught:
        await client.close_order("V2-ORDER-3")
    assert caught.value.code == "ORDERPAID"


async def test_a_request_signed_with_another_key_fails_at_the_transport_level(
    pay: PayEnv,
) -> None:
    client = pay.v2_client(api_key="0" * 32)
    with pytest.raises(WeChatPayError) as caught:
        await _order(client)
    assert caught.value.code == "RETURN_FAIL"
    assert "签名错误" in caught.value.message


@pytest.mark.parametrize("kind", ["tamper", "unsigned"])
async def test_a_v2_reply_that_does_not_verify_is_refused(pay: PayEnv, kind: str) -> None:
    pay.simulator.inject_fault("v2.unifiedorder", kind)  # type: ignore[arg-type]
    with pytest.raises(UnverifiedResponseError):
        await _order(pay.v2_client())


async def test_v2_server_errors_are_tried_three_times(pay: PayEnv) -> None:
    pay.simulator.inject_fault("v2.unifiedorder", "500", count=3)
    with pytest.raises(WeChatPayUnavailable):
        await _order(pay.v2_client())
    assert pay.simulator.calls["v2.unifiedorder"] == 3
    assert pay.sleeps == [0.5, 1.0]


async def test_after_a_v2_timeout_the_order_is_queried_before_sending_again(
    pay: PayEnv,
) -> None:
    pay.simulator.inject_fault("v2.unifiedorder", "timeout", hang_seconds=5)
    prepay_id = await _order(pay.v2_client())
    assert pay.simulator.call_log == ["v2.unifiedorder", "v2.orderquery", "v2.unifiedorder"]
    assert pay.simulator.orders["V2-ORDER-1"].prepay_id == prepay_id


async def test_after_a_v2_refund_timeout_the_refund_is_queried(pay: PayEnv) -> None:
    client = pay.v2_client()
    prepay_id = await _order(client)
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm", json={"skip_notify": True})
    pay.simulator.inject_fault("v2.refund", "timeout", hang_seconds=5)
    refund = await client.refund(
        out_trade_no="V2-ORDER-1", out_refund_no="V2-RF-9", total_fen=880, refund_fen=880
    )
    assert (refund.out_refund_no, refund.refund_fen) == ("V2-RF-9", 880)
    assert pay.simulator.call_log[-2:] == ["v2.refund", "v2.refundquery"]
