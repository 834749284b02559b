from __future__ import annotations

from xiaodian.core.errors import Conflict, NotFound, ShopError


class ContentRisky(ShopError):
    status_code = 422
    code = "content_risky"
    default_message = "内容含有违规信息，请修改后再提交"


class ShareCodeUnavailable(ShopError):
    status_code = 503
    code = "share_code_unavailable"
    default_message = "小程序码暂时无法生成，请稍后再试"


class ShareTargetNotFound(NotFound):
    code = "share_target_not_found"
    default_message = "要分享的内容不存在"


class ShareTargetClosed(Conflict):
    code = "share_target_closed"
    default_message = "拼团已结束，不能再邀请好友"


class ShippingNotFound(NotFound):
    code = "wechat_shipping_not_found"
    default_message = "这笔订单没有发货信息上传记录"


class NicknameUnchecked(ShopError):
    status_code = 422
    code = "nickname_unchecked"
    default_message = "昵称暂时无法通过审核，请稍后再试或换一个"
