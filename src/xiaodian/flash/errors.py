from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class FlashSessionNotFound(NotFound):
    code = "flash_session_not_found"
    default_message = "秒杀活动不存在"


class FlashItemNotFound(NotFound):
    code = "flash_item_not_found"
    default_message = "秒杀商品不存在"


class FlashNotStarted(Conflict):
    code = "flash_not_started"
    default_message = "活动未开始"


class FlashEnded(Conflict):
    code = "flash_ended"
    default_message = "活动已结束"


class FlashSoldOut(Conflict):
    code = "flash_sold_out"
    default_message = "已抢光"


class FlashLimitReached(Conflict):
    code = "flash_limit_reached"
    default_message = "已达限购"


class InvalidFlashSession(ShopError):
    status_code = 422
    code = "invalid_flash_session"
    default_message = "秒杀活动设置有误"


class FlashAlreadyStarted(Conflict):
    code = "flash_already_started"
    default_message = "秒杀已开始，无需提醒，快去抢购吧"
