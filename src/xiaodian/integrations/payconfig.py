"""Build the payment clients' configs from ``Settings`` (reading key files once, at start-up).

``wechat_pay_v3_config(settings)``, ``wechat_pay_v2_config(settings)`` and
``alipay_config(settings)`` raise ``PaymentConfigError`` naming the missing setting, so a
misconfigured deployment fails at start rather than at the first payment.
"""

from __future__ import annotations

from pathlib import Path

from xiaodian.config import Settings
from xiaodian.core.logs import register_secret
from xiaodian.integrations.alipay import AlipayConfig
from xiaodian.integrations.retry import RetryPolicy
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_v2 import WeChatPayV2Config
from xiaodian.integrations.wechat.pay_v3 import WeChatPayV3Config


class PaymentConfigError(ValueError):
    """A payment setting is missing or unusable."""


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.payment_max_attempts,
        backoff_seconds=settings.payment_retry_backoff_seconds,
        timeout_seconds=settings.payment_timeout_seconds,
    )


def _pem(path: Path | None, inline: str, setting: str) -> str:
    if path is not None:
        try:
            return path.read_text()
        except OSError as error:
            raise PaymentConfigError(f"XIAODIAN_{setting.upper()}_PATH: {error}") from error
    if inline.strip():
        return inline
    raise PaymentConfigError(
        f"set XIAODIAN_{setting.upper()}_PATH or XIAODIAN_{setting.upper()}_PEM"
    )


def _required(value: str, setting: str) -> str:
    if not value:
        raise PaymentConfigError(f"XIAODIAN_{setting.upper()} is not set")
    return value


def platform_keys(settings: Settings) -> dict[str, str]:
    """serial → PEM for every WeChat Pay key we trust: platform certificates and public key."""
    keys: dict[str, str] = {}
    for path in settings.wechat_pay_platform_cert_paths:
        try:
            pem = path.read_text()
        except OSError as error:
            raise PaymentConfigError(f"platform certificate {path}: {error}") from error
        keys[crypto.certificate_serial(pem)] = pem
    if settings.wechat_pay_public_key_id:
        keys[settings.wechat_pay_public_key_id] = _pem(
            settings.wechat_pay_public_key_path,
            settings.wechat_pay_public_key_pem,
            "wechat_pay_public_key",
        )
    if not keys:
        raise PaymentConfigError(
            "set XIAODIAN_WECHAT_PAY_PUBLIC_KEY_ID (+ key) "
            "or XIAODIAN_WECHAT_PAY_PLATFORM_CERT_PATHS"
        )
    return keys


def wechat_pay_v3_config(settings: Settings) -> WeChatPayV3Config:
    apiv3_key = _required(settings.wechat_pay_apiv3_key, "wechat_pay_apiv3_key")
    if len(apiv3_key.encode()) != 32:
        raise PaymentConfigError("XIAODIAN_WECHAT_PAY_APIV3_KEY must be 32 characters")
    mchid = _required(settings.wechat_pay_mchid, "wechat_pay_mchid")
    private_key = _pem(
        settings.wechat_pay_private_key_path,
        settings.wechat_pay_private_key_pem,
        "wechat_pay_private_key",
    )
    register_secret(apiv3_key, private_key)  # from a file or the console: never to the log
    return WeChatPayV3Config(
        appid=settings.wechat_appid,
        mchid=mchid,
        merchant_private_key_pem=private_key,
        merchant_serial=_required(settings.wechat_pay_cert_serial, "wechat_pay_cert_serial"),
        apiv3_key=apiv3_key,
        platform_keys=platform_keys(settings),
        notify_url=_required(settings.wechat_pay_notify_url, "wechat_pay_notify_url"),
        refund_notify_url=settings.wechat_pay_refund_notify_url or None,
        base_url=settings.wechat_pay_base_url.rstrip("/"),
        retry=retry_policy(settings),
    )


def wechat_pay_v2_config(settings: Settings) -> WeChatPayV2Config:
    cert = settings.wechat_pay_v2_client_cert_path
    key = settings.wechat_pay_v2_client_key_path
    if (cert is None) != (key is None):
        raise PaymentConfigError("set both the v2 client certificate and key paths, or neither")
    mchid = _required(settings.wechat_pay_mchid, "wechat_pay_mchid")
    api_key = _required(settings.wechat_pay_v2_key, "wechat_pay_v2_key")
    register_secret(api_key)
    return WeChatPayV2Config(
        appid=settings.wechat_appid,
        mchid=mchid,
        api_key=api_key,
        notify_url=_required(settings.wechat_pay_notify_url, "wechat_pay_notify_url"),
        sign_type=settings.wechat_pay_v2_sign_type,
        refund_notify_url=settings.wechat_pay_refund_notify_url or None,
        base_url=settings.wechat_pay_base_url.rstrip("/"),
        client_cert=(str(cert), str(key)) if cert is not None and key is not None else None,
        retry=retry_policy(settings),
    )


def alipay_config(settings: Settings) -> AlipayConfig:
    app_id = _required(settings.alipay_app_id, "alipay_app_id")
    private_key = _pem(
        settings.alipay_app_private_key_path,
        settings.alipay_app_private_key_pem,
        "alipay_app_private_key",
    )
    register_secret(private_key)
    return AlipayConfig(
        app_id=app_id,
        app_private_key_pem=private_key,
        alipay_public_key_pem=_pem(
            settings.alipay_public_key_path, settings.alipay_public_key_pem, "alipay_public_key"
        ),
        notify_url=settings.alipay_notify_url or None,
        seller_id=settings.alipay_seller_id or None,
        gateway=settings.alipay_gateway,
        retry=retry_policy(settings),
    )
