"""The platform client of the app's context (shared access_token through its cache)."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.integrations.wechat.platform import Platform


def platform_of(context: AppContext) -> Platform:
    settings = context.settings
    return Platform(
        http=context.http,
        cache=context.cache,
        base_url=settings.wechat_api_base,
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
    )
