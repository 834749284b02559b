from __future__ import annotations

from xiaodian.core.errors import (
    Forbidden,
    RateLimited,
    ShopError,
    UpstreamUnavailable,
)


class InvalidLoginCode(ShopError):
    status_code = 400
    code = "invalid_login_code"
    default_message = "登录凭证无效或已过期，请重新登录"


class LoginRateLimited(RateLimited):
    code = "login_rate_limited"
    default_message = "登录太频繁，请稍后再试"


class LoginBlocked(Forbidden):
    code = "login_blocked"
    default_message = "该微信账号存在风险，暂时无法登录"


class WeChatBusy(UpstreamUnavailable):
    code = "wechat_busy"
    default_message = "微信服务繁忙，请稍后重试"


class WeChatError(ShopError):
    status_code = 502
    code = "wechat_error"
    default_message = "微信登录失败，请稍后重试"
