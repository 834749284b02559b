"""The group-buying errors (listed in docs/errors.md, known to the mini program)."""

from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class GroupBuyNotFound(NotFound):
    code = "group_buy_not_found"
    default_message = "拼团活动不存在"


class GroupNotFound(NotFound):
    code = "group_not_found"
    default_message = "拼团不存在"


class GroupFull(Conflict):
    code = "group_full"
    default_message = "这个团已经满员了，去开一个新团吧"


class GroupExpired(Conflict):
    code = "group_expired"
    default_message = "这个团已经结束了"


class GroupAlreadyJoined(Conflict):
    code = "group_already_joined"
    default_message = "你已经在这个团里了"


class GroupLimitReached(Conflict):
    code = "group_limit_reached"
    default_message = "你参与这个拼团活动的次数已达上限"


class CampaignNotRunning(Conflict):
    code = "campaign_not_running"
    default_message = "拼团活动未开始或已结束"


class InvalidGroupBuy(ShopError):
    status_code = 422
    code = "invalid_group_buy"
    default_message = "拼团活动设置有误"
