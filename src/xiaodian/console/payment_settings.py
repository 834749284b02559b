"""The payment credentials form: labels and grouping for the payments domain's fields.

Values are never shown back: each input starts empty with the stored value's mask as its
placeholder; a filled input replaces the value, "清除" removes the console's copy (the
environment's value, if any, applies again), an untouched one stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData

from xiaodian.console.forms import checked
from xiaodian.payments import credentials
from xiaodian.payments.credentials import CredentialState, PaymentCredentialsPatch

LABELS: dict[str, str] = {
    "wechat_appid": "小程序 AppID",
    "wechat_secret": "小程序 AppSecret",
    "wechat_pay_api_version": "接口版本（v3 或 v2）",
    "wechat_pay_mchid": "商户号",
    "wechat_pay_cert_serial": "商户 API 证书序列号",
    "wechat_pay_private_key_pem": "商户 API 私钥（PEM）",
    "wechat_pay_apiv3_key": "APIv3 密钥",
    "wechat_pay_public_key_id": "微信支付公钥 ID",
    "wechat_pay_public_key_pem": "微信支付公钥（PEM）",
    "wechat_pay_v2_key": "API v2 密钥",
    "alipay_app_id": "应用 AppID",
    "alipay_app_private_key_pem": "应用私钥（PEM）",
    "alipay_public_key_pem": "支付宝公钥（PEM）",
    "alipay_seller_id": "卖家 ID",
}
SOURCES = {"console": "后台设置", "environment": "环境变量", "": ""}


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    multiline: bool
    state: CredentialState

    @property
    def placeholder(self) -> str:
        if not self.state.is_set:
            return "未设置"
        return f"{self.state.preview} · 来自{SOURCES.get(self.state.source, '')}"


@dataclass(frozen=True)
class CredentialGroup:
    title: str
    fields: list[CredentialField]


def groups(fields: dict[str, CredentialState]) -> list[CredentialGroup]:
    """The fields under 微信小程序 / 微信支付 / 支付宝 (unknown new ones under 其他)."""
    by_group: dict[str, list[CredentialField]] = {}
    for name, state in fields.items():
        if name in ("wechat_appid", "wechat_secret"):
            title = "微信小程序"
        elif name.startswith("wechat_pay"):
            title = "微信支付"
        elif name.startswith("alipay"):
            title = "支付宝"
        else:
            title = "其他"
        by_group.setdefault(title, []).append(
            CredentialField(
                name=name,
                label=LABELS.get(name, name),
                multiline=name.endswith("_pem"),
                state=state,
            )
        )
    order = ("微信小程序", "微信支付", "支付宝", "其他")
    return [CredentialGroup(title, by_group[title]) for title in order if title in by_group]


def patch_from(form: FormData) -> PaymentCredentialsPatch:
    values: dict[str, str] = {}
    for name in credentials.names():
        raw = form.get(name, "")
        if checked(form, f"clear.{name}"):
            values[name] = ""
        elif isinstance(raw, str) and raw.strip():
            values[name] = raw
    return PaymentCredentialsPatch(values=values)
