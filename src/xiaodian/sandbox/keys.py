"""A consistent set of demo payment keys, generated on first use and kept as PEM files.

Nothing here is hard-coded: ``generate_demo_keys()`` makes fresh RSA-2048 keys for the
merchant (with a self-signed API certificate), the WeChat Pay platform (self-signed
certificate with a hex serial), the WeChat Pay public key (``PUB_KEY_ID_…`` mode), the Alipay
app and Alipay itself, plus a 32-character APIv3 key and a 32-character v2 key.
``load_or_generate_keys(directory)`` is what the demo calls with its data folder; private key
files are written with mode 0600.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from xiaodian.core import clock

_ALPHANUMERIC = string.ascii_letters + string.digits
_PEM_FILES = {
    "merchant_private_key_pem": "wechatpay_merchant_key.pem",
    "merchant_certificate_pem": "wechatpay_merchant_cert.pem",
    "platform_private_key_pem": "wechatpay_platform_key.pem",
    "platform_certificate_pem": "wechatpay_platform_cert.pem",
    "public_key_private_pem": "wechatpay_pubkey_key.pem",
    "public_key_pem": "wechatpay_pubkey.pem",
    "alipay_app_private_key_pem": "alipay_app_key.pem",
    "alipay_app_public_key_pem": "alipay_app_pubkey.pem",
    "alipay_private_key_pem": "alipay_platform_key.pem",
    "alipay_public_key_pem": "alipay_pubkey.pem",
}
_VALUES_FILE = "payment_keys.json"


@dataclass(frozen=True)
class DemoKeySet:
    """Both sides of every payment key. The shop uses the merchant/app halves, the simulator
    the platform halves; in production only the shop's halves exist, from WeChat and Alipay."""

    merchant_private_key_pem: str = field(repr=False)
    merchant_certificate_pem: str
    merchant_serial: str
    platform_private_key_pem: str = field(repr=False)
    platform_certificate_pem: str
    platform_serial: str
    public_key_id: str
    public_key_private_pem: str = field(repr=False)
    public_key_pem: str
    apiv3_key: str = field(repr=False)
    v2_key: str = field(repr=False)
    alipay_app_private_key_pem: str = field(repr=False)
    alipay_app_public_key_pem: str
    alipay_private_key_pem: str = field(repr=False)
    alipay_public_key_pem: str

    def save(self, directory: Path) -> None:
        """Write the PEM files and ``payment_keys.json``; secrets get mode 0600."""
        directory.mkdir(parents=True, exist_ok=True)
        values = asdict(self)
        for name, filename in _PEM_FILES.items():
            _write(directory / filename, values.pop(name), secret="private" in name)
        _write(directory / _VALUES_FILE, json.dumps(values, indent=2) + "\n", secret=True)

    @classmethod
    def load(cls, directory: Path) -> DemoKeySet:
        values: dict[str, str] = json.loads((directory / _VALUES_FILE).read_text())
        for name, filename in _PEM_FILES.items():
            values[name] = (directory / filename).read_text()
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    def file_path(self, directory: Path, name: str) -> Path:
        """Where ``save`` puts the PEM for field `name` (for settings that take a path)."""
        return directory / _PEM_FILES[name]


def _write(path: Path, text: str, *, secret: bool) -> None:
    if secret:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
    else:
        path.write_text(text)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> tuple[str, str]:
    """A 5-year self-signed certificate and its serial as upper-case hex."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Xiaodian Sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = clock.now()
    serial = x509.random_serial_number()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return pem, f"{serial:X}"


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def generate_demo_keys() -> DemoKeySet:
    merchant, platform, public_key, alipay_app, alipay = (_new_key() for _ in range(5))
    merchant_cert, merchant_serial = _self_signed(merchant, "Xiaodian demo merchant")
    platform_cert, platform_serial = _self_signed(platform, "Tenpay.com Sandbox")
    public_key_id = "PUB_KEY_ID_" + "".join(secrets.choice(string.digits) for _ in range(28))
    return DemoKeySet(
        merchant_private_key_pem=_private_pem(merchant),
        merchant_certificate_pem=merchant_cert,
        merchant_serial=merchant_serial,
        platform_private_key_pem=_private_pem(platform),
        platform_certificate_pem=platform_cert,
        platform_serial=platform_serial,
        public_key_id=public_key_id,
        public_key_private_pem=_private_pem(public_key),
        public_key_pem=_public_pem(public_key),
        apiv3_key=_random_text(32),
        v2_key=_random_text(32),
        alipay_app_private_key_pem=_private_pem(alipay_app),
        alipay_app_public_key_pem=_public_pem(alipay_app),
        alipay_private_key_pem=_private_pem(alipay),
        alipay_public_key_pem=_public_pem(alipay),
    )


def load_or_generate_keys(directory: Path) -> DemoKeySet:
    """The key set saved in `directory`, generating and saving a new one the first time."""
    if (directory / _VALUES_FILE).exists():
        return DemoKeySet.load(directory)
    keys = generate_demo_keys()
    keys.save(directory)
    return keys


DEMO_MCHID = "1900000109"
DEMO_ALIPAY_APP_ID = "2021000000000001"
DEMO_ALIPAY_SELLER_ID = "2088000000000001"


def demo_payment_settings(
    directory: Path,
    keys: DemoKeySet,
    *,
    sandbox_url: str,
    wechat_notify_url: str,
    alipay_notify_url: str,
    wechat_refund_notify_url: str = "",
) -> dict[str, object]:
    """``Settings`` values (field name → value) pointing the shop at the simulator.

    `directory` is where `keys` were saved; `sandbox_url` is where the payment routers are
    mounted (e.g. ``http://127.0.0.1:8000/sandbox``). Merge into the demo's settings with
    ``settings.model_copy(update=...)`` or ``Settings(**...)``.
    """
    return {
        "wechat_pay_mchid": DEMO_MCHID,
        "wechat_pay_base_url": sandbox_url.rstrip("/"),
        "wechat_pay_private_key_path": keys.file_path(directory, "merchant_private_key_pem"),
        "wechat_pay_cert_serial": keys.merchant_serial,
        "wechat_pay_apiv3_key": keys.apiv3_key,
        "wechat_pay_platform_cert_paths": [keys.file_path(directory, "platform_certificate_pem")],
        "wechat_pay_public_key_id": keys.public_key_id,
        "wechat_pay_public_key_path": keys.file_path(directory, "public_key_pem"),
        "wechat_pay_v2_key": keys.v2_key,
        "wechat_pay_notify_url": wechat_notify_url,
        "wechat_pay_refund_notify_url": wechat_refund_notify_url,
        "alipay_app_id": DEMO_ALIPAY_APP_ID,
        "alipay_gateway": sandbox_url.rstrip("/") + "/alipay/gateway.do",
        "alipay_app_private_key_path": keys.file_path(directory, "alipay_app_private_key_pem"),
        "alipay_public_key_path": keys.file_path(directory, "alipay_public_key_pem"),
        "alipay_seller_id": DEMO_ALIPAY_SELLER_ID,
        "alipay_notify_url": alipay_notify_url,
    }
