"""One word and one colour per status, for every console page (tabs, badges, timelines).

The merchant reads an order from the shop's side: a shipped order is 已发货 (the shopper's
mini program says 待收货 for the same status). Colours say what the status asks for:
`warn` someone still has to act (pay, ship, decide a refund), `info` on its way, `ok` done,
`muted` ended. Red (`danger`) is kept for failures and anomalies, never for a normal step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from xiaodian.orders.state import STATUS_TEXT, Status
from xiaodian.payments.vocabulary import REFUND_STATUS_TEXT, RefundStatus


class Word(NamedTuple):
    text: str
    tone: str


ORDER_WORDS: Mapping[str, Word] = {
    Status.PENDING_PAYMENT: Word(STATUS_TEXT[Status.PENDING_PAYMENT], "warn"),
    Status.PAID: Word(STATUS_TEXT[Status.PAID], "warn"),
    Status.GROUPING: Word(STATUS_TEXT[Status.GROUPING], "info"),
    Status.DELIVERING: Word(STATUS_TEXT[Status.DELIVERING], "info"),
    Status.SHIPPED: Word("已发货", "info"),
    Status.COMPLETED: Word(STATUS_TEXT[Status.COMPLETED], "ok"),
    Status.CLOSED: Word(STATUS_TEXT[Status.CLOSED], "muted"),
    Status.REFUND_REQUESTED: Word(STATUS_TEXT[Status.REFUND_REQUESTED], "warn"),
    Status.REFUNDING: Word(STATUS_TEXT[Status.REFUNDING], "info"),
    Status.REFUNDED: Word(STATUS_TEXT[Status.REFUNDED], "muted"),
}

REFUND_WORDS: Mapping[str, Word] = {
    RefundStatus.REQUESTED: Word(REFUND_STATUS_TEXT[RefundStatus.REQUESTED], "warn"),
    RefundStatus.REJECTED: Word(REFUND_STATUS_TEXT[RefundStatus.REJECTED], "muted"),
    RefundStatus.APPROVED: Word(REFUND_STATUS_TEXT[RefundStatus.APPROVED], "info"),
    RefundStatus.PROCESSING: Word(REFUND_STATUS_TEXT[RefundStatus.PROCESSING], "info"),
    RefundStatus.SUCCEEDED: Word(REFUND_STATUS_TEXT[RefundStatus.SUCCEEDED], "ok"),
    RefundStatus.FAILED: Word(REFUND_STATUS_TEXT[RefundStatus.FAILED], "danger"),
    RefundStatus.RETURN_APPROVED: Word(REFUND_STATUS_TEXT[RefundStatus.RETURN_APPROVED], "info"),
    RefundStatus.RETURNING: Word(REFUND_STATUS_TEXT[RefundStatus.RETURNING], "warn"),
    RefundStatus.CLOSED: Word(REFUND_STATUS_TEXT[RefundStatus.CLOSED], "muted"),
}

ORDER_TEXT: Mapping[str, str] = {status: word.text for status, word in ORDER_WORDS.items()}
ORDER_TONE: Mapping[str, str] = {status: word.tone for status, word in ORDER_WORDS.items()}
REFUND_TEXT: Mapping[str, str] = {status: word.text for status, word in REFUND_WORDS.items()}
REFUND_TONE: Mapping[str, str] = {status: word.tone for status, word in REFUND_WORDS.items()}
