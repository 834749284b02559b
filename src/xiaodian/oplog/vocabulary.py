"""The words the operation log stores: actions and where a write came from."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    API = "api"
    CONSOLE = "console"


class Action(StrEnum):
    GOODS_CREATE = "goods.create"
    GOODS_UPDATE = "goods.update"
    GOODS_SHELF = "goods.shelf"
    GOODS_COPY = "goods.copy"
    GOODS_DELETE = "goods.delete"
    GOODS_IMPORT = "goods.import"
    SKU_UPDATE = "sku.update"
    STOCK_BULK = "stock.bulk"
    STOCK_SET = "stock.set"
    STOCK_ADJUST = "stock.adjust"
    STOCK_IMPORT = "stock.import"
    PRICE_BULK = "price.bulk"
    CATEGORY_CREATE = "category.create"
    CATEGORY_UPDATE = "category.update"
    CATEGORY_DELETE = "category.delete"
    BANNER_CREATE = "banner.create"
    BANNER_UPDATE = "banner.update"
    BANNER_DELETE = "banner.delete"
    BANNER_REORDER = "banner.reorder"
    SEARCH_PINNED = "search.pinned"
    ORDER_SHIP = "order.ship"
    ORDER_CLOSE = "order.close"
    ORDER_TRACKING = "order.tracking"
    ORDER_PICKUP = "order.pickup"
    DELIVERY_SETTINGS = "delivery.settings"
    DELIVERY_BATCH_PLAN = "delivery.batch_plan"
    DELIVERY_BATCH_REPLAN = "delivery.batch_replan"
    WECHAT_SHIPPING_RETRY = "wechat.shipping_retry"
    WECHAT_TEMPLATE = "wechat.template"
    REFUND_APPROVE = "refund.approve"
    REFUND_REJECT = "refund.reject"
    REFUND_RETRY = "refund.retry"
    RETURN_AGREE = "refund.return_agree"
    RETURN_RECEIVE = "refund.return_receive"
    COUPON_CREATE = "coupon.create"
    COUPON_UPDATE = "coupon.update"
    COUPON_STATUS = "coupon.status"
    COUPON_CODES = "coupon.codes"
    PROMOTION_CREATE = "promotion.create"
    PROMOTION_UPDATE = "promotion.update"
    FLASH_CREATE = "flash.create"
    FLASH_UPDATE = "flash.update"
    FLASH_END = "flash.end"
    GROUP_BUY_CREATE = "group_buy.create"
    GROUP_BUY_UPDATE = "group_buy.update"
    GROUP_BUY_END = "group_buy.end"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    WEBHOOK_CREATE = "webhook.create"
    WEBHOOK_DELETE = "webhook.delete"
    WEBHOOK_RESEND = "webhook.resend"
    REVIEW_REPLY = "review.reply"
    REVIEW_VISIBILITY = "review.visibility"
    SHOP_UPDATE = "shop.update"
    PAYMENT_CREDENTIALS_UPDATE = "payment_credentials.update"
    ADMIN_CREATE = "admin.create"
    ADMIN_UPDATE = "admin.update"
    PASSWORD_CHANGE = "admin.password"  # noqa: S105 (an action name, not a password)


ACTION_TEXT: dict[Action, str] = {
    Action.GOODS_CREATE: "新建商品",
    Action.GOODS_UPDATE: "编辑商品",
    Action.GOODS_SHELF: "上下架",
    Action.GOODS_COPY: "复制商品",
    Action.GOODS_DELETE: "删除商品",
    Action.GOODS_IMPORT: "CSV 导入商品",
    Action.SKU_UPDATE: "改规格价格/库存",
    Action.STOCK_BULK: "批量改库存",
    Action.STOCK_SET: "接口设置库存",
    Action.STOCK_ADJUST: "接口增减库存",
    Action.STOCK_IMPORT: "导入库存 CSV",
    Action.PRICE_BULK: "批量改价",
    Action.CATEGORY_CREATE: "新建分类",
    Action.CATEGORY_UPDATE: "编辑分类",
    Action.CATEGORY_DELETE: "删除分类",
    Action.BANNER_CREATE: "新建轮播图",
    Action.BANNER_UPDATE: "编辑轮播图",
    Action.BANNER_DELETE: "删除轮播图",
    Action.BANNER_REORDER: "调整轮播图顺序",
    Action.SEARCH_PINNED: "置顶热搜词",
    Action.ORDER_SHIP: "发货",
    Action.ORDER_CLOSE: "关闭订单",
    Action.ORDER_TRACKING: "修改运单号",
    Action.ORDER_PICKUP: "自提核销",
    Action.DELIVERY_SETTINGS: "修改配送设置",
    Action.DELIVERY_BATCH_PLAN: "规划配送路线",
    Action.DELIVERY_BATCH_REPLAN: "重新规划配送路线",
    Action.WECHAT_SHIPPING_RETRY: "重新上传发货信息",
    Action.WECHAT_TEMPLATE: "修改订阅消息模板",
    Action.REFUND_APPROVE: "同意退款",
    Action.REFUND_REJECT: "拒绝退款",
    Action.REFUND_RETRY: "重试退款",
    Action.RETURN_AGREE: "同意退货",
    Action.RETURN_RECEIVE: "确认收到退货",
    Action.COUPON_CREATE: "新建优惠券",
    Action.COUPON_UPDATE: "编辑优惠券",
    Action.COUPON_STATUS: "暂停/恢复/结束优惠券",
    Action.COUPON_CODES: "生成兑换码",
    Action.PROMOTION_CREATE: "新建满减活动",
    Action.PROMOTION_UPDATE: "编辑满减活动",
    Action.FLASH_CREATE: "新建秒杀",
    Action.FLASH_UPDATE: "编辑秒杀",
    Action.FLASH_END: "结束秒杀",
    Action.GROUP_BUY_CREATE: "新建拼团",
    Action.GROUP_BUY_UPDATE: "编辑拼团",
    Action.GROUP_BUY_END: "结束拼团",
    Action.API_KEY_CREATE: "新建 API 密钥",
    Action.API_KEY_REVOKE: "吊销 API 密钥",
    Action.WEBHOOK_CREATE: "新建推送地址",
    Action.WEBHOOK_DELETE: "停用推送地址",
    Action.WEBHOOK_RESEND: "重新推送",
    Action.REVIEW_REPLY: "回复评价",
    Action.REVIEW_VISIBILITY: "隐藏/显示评价",
    Action.SHOP_UPDATE: "修改店铺设置",
    Action.PAYMENT_CREDENTIALS_UPDATE: "修改支付配置",
    Action.ADMIN_CREATE: "新增员工",
    Action.ADMIN_UPDATE: "修改员工",
    Action.PASSWORD_CHANGE: "修改密码",
}

SOURCE_TEXT: dict[Source, str] = {Source.API: "开放接口", Source.CONSOLE: "后台"}
