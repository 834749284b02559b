"""Typed results of WeChat Pay calls and notifications (amounts in integer fen, times aware UTC)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xiaodian.core.clock import SHOP_TZ
from xiaodian.integrations.wechat.pay_resources import RefundResource, TransactionResource
from xiaodian.integrations.wechat.pay_resources import parse_rfc3339 as parse_rfc3339

TRADE_STATES = frozenset(
    {"SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"}
)
REFUND_STATUSES = frozenset({"SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"})


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


_DIGITS = re.compile(r"[0-9]{1,12}")


def fen_field(value: str | None) -> int | None:
    """An API v2 amount (a string of ASCII digits, in fen); None when absent or empty."""
    if value is None or value == "":
        return None
    if _DIGITS.fullmatch(value) is None:
        raise ValueError("an amount must be whole fen in ASCII digits")
    return int(value)


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
        """From a query reply or a decrypted resource; ValueError (pydantic's ValidationError)
        unless it has the strict shape of ``TransactionResource``."""
        resource = TransactionResource.model_validate(data)
        amount, payer = resource.amount, resource.payer
        return cls(
            appid=resource.appid,
            mchid=resource.mchid,
            out_trade_no=resource.out_trade_no,
            trade_state=resource.trade_state,
            transaction_id=resource.transaction_id or None,
            total_fen=amount.total if amount else None,
            payer_total_fen=amount.payer_total if amount else None,
            payer_openid=(payer.openid or None) if payer else None,
            success_time=parse_rfc3339(resource.success_time),
            attach=resource.attach or None,
            raw=dict(data),
        )

    @classmethod
    def from_v2(cls, data: Mapping[str, str]) -> Transaction:
        """From an API v2 orderquery reply or payment notification (flat XML fields);
        ValueError for an amount that is not whole fen or a malformed time."""
        trade_state = data.get("trade_state") or (
            "SUCCESS" if data.get("result_code") == "SUCCESS" else "PAYERROR"
        )
        return cls(
            appid=data.get("appid", ""),
            mchid=data.get("mch_id", ""),
            out_trade_no=data.get("out_trade_no", ""),
            trade_state=trade_state,
            transaction_id=_text(data.get("transaction_id")),
            total_fen=fen_field(data.get("total_fee")),
            payer_total_fen=fen_field(data.get("cash_fee")),
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
        """From a refund reply or a decrypted resource; ValueError (pydantic's
        ValidationError) unless it has the strict shape of ``RefundResource``."""
        resource = RefundResource.model_validate(data)
        amount = resource.amount
        return cls(
            out_refund_no=resource.out_refund_no,
            refund_id=resource.refund_id or None,
            status=resource.status or resource.refund_status or "",
            refund_fen=amount.refund if amount else None,
            total_fen=amount.total if amount else None,
            out_trade_no=resource.out_trade_no or None,
            success_time=parse_rfc3339(resource.success_time),
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
