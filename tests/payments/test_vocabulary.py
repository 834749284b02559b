"""The payments words: their values are what the database stores and the API sends."""

from __future__ import annotations

from xiaodian.payments.vocabulary import (
    AnomalyKind,
    NotificationOutcome,
    PaymentStatus,
    RecordedAnomaly,
    RefundKind,
    RefundStatus,
    ignored,
    recorded_as,
)


def test_stored_and_sent_values_never_change() -> None:
    assert [s.value for s in PaymentStatus] == ["pending", "succeeded", "closed"]
    assert [s.value for s in RefundStatus] == [
        "requested",
        "rejected",
        "approved",
        "processing",
        "succeeded",
        "failed",
        "return_approved",
        "returning",
        "closed",
    ]
    assert [k.value for k in RefundKind] == ["after_sale", "auto", "group_failed"]
    assert [k.value for k in AnomalyKind] == [
        "stuck",
        "failed",
        "mismatched",
        "auto_refunded",
        "refund_failed",
    ]
    assert {o.value for o in NotificationOutcome} >= {
        "received",
        "paid",
        "refunded_after_close",
        "duplicate",
        "mismatch",
        "unknown_order",
        "rejected",
    }
    assert ignored("NOTPAY") == "ignored_notpay"


def test_every_recorded_anomaly_is_listed_under_exactly_one_kind() -> None:
    assert {recorded: recorded.listed_as for recorded in RecordedAnomaly} == {
        RecordedAnomaly.UNKNOWN_ORDER: AnomalyKind.MISMATCHED,
        RecordedAnomaly.AMOUNT_MISMATCH: AnomalyKind.MISMATCHED,
        RecordedAnomaly.AUTO_REFUNDED: AnomalyKind.AUTO_REFUNDED,
    }
    assert recorded_as(AnomalyKind.STUCK) == ()
    assert recorded_as(AnomalyKind.AUTO_REFUNDED) == (RecordedAnomaly.AUTO_REFUNDED,)
