"""Strict shapes of what WeChat Pay API v3 sends: the notification envelope and the decrypted
``transaction`` and ``refund`` resources (the same shapes as the query replies).

Strict means JSON types exactly: an amount is a JSON integer of fen (never ``1800.0``,
``"1800"`` or ``true``), a text is a string, a time is RFC 3339 with an offset. Fields we do
not use are ignored; a field we use with the wrong type is a ``pydantic.ValidationError``
(a ``ValueError``), which callers turn into a refused notification or an unusable reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xiaodian.integrations.wechat.pay_errors import UnverifiedResponseError

__all__ = [
    "RESOURCE_TYPES",
    "Envelope",
    "RefundResource",
    "TransactionResource",
    "ValidationError",
    "first_problem",
    "parse_rfc3339",
    "parsed_reply",
]

MAX_FEN = 100_000_000 * 100
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
Text = Annotated[str, Field(max_length=256)]
Number = Annotated[str, Field(min_length=1, max_length=64)]
RefundStatus = Literal["SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"]
_Parsed = TypeVar("_Parsed")


def parse_rfc3339(value: object) -> datetime | None:
    """``2018-06-08T10:34:56+08:00`` → aware UTC; None for absent or empty values."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return moment.astimezone(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Timed(_Strict):
    success_time: Text | None = None

    @field_validator("success_time")
    @classmethod
    def _rfc3339(cls, value: str | None) -> str | None:
        if value:
            parse_rfc3339(value)  # raises ValueError for anything else
        return value


class _EnvelopeResource(_Strict):
    original_type: Annotated[str, Field(max_length=32)]
    algorithm: Text
    ciphertext: Annotated[str, Field(min_length=1, max_length=65536)]
    nonce: Text
    associated_data: Text = ""


class Envelope(_Strict):
    """The signed JSON body of a callback, before its resource is decrypted."""

    id: Annotated[str, Field(min_length=1, max_length=96)]
    event_type: Annotated[str, Field(min_length=1, max_length=48)]
    create_time: Text = ""
    resource_type: Text = ""
    summary: Text = ""
    resource: _EnvelopeResource


class _TransactionAmount(_Strict):
    total: Fen | None = None
    payer_total: Fen | None = None


class _Payer(_Strict):
    openid: Annotated[str, Field(max_length=128)] | None = None


class TransactionResource(_Timed):
    """A payment (``original_type`` "transaction", or an order query reply)."""

    appid: Text = ""
    mchid: Text = ""
    out_trade_no: Number
    trade_state: Annotated[str, Field(min_length=1, max_length=32)]
    transaction_id: Annotated[str, Field(max_length=64)] | None = None
    attach: Text | None = None
    amount: _TransactionAmount | None = None
    payer: _Payer | None = None

    @model_validator(mode="after")
    def _paid_has_an_amount(self) -> TransactionResource:
        paid = self.trade_state in ("SUCCESS", "REFUND")
        if paid and (self.amount is None or self.amount.total is None):
            raise ValueError("a paid transaction carries amount.total")
        return self


class _RefundAmount(_Strict):
    total: Fen | None = None
    refund: Fen | None = None
    payer_total: Fen | None = None
    payer_refund: Fen | None = None


class RefundResource(_Timed):
    """A refund (``original_type`` "refund": ``refund_status``; a refund reply: ``status``)."""

    out_refund_no: Number
    refund_id: Annotated[str, Field(max_length=64)] | None = None
    out_trade_no: Annotated[str, Field(max_length=64)] | None = None
    status: RefundStatus | None = None
    refund_status: RefundStatus | None = None
    amount: _RefundAmount | None = None

    @model_validator(mode="after")
    def _has_a_status(self) -> RefundResource:
        if self.status is None and self.refund_status is None:
            raise ValueError("a refund carries status or refund_status")
        return self


RESOURCE_TYPES: dict[str, type[_Strict]] = {
    "transaction": TransactionResource,
    "refund": RefundResource,
}


def first_problem(error: ValidationError) -> str:
    """``amount.total: int_type`` — where the first problem is and what kind it is (no values)."""
    problem = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in problem["loc"]) or "resource"
    return f"{where}: {problem['type']}"


def parsed_reply(
    parse: Callable[[Mapping[str, Any]], _Parsed], data: Mapping[str, Any], *, status: int
) -> _Parsed:
    """`parse(data)` for a signed reply; one of the wrong shape is as unusable as an unsigned
    one (``UnverifiedResponseError``, code ``INVALID_RESPONSE``)."""
    try:
        return parse(data)
    except ValidationError as error:
        raise UnverifiedResponseError(
            f"malformed reply ({first_problem(error)})", http_status=status
        ) from error
    except ValueError as error:
        raise UnverifiedResponseError("malformed reply", http_status=status) from error
