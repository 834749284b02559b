"""Payment credentials the owner enters in the console: stored encrypted with a key derived from
`XIAODIAN_SECRET_KEY`, never shown back in full, and layered over the environment's values."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core.db import after_commit
from xiaodian.integrations.wechat import crypto
from xiaodian.models import PaymentCredential
from xiaodian.payments.errors import InvalidCredential

NAMESPACE = "payconfig"

# name → (secret?, kind). Secrets are only ever shown as their last four characters.
FIELDS: dict[str, tuple[bool, str]] = {
    "wechat_appid": (False, "text"),
    "wechat_secret": (True, "text"),
    "wechat_pay_api_version": (False, "version"),
    "wechat_pay_mchid": (False, "text"),
    "wechat_pay_cert_serial": (False, "text"),
    "wechat_pay_private_key_pem": (True, "private_key"),
    "wechat_pay_apiv3_key": (True, "apiv3_key"),
    "wechat_pay_public_key_id": (False, "text"),
    "wechat_pay_public_key_pem": (False, "public_key"),
    "wechat_pay_v2_key": (True, "text"),
    "alipay_app_id": (False, "text"),
    "alipay_app_private_key_pem": (True, "private_key"),
    "alipay_public_key_pem": (False, "public_key"),
    "alipay_seller_id": (False, "text"),
}


class CredentialState(BaseModel):
    is_set: bool
    source: Literal["console", "environment", ""]
    preview: str
    secret: bool


class PaymentCredentialsOut(BaseModel):
    fields: dict[str, CredentialState]


class PaymentCredentialsPatch(BaseModel):
    """Values to store; an empty string removes the stored value (the environment's applies)."""

    values: dict[str, str]


def _fernet(settings: Settings) -> Fernet:
    if not settings.secret_key:
        raise InvalidCredential("服务器未设置 XIAODIAN_SECRET_KEY，不能保存支付密钥")
    digest = hashlib.sha256(b"xiaodian/payment-credentials/" + settings.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


async def stored(session: AsyncSession, *, settings: Settings) -> dict[str, str]:
    """Decrypted stored values (an undecryptable one — the secret key changed — is skipped)."""
    rows = (await session.execute(select(PaymentCredential))).scalars().all()
    if not rows:
        return {}
    fernet = _fernet(settings)
    values: dict[str, str] = {}
    for row in rows:
        try:
            values[row.name] = fernet.decrypt(row.ciphertext.encode()).decode()
        except InvalidToken:
            continue
    return values


async def effective_settings(session: AsyncSession, *, settings: Settings) -> Settings:
    """The environment's settings with the console's stored credentials on top."""
    overrides: dict[str, Any] = dict(await stored(session, settings=settings))
    if "wechat_pay_private_key_pem" in overrides:
        overrides["wechat_pay_private_key_path"] = None
    if "wechat_pay_public_key_pem" in overrides:
        overrides["wechat_pay_public_key_path"] = None
    if "alipay_app_private_key_pem" in overrides:
        overrides["alipay_app_private_key_path"] = None
    if "alipay_public_key_pem" in overrides:
        overrides["alipay_public_key_path"] = None
    return settings.model_copy(update=overrides) if overrides else settings


def _preview(value: str, *, secret: bool, kind: str) -> str:
    if not value:
        return ""
    if kind in ("private_key", "public_key"):
        return "已设置 (PEM)"
    if secret:
        return "••••" + value[-4:] if len(value) > 8 else "••••"
    return value


def _environment_value(settings: Settings, name: str) -> str:
    value = getattr(settings, name, "")
    if not value and name.endswith("_pem"):
        path = getattr(settings, name.removesuffix("_pem") + "_path", None)
        return "(file)" if path else ""
    return str(value or "")


async def masked(session: AsyncSession, *, context: AppContext) -> PaymentCredentialsOut:
    settings = context.settings
    saved = await stored(session, settings=settings)
    fields: dict[str, CredentialState] = {}
    for name, (secret, kind) in FIELDS.items():
        if saved.get(name):
            value, source = saved[name], "console"
        else:
            value = _environment_value(settings, name)
            source = "environment" if value else ""
        fields[name] = CredentialState(
            is_set=bool(value),
            source=source,
            preview=_preview(value, secret=secret, kind=kind)
            if value != "(file)"
            else "已设置 (文件)",
            secret=secret,
        )
    return PaymentCredentialsOut(fields=fields)


def _validate(name: str, value: str) -> str:
    if name not in FIELDS:
        raise InvalidCredential(f"未知的支付参数 {name}", field=name)
    kind = FIELDS[name][1]
    value = value.strip()
    if "\x00" in value or len(value) > 10_000:
        raise InvalidCredential(field=name)
    try:
        if kind == "private_key":
            crypto.load_private_key(value)
        elif kind == "public_key":
            crypto.load_public_key(value)
    except Exception as error:
        raise InvalidCredential("密钥不是有效的 PEM 格式", field=name) from error
    if kind == "apiv3_key" and len(value.encode()) != 32:
        raise InvalidCredential("APIv3 密钥应为 32 个字符", field=name)
    if kind == "version" and value not in ("v3", "v2"):
        raise InvalidCredential("接口版本只能是 v3 或 v2", field=name)
    if kind == "text" and (len(value) > 128 or any(ch.isspace() for ch in value)):
        raise InvalidCredential("格式不正确", field=name)
    return value


async def update(
    session: AsyncSession, *, context: AppContext, patch: PaymentCredentialsPatch
) -> PaymentCredentialsOut:
    """Store (or, with "", remove) credentials; every process rebuilds its clients after."""
    fernet = _fernet(context.settings)
    existing = {
        row.name: row for row in (await session.execute(select(PaymentCredential))).scalars()
    }
    for name, raw in patch.values.items():
        if raw.strip() == "":
            if name in existing:
                await session.delete(existing[name])
            continue
        ciphertext = fernet.encrypt(_validate(name, raw).encode()).decode()
        if name in existing:
            existing[name].ciphertext = ciphertext
        else:
            session.add(PaymentCredential(name=name, ciphertext=ciphertext))
    await session.flush()

    async def forget() -> None:
        await context.near_cache.invalidate(NAMESPACE)

    after_commit(session, forget)
    return await masked(session, context=context)


def names() -> Mapping[str, tuple[bool, str]]:
    return FIELDS
