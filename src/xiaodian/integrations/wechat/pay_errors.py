"""WeChat Pay failures as typed exceptions, and what to tell the shopper about each.

``SHOPPER_MESSAGES`` maps WeChat Pay error codes (API v3 and v2) and our own transport codes
to Chinese guidance for the buyer; use ``shopper_message(code)`` which falls back to a
generic line for codes not in the table.
"""

from __future__ import annotations

from types import MappingProxyType

NETWORK_ERROR = "NETWORK_ERROR"
INVALID_RESPONSE = "INVALID_RESPONSE"

_DEFAULT_MESSAGE = "支付失败，请稍后重试"

SHOPPER_MESSAGES = MappingProxyType(
    {
        NETWORK_ERROR: "支付失败，请检查网络后重试",
        INVALID_RESPONSE: "支付服务响应异常，请稍后重试",
        "SYSTEM_ERROR": "微信支付繁忙，请稍后重试",
        "SYSTEMERROR": "微信支付繁忙，请稍后重试",
        "RATE_LIMITED": "支付请求过于频繁，请稍后重试",
        "FREQUENCY_LIMITED": "支付请求过于频繁，请稍后重试",
        "NOTENOUGH": "余额不足，请更换支付方式或充值后重试",
        "ORDERPAID": "该订单已支付，请勿重复支付",
        "ORDER_PAID": "该订单已支付，请勿重复支付",
        "ORDER_CLOSED": "订单已关闭，请重新下单",
        "ORDERCLOSED": "订单已关闭，请重新下单",
        "ORDER_NOT_EXIST": "订单不存在，请重新下单",
        "ORDERNOTEXIST": "订单不存在，请重新下单",
        "RESOURCE_NOT_EXISTS": "订单不存在，请重新下单",
        "OUT_TRADE_NO_USED": "订单号重复，请重新下单",
        "INVALID_REQUEST": "订单信息有变化，请重新下单",
        "PARAM_ERROR": "支付参数有误，请联系商家",
        "SIGN_ERROR": "商家支付配置有误，请联系商家",
        "SIGNERROR": "商家支付配置有误，请联系商家",
        "APPID_MCHID_NOT_MATCH": "商家支付配置有误，请联系商家",
        "MCH_NOT_EXISTS": "商家支付配置有误，请联系商家",
        "NO_AUTH": "商家暂未开通该支付方式，请联系商家",
        "NOAUTH": "商家暂未开通该支付方式，请联系商家",
        "ACCOUNT_ERROR": "支付账号异常，请更换支付方式",
        "RULE_LIMIT": "该笔支付受限，请更换支付方式",
        "TRADE_ERROR": "交易异常，请更换支付方式或稍后重试",
        "USERPAYING": "正在等待您确认支付",
        "NOT_ENOUGH": "商户余额不足，退款稍后处理",
        "REFUND_NOT_EXISTS": "退款记录不存在",
        "RETURN_FAIL": "商家支付配置有误，请联系商家",
    }
)


def shopper_message(code: str | None) -> str:
    """Chinese guidance for the buyer for a WeChat Pay error code (a generic line if unknown)."""
    if code is None:
        return _DEFAULT_MESSAGE
    return SHOPPER_MESSAGES.get(code, _DEFAULT_MESSAGE)


class WeChatPayError(Exception):
    """WeChat Pay refused or failed a call. ``retryable`` says whether repeating it may help."""

    def __init__(
        self, code: str, message: str, *, http_status: int | None = None, retryable: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable

    @property
    def shopper_message(self) -> str:
        return shopper_message(self.code)


class WeChatPayUnavailable(WeChatPayError):
    """Still failing (timeout, 5xx or 429) after every allowed attempt; the outcome may be unknown.

    ``ambiguous`` is true when the last failure may have reached WeChat Pay: query before
    assuming nothing happened.
    """

    def __init__(
        self, code: str, message: str, *, http_status: int | None, attempts: int, ambiguous: bool
    ) -> None:
        super().__init__(code, message, http_status=http_status, retryable=True)
        self.attempts = attempts
        self.ambiguous = ambiguous


class UnverifiedResponseError(WeChatPayError):
    """A response whose signature is missing, stale or wrong: never trust its content."""

    def __init__(self, reason: str, *, http_status: int | None) -> None:
        super().__init__(INVALID_RESPONSE, reason, http_status=http_status, retryable=False)


class InvalidNotification(Exception):
    """A callback to reject (answer 4xx): forged, stale, unknown key, undecryptable, or
    carrying a resource of the wrong shape. ``code`` is stable; ``reason`` says more."""

    def __init__(self, reason: str, *, code: str = "invalid_notification") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
