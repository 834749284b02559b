from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class GoodsNotFound(NotFound):
    code = "goods_not_found"
    default_message = "商品不存在或已下架"


class SkuNotFound(NotFound):
    code = "sku_not_found"
    default_message = "商品规格不存在"


class CategoryNotFound(NotFound):
    code = "category_not_found"
    default_message = "分类不存在"


class BannerNotFound(NotFound):
    code = "banner_not_found"
    default_message = "轮播图不存在"


class GoodsOffShelf(Conflict):
    code = "goods_off_shelf"
    default_message = "商品已下架"


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"
    default_message = "分类下还有子分类或商品，不能删除"


class InvalidCategory(ShopError):
    status_code = 422
    code = "invalid_category"
    default_message = "分类设置有误"


class MarketPriceTooLow(ShopError):
    """A 划线价 below what the goods sells for would show shoppers an "original" price lower
    than the price."""

    status_code = 422
    code = "market_price_too_low"
    default_message = "划线价须为 0（不显示）或不低于最高售价"


class SkuMarketPriceTooLow(ShopError):
    """A SKU's own 划线价 below that SKU's price: the shopper who picks it would see an
    "original" price lower than the price."""

    status_code = 422
    code = "sku_market_price_too_low"
    default_message = "规格的划线价须为 0（不显示）或不低于该规格的售价"


class SkuInStock(Conflict):
    code = "sku_in_stock"
    default_message = "该规格有货，可以直接购买"


class GoodsImportInvalid(ShopError):
    status_code = 422
    code = "goods_import_invalid"
    default_message = "导入文件有错误的行，没有导入任何商品；请按提示改正后重新导入"


class BannerOrderInvalid(ShopError):
    status_code = 422
    code = "banner_order_invalid"
    default_message = "轮播图顺序有误：要给出全部轮播图，每张一次"


class InvalidDescriptionBlock(ShopError):
    """A block of the rich description that is not a text paragraph or one of our images."""

    status_code = 422
    code = "invalid_description_block"
    default_message = "商品详情内容有误：每一段须是文字或本店上传的图片"


class TooManyDescriptionBlocks(ShopError):
    status_code = 422
    code = "too_many_description_blocks"
    default_message = "商品详情最多 50 段（文字和图片合计）"
