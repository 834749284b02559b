"""The payment clients this process talks through, built from the effective settings
(environment + console credentials) and rebuilt in every process when credentials change."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.integrations import payconfig
from xiaodian.integrations.alipay import AlipayClient
from xiaodian.integrations.wechat.pay_v2 import WeChatPayV2
from xiaodian.integrations.wechat.pay_v3 import WeChatPayV3
from xiaodian.payments import credentials
from xiaodian.payments.errors import ChannelNotConfigured

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gateways:
    settings: Settings
    wechat_v3: WeChatPayV3 | None = None
    wechat_v2: WeChatPayV2 | None = None
    alipay: AlipayClient | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def wechat_api(self) -> str:
        return self.settings.wechat_pay_api_version

    def require_wechat_v3(self) -> WeChatPayV3:
        if self.wechat_v3 is None:
            log.warning(
                "payment channel wechat_v3 is not configured: %s", self.problems.get("wechat_v3")
            )
            raise ChannelNotConfigured()
        return self.wechat_v3

    def require_wechat_v2(self) -> WeChatPayV2:
        if self.wechat_v2 is None:
            log.warning(
                "payment channel wechat_v2 is not configured: %s", self.problems.get("wechat_v2")
            )
            raise ChannelNotConfigured()
        return self.wechat_v2

    def require_alipay(self) -> AlipayClient:
        if self.alipay is None:
            log.warning("payment channel alipay is not configured: %s", self.problems.get("alipay"))
            raise ChannelNotConfigured()
        return self.alipay


def build(settings: Settings, context: AppContext) -> Gateways:
    """Every channel that is fully configured; the others carry the reason they are not."""
    problems: dict[str, str] = {}
    v3 = v2 = alipay = None
    try:
        v3 = WeChatPayV3(payconfig.wechat_pay_v3_config(settings), context.http)
    except (payconfig.PaymentConfigError, ValueError) as error:
        problems["wechat_v3"] = str(error)
    try:
        v2 = WeChatPayV2(payconfig.wechat_pay_v2_config(settings), context.http)
    except (payconfig.PaymentConfigError, ValueError) as error:
        problems["wechat_v2"] = str(error)
    try:
        alipay = AlipayClient(payconfig.alipay_config(settings), context.http)
    except (payconfig.PaymentConfigError, ValueError) as error:
        problems["alipay"] = str(error)
    return Gateways(settings=settings, wechat_v3=v3, wechat_v2=v2, alipay=alipay, problems=problems)


async def current(context: AppContext) -> Gateways:
    """This process's clients (cached; rebuilt after the owner changes credentials)."""

    async def load() -> Gateways:
        async with context.db.transaction(write=False) as session:
            effective = await credentials.effective_settings(session, settings=context.settings)
        return build(effective, context)

    return await context.near_cache.get_or_load(credentials.NAMESPACE, "gateways", load)
