"""The words the WeChat platform's tables store (values as stored, added never renamed)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ShippingStatus(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    FAILED = "failed"


class LogisticsType(IntEnum):
    EXPRESS = 1
    SAME_CITY = 2
    VIRTUAL = 3
    SELF_PICKUP = 4


class SubscribeEvent(StrEnum):
    """What a merchant may map to a subscribe template."""

    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    REFUND_RESULT = "refund_result"
    GROUP_FILLED = "group_filled"
    GROUP_FAILED = "group_failed"
    FLASH_STARTING = "flash_starting"
    RESTOCKED = "restocked"


class MessageStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    NO_GRANT = "no_grant"
    REFUSED = "refused"
    """43101: the shopper refused or unsubscribed; their grants for the template are void."""
    INVALID = "invalid"
    """47003: a value broke the template's rules; not retried."""
    FAILED = "failed"


class Moderation(StrEnum):
    """A review's content-security state."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    REVIEW = "review"
    """WeChat suggested a human look: hidden until the merchant approves."""
    UNCHECKED = "unchecked"
    """WeChat could not be asked: hidden until the merchant approves."""
    APPROVED = "approved"


HELD = (Moderation.REVIEW, Moderation.UNCHECKED)


class GrantAnswer(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    BAN = "ban"
    FILTER = "filter"
