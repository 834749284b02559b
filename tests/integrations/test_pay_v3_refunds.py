"""Refunds through WeChatPayV3 against the simulator: idempotency, reconciling, notification."""

from __future__ import annotations

import pytest

from tests.integrations.payenv import PayEnv
from xiaodian.integrations.wechat.pay_errors import WeChatPayError


async def _paid_order(pay: PayEnv, out_trade_no: str = "ORDER-0200") -> None:
    prepay_id = await pay.v3.jsapi_prepay(
        out_trade_no=out_trade_no, description="x", total_fen=5000, payer_openid="o-r"
    )
    await pay.sandbox.post(f"/wechat/pay/{prepay_id}/confirm")
    await pay.simulator.drain()
    pay.receiver.accepted.clear()


async def test_the_same_out_refund_no_refunds_only_once(pay: PayEnv) -> None:
    await _paid_order(pay)
    first = await pay.v3.refund(
        out_refund_no="RF-1", out_trade_no="ORDER-0200", refund_fen=1200, total_fen=5000
    )
    second = await pay.v3.refund(
        out_refund_no="RF-1", out_trade_no="ORDER-0200", refund_fen=1200, total_fen=5000
    )
    assert first.refund_id == second.refund_id
    assert first.status == "PROCESSING"
    assert (first.refund_fen, first.total_fen) == (1200, 5000)
    assert pay.simulator.orders["ORDER-0200"].refunded_fen == 1200
    assert len(pay.simulator.refunds) == 1


async def test_a_refund_settles_and_sends_refund_success(pay: PayEnv) -> None:
    await _paid_order(pay)
    await pay.v3.refund(
        out_refund_no="RF-2",
        out_trade_no="ORDER-0200",
        refund_fen=5000,
        total_fen=5000,
        reason="买家取消",
    )
    await pay.simulator.drain()
    assert (await pay.v3.query_refund("RF-2")).status == "SUCCESS"
    [notification] = pay.receiver.accepted
    assert notification.event_type == "REFUND.SUCCESS"
    refund = notification.refund()
    assert (refund.out_refund_no, refund.status, refund.refund_fen) == ("RF-2", "SUCCESS", 5000)
    assert (await pay.v3.query_by_out_trade_no("ORDER-0200")).trade_state == "REFUND"


async def test_after_an_ambiguous_refund_timeout_the_refund_is_queried_not_sent_again(
    pay: PayEnv,
) -> None:
    await _paid_order(pay)
    pay.simulator.inject_fault("v3.refund", "timeout", hang_seconds=5)
    refund = await pay.v3.refund(
        out_refund_no="RF-3", out_trade_no="ORDER-0200", refund_fen=100, total_fen=5000
    )
    assert refund.out_refund_no == "RF-3"
    assert pay.simulator.call_log[-2:] == ["v3.refund", "v3.query_refund"]
    assert pay.simulator.calls["v3.refund"] == 1
    assert pay.simulator.orders["ORDER-0200"].refunded_fen == 100


async def test_refunding_more_than_is_left_is_refused(pay: PayEnv) -> None:
    await _paid_order(pay)
    await pay.v3.refund(
        out_refund_no="RF-4", out_trade_no="ORDER-0200", refund_fen=4000, total_fen=5000
    )
    with pytest.raises(WeChatPayError) as caught:
        await pay.v3.refund(
            out_refund_no="RF-5", out_trade_no="ORDER-0200", refund_fen=1001, total_fen=5000
        )
    assert (caught.value.code, caught.value.http_status) == ("INVALID_REQUEST", 400)


async def test_refunding_an_unpaid_order_is_refused(pay: PayEnv) -> None:
    await pay.v3.jsapi_prepay(
        out_trade_no="ORDER-0201", description="x", total_fen=10, payer_openid="o"
    )
    with pytest.raises(WeChatPayError) as caught:
        await pay.v3.refund(
            out_refund_no="RF-6", out_trade_no="ORDER-0201", refund_fen=10, total_fen=10
        )
    assert caught.value.code == "INVALID_REQUEST"


async def test_an_unknown_refund_is_resource_not_exists(pay: PayEnv) -> None:
    with pytest.raises(WeChatPayError) as caught:
        await pay.v3.query_refund("RF-NONE")
    assert (caught.value.code, caught.value.http_status) == ("RESOURCE_NOT_EXISTS", 404)


async def test_refund_by_transaction_id(pay: PayEnv) -> None:
    await _paid_order(pay)
    transaction_id = pay.simulator.orders["ORDER-0200"].transaction_id
    refund = await pay.v3.refund(
        out_refund_no="RF-7", transaction_id=transaction_id, refund_fen=1, total_fen=5000
    )
    assert refund.out_trade_no == "ORDER-0200"
