"""The only clock: timezone-aware UTC. Tests freeze or move it; nothing else reads the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """The current time as an aware UTC datetime (frozen or shifted in tests)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (aware) until `unfreeze()`."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    """Move the clock forward, frozen or not."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def unfreeze() -> None:
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)


def to_shop_time(moment: datetime) -> datetime:
    """Convert an aware datetime to the shop's timezone for display."""
    return moment.astimezone(SHOP_TZ)
