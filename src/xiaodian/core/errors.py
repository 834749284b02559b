"""The error model: every expected failure is a ShopError with a stable code and an HTTP status."""

from __future__ import annotations

from typing import Any, ClassVar


class ShopError(Exception):
    """Base of every expected failure; rendered as ``{"error": code, "message": ...}``."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "请求有误"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(ShopError):
    status_code = 404
    code = "not_found"
    default_message = "没有找到"


class Unauthorized(ShopError):
    status_code = 401
    code = "unauthorized"
    default_message = "请先登录"


class Forbidden(ShopError):
    status_code = 403
    code = "forbidden"
    default_message = "没有权限"


class Conflict(ShopError):
    status_code = 409
    code = "conflict"
    default_message = "数据已被修改，请刷新后重试"


class LimitExceeded(ShopError):
    status_code = 400
    code = "limit_exceeded"
    default_message = "超出数量限制"


class RateLimited(ShopError):
    """Too many requests; `retry_after_seconds` is sent as the `Retry-After` header."""

    status_code = 429
    code = "rate_limited"
    default_message = "操作太频繁，请稍后再试"

    def __init__(
        self, message: str | None = None, *, retry_after_seconds: int = 1, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.retry_after_seconds = max(1, retry_after_seconds)


class UpstreamUnavailable(ShopError):
    status_code = 503
    code = "upstream_unavailable"
    default_message = "外部服务暂时不可用，请稍后重试"
