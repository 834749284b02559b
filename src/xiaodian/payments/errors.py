from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError, UpstreamUnavailable


class PaymentFailed(ShopError):
    """The payment channel refused, for a reason the shopper can act on (see `message`)."""

    status_code = 409
    code = "payment_failed"
    default_message = "支付失败，请稍后重试"


class PaymentUnavailable(UpstreamUnavailable):
    code = "payment_unavailable"
    default_message = "支付失败，请检查网络后重试"


class ChannelNotConfigured(ShopError):
    status_code = 409
    code = "payment_channel_unavailable"
    default_message = "商家暂未开通这种支付方式"


class RefundNotAllowed(Conflict):
    code = "refund_not_allowed"
    default_message = "该订单当前不能申请退款"


class RefundNotFound(NotFound):
    code = "refund_not_found"
    default_message = "退款申请不存在"


class RefundStateConflict(Conflict):
    code = "refund_state_conflict"
    default_message = "退款申请已处理，请刷新后查看"


class InvalidCredential(ShopError):
    status_code = 422
    code = "invalid_credential"
    default_message = "支付参数格式不正确"
