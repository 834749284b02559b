"""Notifications from the simulator, verified by WeChatPayV3.parse_notification at a receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integrations.payenv import APPID, PayEnv
from tests.waiting import until
from xiaodian.core import clock
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_errors import InvalidNotification
from xiaodian.integrations.wechat.pay_types import Notification
from xiaodian.integrations.wechat.pay_v3_notify import PlatformVerifier, check_transaction
from xiaodian.sandbox.keys import DEMO_MCHID
from xiaodian.sandbox.pay_simulator import WECHAT_RETRY_SCHEDULE


async def _paid(pay: PayEnv, options: dict[str, Any] | None = None) -> str:
    prepay_id = await pay.v3.jsapi_prepay(
        out_trade_no="ORDER-0100",
        description="小店-测试商品",
        total_fen=2590,
        payer_openid="o-buyer-9",
        attach="shop=1",
    )
    confirmed = await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm", json=options or {})
    assert confirmed.status_code == 200
    await pay.simulator.drain()
    return prepay_id


async def test_confirm_sends_a_notification_that_verifies_and_decrypts(pay: PayEnv) -> None:
    await _paid(pay)
    [notification] = pay.receiver.accepted
    assert isinstance(notification, Notification)
    assert notification.event_type == "TRANSACTION.SUCCESS"
    assert notification.original_type == "transaction"
    transaction = notification.transaction()
    assert transaction.out_trade_no == "ORDER-0100"
    assert transaction.trade_state == "SUCCESS"
    assert (transaction.total_fen, transaction.payer_total_fen) == (2590, 2590)
    assert transaction.payer_openid == "o-buyer-9"
    assert transaction.attach == "shop=1"
    order = pay.simulator.orders["ORDER-0100"]
    assert transaction.transaction_id == order.transaction_id
    queried = await pay.v3.query_by_out_trade_no("ORDER-0100")
    assert queried.is_paid and queried.success_time == transaction.success_time
    [delivery] = pay.simulator.deliveries
    assert delivery.delivered and [a["status"] for a in delivery.attempts] == [204]


async def test_a_badly_signed_notification_is_rejected_and_retried_on_the_schedule(
    pay: PayEnv,
) -> None:
    await _paid(pay, {"bad_signature": True})
    assert pay.receiver.accepted == []
    assert set(pay.receiver.rejected) == {"bad signature"}
    [delivery] = pay.simulator.deliveries
    assert not delivery.delivered
    assert len(delivery.attempts) == 1 + len(WECHAT_RETRY_SCHEDULE)
    assert {a["status"] for a in delivery.attempts} == {400}


async def test_a_stale_notification_is_rejected(pay: PayEnv) -> None:
    await _paid(pay, {"stale_timestamp": True})
    assert pay.receiver.accepted == []
    assert "timestamp outside the 5-minute window" in pay.receiver.rejected


async def test_duplicates_carry_the_same_id_and_each_verifies(pay: PayEnv) -> None:
    await _paid(pay, {"duplicates": 2})
    assert len(pay.receiver.accepted) == 3
    assert len({n.id for n in pay.receiver.accepted}) == 1


async def test_a_wrong_amount_is_signed_correctly_so_the_shop_must_compare(pay: PayEnv) -> None:
    await _paid(pay, {"wrong_amount": True})
    [notification] = pay.receiver.accepted
    assert notification.transaction().total_fen == 2591


async def test_skip_notify_sends_nothing_but_the_order_is_paid(pay: PayEnv) -> None:
    await _paid(pay, {"skip_notify": True})
    assert pay.simulator.deliveries == []
    assert (await pay.v3.query_by_out_trade_no("ORDER-0100")).trade_state == "SUCCESS"


async def test_a_failing_receiver_gets_the_notification_again_until_it_accepts(
    pay: PayEnv,
) -> None:
    pay.receiver.answer_status = 500
    prepay_id = await pay.v3.jsapi_prepay(
        out_trade_no="ORDER-0101", description="x", total_fen=1, payer_openid="o"
    )
    pay.simulator.time_scale = 0.01  # 15 s → 0.15 s
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm")

    async def first_attempt_made() -> bool:
        return bool(pay.simulator.deliveries[0].attempts)

    await until(first_attempt_made, "the first delivery attempt", seconds=10, every=0.01)
    pay.receiver.answer_status = None
    await pay.simulator.drain()
    [delivery] = pay.simulator.deliveries
    assert [a["status"] for a in delivery.attempts][:1] == [500]
    assert delivery.attempts[-1]["status"] == 204
    assert len(pay.receiver.accepted) == 1


async def test_public_key_mode_notifications_verify_under_the_pub_key_id(pay: PayEnv) -> None:
    pay.simulator.signer = "public_key"
    await _paid(pay)
    assert len(pay.receiver.accepted) == 1


def _signed(pay: PayEnv, body: bytes, **headers: str) -> dict[str, str]:
    signed = pay.simulator.wechatpay_headers(body)
    signed.update(headers)
    return signed


def _envelope(pay: PayEnv, *, algorithm: str = crypto.AEAD_ALGORITHM) -> bytes:
    nonce = "abcdefghijkl"
    unpaid = json.dumps({"out_trade_no": "ORDER-0100", "trade_state": "NOTPAY"})
    resource = {
        "original_type": "transaction",
        "algorithm": algorithm,
        "nonce": nonce,
        "associated_data": "transaction",
        "ciphertext": crypto.aes_gcm_encrypt(
            pay.keys.apiv3_key, nonce=nonce, associated_data="transaction", plaintext=unpaid
        ),
    }
    envelope = {"id": "n-1", "event_type": "TRANSACTION.SUCCESS", "resource": resource}
    return json.dumps(envelope).encode()


def test_a_notification_under_another_algorithm_is_rejected(pay: PayEnv) -> None:
    body = _envelope(pay, algorithm="AEAD_AES_128_CBC")
    with pytest.raises(InvalidNotification, match="algorithm"):
        pay.v3.parse_notification(_signed(pay, body), body)


def test_a_notification_with_another_signature_type_is_rejected(pay: PayEnv) -> None:
    body = _envelope(pay)
    headers = _signed(pay, body, **{"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"})
    with pytest.raises(InvalidNotification, match="signature type"):
        pay.v3.parse_notification(headers, body)


def test_a_notification_encrypted_with_another_key_is_rejected(pay: PayEnv) -> None:
    body = _envelope(pay)
    client = pay.v3_client(apiv3_key="k" * 32)
    with pytest.raises(InvalidNotification, match="decrypt"):
        client.parse_notification(_signed(pay, body), body)


def test_a_notification_without_headers_is_rejected(pay: PayEnv) -> None:
    with pytest.raises(InvalidNotification, match="missing"):
        pay.v3.parse_notification({}, _envelope(pay))


def test_the_window_follows_the_injected_clock(pay: PayEnv) -> None:
    body = _envelope(pay)
    headers = _signed(pay, body)
    later = datetime.fromtimestamp(int(headers["Wechatpay-Timestamp"]) + 301, UTC)
    client = type(pay.v3)(pay.v3.config, pay.sandbox, now=lambda: later)
    with pytest.raises(InvalidNotification, match="window"):
        client.parse_notification(headers, body)
    assert pay.v3.parse_notification(headers, body).id == "n-1"
    assert clock.now() < later


async def test_check_transaction_accepts_our_order_and_refuses_a_wrong_amount(
    pay: PayEnv,
) -> None:
    await _paid(pay, {"wrong_amount": True})
    transaction = pay.receiver.accepted[0].transaction()
    order = {"appid": APPID, "mchid": DEMO_MCHID, "out_trade_no": "ORDER-0100"}
    check_transaction(transaction, **order, total_fen=2591)
    with pytest.raises(InvalidNotification, match="amount"):
        check_transaction(transaction, **order, total_fen=2590)
    with pytest.raises(InvalidNotification, match="mchid"):
        check_transaction(transaction, **{**order, "mchid": "1"}, total_fen=2591)


def test_hex_serials_match_regardless_of_case_and_leading_zeros(pay: PayEnv) -> None:
    verifier = PlatformVerifier({"00ab12": pay.keys.platform_certificate_pem})
    assert verifier.key_for("AB12") is not None
    assert verifier.key_for("0AB12") is not None
    assert verifier.key_for("AB13") is None
