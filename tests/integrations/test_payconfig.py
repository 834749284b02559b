"""Client configs from Settings, and clients built that way talking to the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integrations.payenv import APPID, SANDBOX, PayEnv
from xiaodian.config import Settings
from xiaodian.integrations import payconfig
from xiaodian.integrations.alipay import AlipayClient
from xiaodian.integrations.wechat.pay_v2 import WeChatPayV2
from xiaodian.integrations.wechat.pay_v3 import WeChatPayV3
from xiaodian.sandbox.keys import DemoKeySet, demo_payment_settings


def _settings(directory: Path, keys: DemoKeySet, **changes: object) -> Settings:
    keys.save(directory)
    values = demo_payment_settings(
        directory,
        keys,
        sandbox_url=SANDBOX + "/",
        wechat_notify_url="http://shop.test/n",
        alipay_notify_url="http://shop.test/a",
    )
    values.update(changes)
    return Settings(wechat_appid=APPID, **values)  # type: ignore[arg-type]


def test_the_v3_config_trusts_the_platform_certificate_and_the_public_key(
    tmp_path: Path, demo_keys: DemoKeySet
) -> None:
    config = payconfig.wechat_pay_v3_config(_settings(tmp_path, demo_keys))
    assert set(config.platform_keys) == {demo_keys.platform_serial, demo_keys.public_key_id}
    assert config.base_url == SANDBOX
    assert config.merchant_private_key_pem == demo_keys.merchant_private_key_pem
    assert config.retry.max_attempts == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"wechat_pay_mchid": ""}, "WECHAT_PAY_MCHID"),
        ({"wechat_pay_apiv3_key": "short"}, "32 characters"),
        ({"wechat_pay_private_key_path": None}, "WECHAT_PAY_PRIVATE_KEY"),
        ({"wechat_pay_platform_cert_paths": [], "wechat_pay_public_key_id": ""}, "PUBLIC_KEY_ID"),
    ],
)
def test_a_missing_v3_setting_is_named(
    tmp_path: Path, demo_keys: DemoKeySet, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(payconfig.PaymentConfigError, match=message):
        payconfig.wechat_pay_v3_config(_settings(tmp_path, demo_keys, **changes))


def test_inline_pem_works_when_no_path_is_given(tmp_path: Path, demo_keys: DemoKeySet) -> None:
    settings = _settings(
        tmp_path,
        demo_keys,
        alipay_app_private_key_path=None,
        alipay_app_private_key_pem=demo_keys.alipay_app_private_key_pem,
    )
    assert payconfig.alipay_config(settings).app_private_key_pem.startswith("-----BEGIN")


def test_the_v2_client_certificate_needs_both_halves(tmp_path: Path, demo_keys: DemoKeySet) -> None:
    settings = _settings(tmp_path, demo_keys, wechat_pay_v2_client_cert_path=tmp_path / "c.pem")
    with pytest.raises(payconfig.PaymentConfigError):
        payconfig.wechat_pay_v2_config(settings)


async def test_clients_built_from_settings_talk_to_the_simulator(
    tmp_path: Path, demo_keys: DemoKeySet, pay: PayEnv
) -> None:
    settings = _settings(tmp_path, demo_keys)
    v3 = WeChatPayV3(payconfig.wechat_pay_v3_config(settings), pay.sandbox)
    v2 = WeChatPayV2(payconfig.wechat_pay_v2_config(settings), pay.sandbox)
    alipay = AlipayClient(payconfig.alipay_config(settings), pay.sandbox)
    assert await v3.jsapi_prepay(
        out_trade_no="CFG-0001", description="x", total_fen=1, payer_openid="o"
    )
    assert await v2.unified_order(out_trade_no="CFG-0002", body="x", total_fen=1, openid="o")
    trade = await alipay.create_trade(
        out_trade_no="CFG-0003", total_fen=1, subject="x", buyer_open_id="074a"
    )
    assert trade.trade_no
