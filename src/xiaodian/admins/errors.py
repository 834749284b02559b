from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class InvalidCredentials(ShopError):
    status_code = 401
    code = "invalid_credentials"
    default_message = "用户名或密码错误"


class AccountLocked(ShopError):
    status_code = 429
    code = "account_locked"
    default_message = "登录失败次数过多，请 15 分钟后再试"


class AdminNotFound(NotFound):
    code = "admin_not_found"
    default_message = "账号不存在"


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = "用户名已被使用"


class LastOwner(Conflict):
    code = "last_owner"
    default_message = "至少要保留一个可用的店主账号"


class PasswordChangedMeanwhile(Conflict):
    code = "password_changed"
    default_message = "密码刚刚已被修改，请重新登录后再试"
