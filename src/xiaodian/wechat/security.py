"""Content security (msg_sec_check v2) for shoppers' text: reviews (scene 2) and nicknames
(scene 1). `risky` is refused (422 `content_risky`); `review` is held for the merchant; when
WeChat cannot be asked the text is held too — never shown unchecked."""

from __future__ import annotations

import logging

from prometheus_client import Counter

from xiaodian.context import AppContext
from xiaodian.integrations.wechat.platform import (
    WeChatApiError,
    WeChatPlatformUnreachable,
    msg_sec_check,
)
from xiaodian.wechat.client import platform_of
from xiaodian.wechat.errors import ContentRisky
from xiaodian.wechat.vocabulary import Moderation

log = logging.getLogger(__name__)

SCENE_PROFILE = 1
SCENE_COMMENT = 2
MAX_CHARS = 2500

CHECKS = Counter("xiaodian_wechat_text_checks", "msg_sec_check verdicts", ["scene", "outcome"])


async def check_text(
    context: AppContext, *, openid: str, text: str, scene: int = SCENE_COMMENT
) -> Moderation:
    """PASS, REVIEW (hold for the merchant) or UNCHECKED (WeChat unreachable: hold);
    raises ContentRisky for `risky`. Empty text passes without a call."""
    if not text.strip():
        return Moderation.PASS
    try:
        verdict = await msg_sec_check(
            platform_of(context),
            openid=openid,
            scene=scene,
            content=text[:MAX_CHARS],
            nickname=text if scene == SCENE_PROFILE else None,
        )
    except (WeChatApiError, WeChatPlatformUnreachable) as error:
        CHECKS.labels(scene=str(scene), outcome="unchecked").inc()
        log.warning("msg_sec_check unavailable, holding the text for the merchant: %s", error)
        return Moderation.UNCHECKED
    CHECKS.labels(scene=str(scene), outcome=verdict.suggest).inc()
    if verdict.suggest == "risky":
        raise ContentRisky(label=verdict.label)
    if verdict.suggest == "review":
        return Moderation.REVIEW
    return Moderation.PASS
