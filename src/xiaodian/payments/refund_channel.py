"""Talking to the channel about refunds: send one (idempotent by `out_refund_no`), ask how one
went. Answers are normalised to WeChat's words: SUCCESS, PROCESSING, CLOSED, ABNORMAL."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from xiaodian.context import AppContext
from xiaodian.integrations.alipay import AlipayError, AlipayUnavailable
from xiaodian.integrations.wechat.pay_errors import WeChatPayError, WeChatPayUnavailable
from xiaodian.models import Payment, Refund
from xiaodian.payments import gateway

log = logging.getLogger(__name__)

Unavailable = (WeChatPayUnavailable, AlipayUnavailable)
Refused = (WeChatPayError, AlipayError)


@dataclass(frozen=True)
class Sent:
    status: str
    channel_refund_id: str | None


async def send(context: AppContext, *, refund: Refund, payment: Payment) -> Sent:
    """Ask the payment's channel to pay `refund` back. Raises the channel's Unavailable (try
    again later) or error (refused, final)."""
    gateways = await gateway.current(context)
    reason = refund.reason or None
    if payment.channel == "alipay":
        done = await gateways.require_alipay().refund(
            out_trade_no=payment.out_trade_no,
            out_request_no=refund.out_refund_no,
            refund_fen=refund.amount_fen,
            reason=reason,
        )
        return Sent("SUCCESS" if done.status == "REFUND_SUCCESS" else "PROCESSING", None)
    if payment.api == "v2":
        result = await gateways.require_wechat_v2().refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            total_fen=payment.amount_fen,
            refund_fen=refund.amount_fen,
            reason=reason,
        )
        return Sent(result.status or "PROCESSING", result.refund_id)
    result = await gateways.require_wechat_v3().refund(
        out_refund_no=refund.out_refund_no,
        refund_fen=refund.amount_fen,
        total_fen=payment.amount_fen,
        out_trade_no=payment.out_trade_no,
        reason=reason,
    )
    return Sent(result.status, result.refund_id)


async def status(context: AppContext, *, refund: Refund, payment: Payment) -> str | None:
    """How the channel says the refund went; None when it cannot tell now."""
    gateways = await gateway.current(context)
    try:
        if payment.channel == "alipay":
            found = await gateways.require_alipay().query_refund(
                out_trade_no=payment.out_trade_no, out_request_no=refund.out_refund_no
            )
            return "SUCCESS" if found.status == "REFUND_SUCCESS" else None
        if payment.api == "v2":
            return (await gateways.require_wechat_v2().refund_query(refund.out_refund_no)).status
        return (await gateways.require_wechat_v3().query_refund(refund.out_refund_no)).status
    except (*Refused, *Unavailable) as error:
        log.info("refund query %s: %s", refund.out_refund_no, error)
        return None
