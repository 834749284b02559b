from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = "订单不存在"


class OrderNotPending(Conflict):
    code = "order_not_pending"
    default_message = "订单状态已变化，请刷新后重试"


class OrderStateConflict(Conflict):
    code = "order_state_conflict"
    default_message = "订单当前状态不能进行此操作"


class EmptyCheckout(ShopError):
    status_code = 400
    code = "empty_checkout"
    default_message = "请选择要结算的商品"


class AddressRequired(ShopError):
    status_code = 400
    code = "address_required"
    default_message = "请选择收货地址"


class IdempotencyKeyReused(ShopError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = "同一个 Idempotency-Key 不能用于不同的下单请求"


class InvalidIdempotencyKey(ShopError):
    status_code = 400
    code = "invalid_idempotency_key"
    default_message = "Idempotency-Key 应为 1–64 个可见 ASCII 字符"


class ShipImportInvalid(ShopError):
    status_code = 422
    code = "ship_import_invalid"
    default_message = "导入文件有错误的行，没有发货任何订单；请按提示改正后重新导入"
