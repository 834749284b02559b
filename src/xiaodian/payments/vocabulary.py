"""The payments domain's words: statuses of payments and refunds, kinds of refunds and of
anomalies, and what became of a notification. The values are what the database stores, the
API sends and the metrics label; they never change (a member is added, never renamed)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class PaymentStatus(StrEnum):
    """pending → succeeded, or pending → closed (→ succeeded when money arrives late)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CLOSED = "closed"


UNSETTLED: tuple[PaymentStatus, ...] = (PaymentStatus.PENDING, PaymentStatus.CLOSED)
"""Payments whose money may still arrive: asked about by reconciliation."""


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETURN_APPROVED = "return_approved"
    """退货退款: the merchant agreed and gave the return address; the shopper ships back."""
    RETURNING = "returning"
    """The shopper shipped the goods back (carrier, tracking number); the merchant receives."""
    CLOSED = "closed"
    """The shopper never shipped the goods back in time: the request closed, no money."""


REFUND_STATUS_TEXT: Mapping[str, str] = {
    RefundStatus.REQUESTED: "待审核",
    RefundStatus.REJECTED: "已拒绝",
    RefundStatus.APPROVED: "退款中",
    RefundStatus.PROCESSING: "退款中",
    RefundStatus.SUCCEEDED: "已退款",
    RefundStatus.FAILED: "退款失败",
    RefundStatus.RETURN_APPROVED: "待买家退货",
    RefundStatus.RETURNING: "待商家收货",
    RefundStatus.CLOSED: "已关闭",
}
OPEN_REFUNDS: tuple[RefundStatus, ...] = (
    RefundStatus.REQUESTED,
    RefundStatus.RETURN_APPROVED,
    RefundStatus.RETURNING,
    RefundStatus.APPROVED,
    RefundStatus.PROCESSING,
)
"""A refund still being decided, returned or paid: an order has at most one."""
REJECTABLE: tuple[RefundStatus, ...] = (RefundStatus.REQUESTED, RefundStatus.RETURNING)
"""The merchant may still say no: before agreeing, or when the returned goods arrive wrong."""
AT_THE_CHANNEL: tuple[RefundStatus, ...] = (RefundStatus.APPROVED, RefundStatus.PROCESSING)
"""Approved and not yet answered for good by the channel."""
MONEY_OUT: tuple[RefundStatus, ...] = (*AT_THE_CHANNEL, RefundStatus.SUCCEEDED)
"""Refunds that count against what a payment can still give back."""


class RefundKind(StrEnum):
    AFTER_SALE = "after_sale"
    """The shopper asked for it (by lines); settling it moves the order."""
    AUTO = "auto"
    """Money that arrived for an order no longer waiting for it, sent back at once."""
    GROUP_FAILED = "group_failed"
    """A paid member of a group that failed (or filled without it), refunded in full at once;
    settling it moves the order to refunded like an after-sale refund."""


class AnomalyKind(StrEnum):
    """The one vocabulary of the merchant's anomaly list: the API's filter and answers and the
    console's tabs. Three kinds are computed from payments and refunds as they stand; the
    others come from `payment_anomalies` rows (see `RecordedAnomaly`)."""

    STUCK = "stuck"
    FAILED = "failed"
    MISMATCHED = "mismatched"
    AUTO_REFUNDED = "auto_refunded"
    REFUND_FAILED = "refund_failed"


class RecordedAnomaly(StrEnum):
    """What a `payment_anomalies` row says happened (its `kind` column, as stored), each
    listed as one `AnomalyKind`."""

    UNKNOWN_ORDER = "unknown_order"
    AMOUNT_MISMATCH = "amount_mismatch"
    AUTO_REFUNDED = "auto_refunded"

    @property
    def listed_as(self) -> AnomalyKind:
        return (
            AnomalyKind.AUTO_REFUNDED
            if self is RecordedAnomaly.AUTO_REFUNDED
            else (AnomalyKind.MISMATCHED)
        )


def recorded_as(kind: AnomalyKind) -> tuple[RecordedAnomaly, ...]:
    """The recorded anomalies listed as `kind` (none for the computed kinds)."""
    return tuple(recorded for recorded in RecordedAnomaly if recorded.listed_as is kind)


class NotificationOutcome(StrEnum):
    """What became of a payment or refund report (a notification, or a query's answer):
    stored on `payment_notifications.outcome` and counted by outcome in the metrics. A report
    saying the payment is not paid is stored as ``ignored_<trade state>`` (`ignored`)."""

    RECEIVED = "received"
    PAID = "paid"
    REFUNDED_AFTER_CLOSE = "refunded_after_close"
    DUPLICATE = "duplicate"
    MISMATCH = "mismatch"
    UNKNOWN_ORDER = "unknown_order"
    REJECTED = "rejected"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"
    PROCESSING = "processing"
    UNKNOWN_REFUND = "unknown_refund"


SETTLED_BY_REPORT: tuple[NotificationOutcome, ...] = (
    NotificationOutcome.PAID,
    NotificationOutcome.REFUNDED_AFTER_CLOSE,
    NotificationOutcome.DUPLICATE,
)
"""A paid report applied (or applied before): nothing is left to ask about the payment."""


def ignored(trade_state: str) -> str:
    """The outcome of a report that says the payment is not paid (``ignored_notpay`` …)."""
    return f"ignored_{trade_state.lower()}"


class CheckOutcome(StrEnum):
    """What reconciling one payment found besides a report's outcome."""

    SETTLED = "settled"
    """Nothing to ask: the payment is no longer unsettled."""
    UNKNOWN = "unknown"
    """The channel gave no answer; asked again later."""
    UNPAID = "unpaid"
    CLOSED = "closed"
    STILL_OPEN = "still_open"
    """Closed here, still payable there: closed at the channel again."""
