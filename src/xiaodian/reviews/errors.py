from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound


class ReviewNotFound(NotFound):
    code = "review_not_found"
    default_message = "评价不存在"


class NotReviewable(Conflict):
    code = "not_reviewable"
    default_message = "订单完成后才能评价"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    default_message = "这件商品已经评价过了"
