"""Sweeps of the WeChat platform: retry failed shipping-info uploads with back-off."""

from __future__ import annotations

from xiaodian.context import AppContext
from xiaodian.wechat import shipping


async def retry_shipping_uploads(context: AppContext) -> int:
    return await shipping.retry_failed_uploads(context)
