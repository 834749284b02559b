from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    default_message = "API 密钥不存在"


class StockLinesInvalid(ShopError):
    """Lines naming no SKU, an unknown one, or one twice: `details.lines` lists each."""

    status_code = 422
    code = "stock_lines_invalid"
    default_message = "库存明细有误，未做任何修改"


class StockLinesNegative(Conflict):
    """An adjustment would take a SKU below 0: refused whole, `details.lines` lists them."""

    code = "stock_lines_negative"
    default_message = "部分 SKU 库存不够扣减，未做任何修改"


class StockRequestReused(ShopError):
    status_code = 422
    code = "stock_request_reused"
    default_message = "同一个 Idempotency-Key 不能用于不同的库存请求"


class StockRequestKeyInvalid(ShopError):
    status_code = 400
    code = "stock_request_key_invalid"
    default_message = "Idempotency-Key 应为 1–64 个可见 ASCII 字符"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    default_message = "没有这个推送地址"
