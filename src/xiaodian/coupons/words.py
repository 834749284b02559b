"""The coupon domain's vocabularies: values as the tables store them and the API sends them."""

from __future__ import annotations

from enum import StrEnum


class CouponKind(StrEnum):
    THRESHOLD = "threshold"  # 满减: 满 threshold_fen 减 discount_fen
    PERCENT = "percent"  # 折扣: percent_off % off, at most cap_fen (0: no cap)
    NO_THRESHOLD = "no_threshold"  # 无门槛: discount_fen off


class ScopeType(StrEnum):
    ALL = "all"
    CATEGORIES = "categories"
    GOODS = "goods"
    ALL_EXCEPT = "all_except"


class CouponStatus(StrEnum):
    """A coupon's campaign: paused stops claiming; ended stops claiming and using."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class UserCouponStatus(StrEnum):
    USABLE = "usable"
    LOCKED = "locked"
    USED = "used"


class UserCouponTab(StrEnum):
    """The 我的优惠券 tabs; `expired` is a usable coupon past `expires_at` (or of an ended one)."""

    USABLE = "usable"
    USED = "used"
    EXPIRED = "expired"


class PromotionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class DiscountKind(StrEnum):
    """What an `order_discounts` row records (the pricing adjustment's kind)."""

    PROMOTION = "promotion"
    COUPON = "coupon"
