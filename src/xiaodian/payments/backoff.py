"""When the sweeps try a payment or refund again after a failure, and how a failure is told to
the merchant (short, and with nothing secret in it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from xiaodian.config import Settings
from xiaodian.core.errors import ShopError


def next_try_at(settings: Settings, *, now: datetime, failures: int) -> datetime:
    """`payment_check_retry_seconds`, doubled for each failure in a row after the first, and
    never more than `payment_check_retry_max_minutes`."""
    longest = settings.payment_check_retry_max_minutes * 60.0
    wait = settings.payment_check_retry_seconds * 2.0 ** min(max(failures - 1, 0), 32)
    return now + timedelta(seconds=min(wait, longest))


def describe(error: BaseException) -> str:
    """One line for the anomaly list: our own message, the channel's code, or the kind of
    failure (never the SQL or the parameters behind it)."""
    if isinstance(error, ShopError):
        text = f"{error.message}（{error.code}）"
    elif isinstance(getattr(error, "code", None), str):
        text = f"{type(error).__name__} {getattr(error, 'code', '')}"
    else:
        text = type(error).__name__
    return text[:255]
