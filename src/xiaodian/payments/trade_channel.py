"""Talking to the channel about a payment: ask how it stands, close it. Answers are normalised
to what reconciliation needs: paid, closed for good, or still open."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from xiaodian.context import AppContext
from xiaodian.integrations.alipay import AlipayError
from xiaodian.integrations.wechat.pay_errors import WeChatPayError
from xiaodian.models import Payment
from xiaodian.payments import gateway, monitor

log = logging.getLogger(__name__)

# The channel has never heard of the trade: the shopper never got as far as paying it.
NOT_THERE = frozenset({"ORDER_NOT_EXIST", "ORDERNOTEXIST", "ACQ.TRADE_NOT_EXIST"})
NoAnswer = (WeChatPayError, AlipayError)
"""What a query raises when the channel gave no usable answer (unreachable, refused, unsigned)."""


@dataclass(frozen=True)
class RemoteState:
    paid: bool
    closed: bool
    """The channel will never take money for it (closed, revoked or never created)."""
    amount_fen: int | None
    transaction_id: str | None
    payer: str | None

    @property
    def final(self) -> bool:
        return self.paid or self.closed


NEVER_CREATED = RemoteState(
    paid=False, closed=True, amount_fen=None, transaction_id=None, payer=None
)


async def query(context: AppContext, payment: Payment) -> RemoteState:
    """How the channel says the payment stands; raises one of `NoAnswer` when it cannot say."""
    try:
        return await _query(context, payment)
    except NoAnswer as error:
        # WeChat says it in `code`; Alipay in `sub_code` (its `code` is the gateway's 40004).
        if {getattr(error, "code", None), getattr(error, "sub_code", None)} & NOT_THERE:
            return NEVER_CREATED
        raise


async def _query(context: AppContext, payment: Payment) -> RemoteState:
    gateways = await gateway.current(context)
    if payment.channel == "alipay":
        trade = await gateways.require_alipay().query_trade(payment.out_trade_no)
        return RemoteState(
            paid=trade.trade_status in ("TRADE_SUCCESS", "TRADE_FINISHED"),
            closed=trade.trade_status == "TRADE_CLOSED",
            amount_fen=trade.total_fen,
            transaction_id=trade.trade_no,
            payer=trade.buyer_id,
        )
    if payment.api == "v2":
        tx = await gateways.require_wechat_v2().order_query(payment.out_trade_no)
    else:
        tx = await gateways.require_wechat_v3().query_by_out_trade_no(payment.out_trade_no)
    return RemoteState(
        paid=tx.is_paid,
        closed=tx.trade_state in ("CLOSED", "REVOKED"),
        amount_fen=tx.total_fen,
        transaction_id=tx.transaction_id,
        payer=tx.payer_openid,
    )


async def close(context: AppContext, *, channel: str, api: str, out_trade_no: str) -> None:
    """Close an unpaid trade at its channel so it can no longer be paid. Refusals are logged:
    already paid (the notification or reconciliation refunds it) or unknown (never paid)."""
    gateways = await gateway.current(context)
    try:
        if channel == "alipay" and gateways.alipay is not None:
            await gateways.alipay.close_trade(out_trade_no)
        elif api == "v2" and gateways.wechat_v2 is not None:
            await gateways.wechat_v2.close_order(out_trade_no)
        elif gateways.wechat_v3 is not None:
            await gateways.wechat_v3.close(out_trade_no)
        monitor.CALLS.labels(channel, "close", "ok").inc()
    except NoAnswer as error:
        monitor.CALLS.labels(channel, "close", getattr(error, "code", "error")).inc()
        log.info("closing %s at %s: %s", out_trade_no, channel, error)
