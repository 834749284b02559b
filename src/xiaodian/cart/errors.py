from __future__ import annotations

from xiaodian.core.errors import LimitExceeded, NotFound


class CartItemNotFound(NotFound):
    code = "cart_item_not_found"
    default_message = "购物车中没有这件商品"


class CartFull(LimitExceeded):
    code = "cart_full"
    default_message = "购物车已满（最多 100 种商品），请先结算或删除一些"


class CartQuantityLimit(LimitExceeded):
    code = "quantity_limit"
    default_message = "单件商品最多购买 999 件"
