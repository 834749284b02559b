from __future__ import annotations

from xiaodian.core.errors import Conflict


class OutOfStock(Conflict):
    code = "out_of_stock"
    default_message = "库存不足"


class QuotaExhausted(Conflict):
    code = "quota_exhausted"
    default_message = "活动库存不足"


class StockNegative(Conflict):
    code = "stock_negative"
    default_message = "库存不能小于 0"
