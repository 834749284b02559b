"""Typed results of WeChat Pay calls and notifications (amounts in integer fen, times aware UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xiaodian.core.clock import SHOP_TZ

TRADE_STATES = frozenset(
    {"SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"}
)
REFUND_STATUSES = frozenset({"SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"})


def parse_rfc3339(value: object) -> datetime | None:
    """``2018-06-08T10:34:56+08:00`` → aware UTC; None for absent or empty values."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return moment.astimezone(UTC)


def format_rfc3339(moment: datetime) -> str:
    """An aware datetime in the shop's zone, to the second: ``2024-05-01T12:00:00+08:00``."""
    if moment.tzinfo is None:
        raise ValueError("needs an aware datetime")
    return moment.astimezone(SHOP_TZ).isoformat(timespec="seconds")


def parse_compact_time(value: object) -> datetime | None:
    """API v2 ``yyyyMMddHHmmss`` in Beijing time → aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=SHOP_TZ).astimezone(UTC)


def format_compact_time(moment: datetime) -> str:
    return moment.astimezone(SHOP_TZ).strftime("%Y%m%d%H%M%S")


def _int_or_none(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("amount must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"amount must be an integer, got {value!r}")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Transaction:
    """A payment as WeChat Pay reports it (query result or decrypted notification)."""

    appid: str
    mchid: str
    out_trade_no: str
    trade_state: str
    transaction_id: str | None
    total_fen: int | None
    payer_total_fen: int | None
    payer_openid: str | None
    success_time: datetime | None
    attach: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_paid(self) -> bool:
        return self.trade_state in ("SUCCESS", "REFUND")

    @classmethod
    def from_v3(cls, data: Mapping[str, Any]) -> Transaction:
        amount = _mapping(data.get("amount"))
        return cls(
            appid=str(data.get("appid", "")),
            mchid=str(data.get("mchid", "")),
            out_trade_no=str(data.get("out_trade_no", "")),
            trade_state=str(data.get("trade_state", "")),
            transaction_id=_text(data.get("transaction_id")),
            total_fen=_int_or_none(amount.get("total")),
            payer_total_fen=_int_or_none(amount.get("payer_total")),
            payer_openid=_text(_mapping(data.get("payer")).get("openid")),
            success_time=parse_rfc3339(data.get("success_time")),
            attach=_text(data.get("attach")),
            raw=dict(data),
        )

    @classmethod
    def from_v2(cls, data: Mapping[str, str]) -> Transaction:
        """From an API v2 orderquery reply or payment notification (flat XML fields)."""
        trade_state = data.get("trade_state") or (
            "SUCCESS" if data.get("result_code") == "SUCCESS" else "PAYERROR"
        )
        return cls(
            appid=data.get("appid", ""),
            mchid=data.get("mch_id", ""),
            out_trade_no=data.get("out_trade_no", ""),
            trade_state=trade_state,
            transaction_id=_text(data.get("transaction_id")),
            total_fen=_int_or_none(data.get("total_fee")),
            payer_total_fen=_int_or_none(data.get("cash_fee")),
            payer_openid=_text(data.get("openid")),
            success_time=parse_compact_time(data.get("time_end")),
            attach=_text(data.get("attach")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Refund:
    out_refund_no: str
    refund_id: str | None
    status: str
    refund_fen: int | None
    total_fen: int | None
    out_trade_no: str | None
    success_time: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_v3(cls, data: Mapping[str, Any]) -> Refund:
        amount = _mapping(data.get("amount"))
        return cls(
            out_refund_no=str(data.get("out_refund_no", "")),
            refund_id=_text(data.get("refund_id")),
            status=str(data.get("status") or data.get("refund_status") or ""),
            refund_fen=_int_or_none(amount.get("refund")),
            total_fen=_int_or_none(amount.get("total")),
            out_trade_no=_text(data.get("out_trade_no")),
            success_time=parse_rfc3339(data.get("success_time")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted API v3 callback."""

    id: str
    event_type: str
    create_time: str
    resource_type: str
    summary: str
    original_type: str
    resource: Mapping[str, Any]

    def transaction(self) -> Transaction:
        """The payment carried by a TRANSACTION.* notification."""
        if self.original_type != "transaction":
            raise ValueError(f"a {self.original_type!r} notification carries no transaction")
        return Transaction.from_v3(self.resource)

    def refund(self) -> Refund:
        """The refund carried by a REFUND.* notification."""
        if self.original_type != "refund":
            raise ValueError(f"a {self.original_type!r} notification carries no refund")
        return Refund.from_v3(self.resource)


@dataclass(frozen=True)
class PlatformCertificate:
    serial_no: str
    certificate_pem: str
    effective_time: datetime | None
    expire_time: datetime | None
