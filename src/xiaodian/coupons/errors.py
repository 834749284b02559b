"""The coupon domain's expected failures (listed in docs/errors.md)."""

from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    default_message = "优惠券不存在"


class CouponSoldOut(Conflict):
    code = "coupon_sold_out"
    default_message = "优惠券已被领完"


class CouponLimitReached(Conflict):
    code = "coupon_limit_reached"
    default_message = "已达到领取上限"


class CouponNotUsable(Conflict):
    code = "coupon_not_usable"
    default_message = "优惠券不可用"


class CouponExpired(Conflict):
    code = "coupon_expired"
    default_message = "优惠券已过期"


class CouponNotStarted(Conflict):
    code = "coupon_not_started"
    default_message = "优惠券未到使用时间"


class CouponNotClaimable(Conflict):
    code = "coupon_not_claimable"
    default_message = "该优惠券暂不可领取"


class CouponCodeInvalid(ShopError):
    status_code = 404
    code = "coupon_code_invalid"
    default_message = "兑换码无效或已被使用"


class PromotionNotFound(NotFound):
    code = "promotion_not_found"
    default_message = "满减活动不存在"


class CouponTotalBelowClaimed(Conflict):
    code = "coupon_total_below_claimed"
    default_message = "发放总量不能少于已领取数量"


class PromotionWindowInvalid(ShopError):
    status_code = 422
    code = "promotion_window_invalid"
    default_message = "开始时间必须早于结束时间"
