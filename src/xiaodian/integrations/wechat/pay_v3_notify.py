"""Verifying WeChat Pay API v3 signatures from the platform: responses and callbacks.

``PlatformVerifier`` holds WeChat Pay's public keys by serial — platform certificates (hex
serial) and the newer ``PUB_KEY_ID_…`` public key, both at once while a merchant switches.
``parse_notification`` turns a callback into a ``Notification`` or raises
``InvalidNotification`` (answer 4xx with ``notify_failure_body()``; answer
``NOTIFY_ACK_STATUS`` once the notification is applied or was already applied).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_errors import InvalidNotification
from xiaodian.integrations.wechat.pay_resources import (
    RESOURCE_TYPES,
    Envelope,
    ValidationError,
    first_problem,
)
from xiaodian.integrations.wechat.pay_types import Notification, Transaction

NOTIFY_ACK_STATUS = 204
DEFAULT_TOLERANCE_SECONDS = 300


def notify_failure_body(message: str = "失败", *, error: str | None = None) -> bytes:
    """Body to send with a 4xx/5xx answer so WeChat Pay retries the notification later
    (``error``, when given, is our stable code for why)."""
    body = {"code": "FAIL", "message": message}
    if error is not None:
        body["error"] = error
    return json.dumps(body, ensure_ascii=False).encode()


class PlatformVerifier:
    """WeChat Pay's verification keys by serial: platform certificates and the public-key id."""

    def __init__(self, keys: Mapping[str, str | rsa.RSAPublicKey] | None = None) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        for serial, key in (keys or {}).items():
            self.add(serial, key)

    def add(self, serial: str, key: str | rsa.RSAPublicKey) -> None:
        """Trust `key` (PEM certificate, PEM public key, or key object) under `serial`."""
        public = crypto.load_public_key(key) if isinstance(key, str) else key
        self._keys[crypto.normalize_serial(serial)] = public

    def key_for(self, serial: str) -> rsa.RSAPublicKey | None:
        return self._keys.get(crypto.normalize_serial(serial))

    @property
    def serials(self) -> frozenset[str]:
        return frozenset(self._keys)


def timestamp_fresh(timestamp: str, *, now: datetime, tolerance_seconds: int) -> bool:
    if not timestamp.isdigit():
        return False
    return abs(now.timestamp() - int(timestamp)) <= tolerance_seconds


def parse_notification(
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    verifier: PlatformVerifier,
    apiv3_key: str,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> Notification:
    """Verify and decrypt a callback; raise InvalidNotification otherwise.

    Refuses another signature type, an unknown serial, a timestamp more than
    `tolerance_seconds` from `now`, a bad signature (WeChat sends wrongly signed probes on
    purpose), another algorithm, and anything that does not decrypt with the APIv3 key.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("wechatpay-signature-type", crypto.SIGNATURE_TYPE) != crypto.SIGNATURE_TYPE:
        raise InvalidNotification("unsupported signature type")
    serial = lowered.get("wechatpay-serial", "")
    timestamp = lowered.get("wechatpay-timestamp", "")
    nonce = lowered.get("wechatpay-nonce", "")
    signature = lowered.get("wechatpay-signature", "")
    if not (serial and timestamp and nonce and signature):
        raise InvalidNotification("missing Wechatpay-* headers")
    key = verifier.key_for(serial)
    if key is None:
        raise InvalidNotification(f"unknown serial {serial}")
    if not timestamp_fresh(timestamp, now=now, tolerance_seconds=tolerance_seconds):
        raise InvalidNotification("timestamp outside the 5-minute window")
    raw = body.encode() if isinstance(body, str) else body
    if not crypto.verify_response(
        key, timestamp=timestamp, nonce=nonce, body=raw, signature=signature
    ):
        raise InvalidNotification("bad signature")
    return open_envelope(raw, apiv3_key=apiv3_key)


def open_envelope(raw: bytes, *, apiv3_key: str) -> Notification:
    """Decrypt the ``resource`` of an (already verified) notification body; a "transaction" or
    "refund" resource must have its strict shape (``invalid_resource`` otherwise). Resources
    of other types (payscore, …) are decrypted as they are: the receiver decides on them."""
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidNotification(
            f"malformed notification body ({first_problem(error)})"
        ) from error
    resource = envelope.resource
    if resource.algorithm != crypto.AEAD_ALGORITHM:
        raise InvalidNotification("unsupported resource algorithm")
    try:
        plaintext = crypto.aes_gcm_decrypt(
            apiv3_key,
            nonce=resource.nonce,
            associated_data=resource.associated_data,
            ciphertext_b64=resource.ciphertext,
        )
        data = json.loads(plaintext)
    except crypto.CryptoError as error:
        raise InvalidNotification("cannot decrypt the resource") from error
    except ValueError as error:
        raise InvalidNotification("the resource is not JSON", code="invalid_resource") from error
    if not isinstance(data, dict):
        raise InvalidNotification("the resource is not an object", code="invalid_resource")
    shape = RESOURCE_TYPES.get(resource.original_type)
    try:
        if shape is not None:
            shape.model_validate(data)
    except ValidationError as error:
        raise InvalidNotification(
            f"invalid resource ({first_problem(error)})", code="invalid_resource"
        ) from error
    return Notification(
        id=envelope.id,
        event_type=envelope.event_type,
        create_time=envelope.create_time,
        resource_type=envelope.resource_type,
        summary=envelope.summary,
        original_type=resource.original_type,
        resource=data,
    )


def check_transaction(
    transaction: Transaction, *, appid: str, mchid: str, out_trade_no: str, total_fen: int
) -> None:
    """Raise InvalidNotification unless a (verified) payment is for our order and amount.

    Works for v3 notifications (``notification.transaction()``) and v2 ones alike.
    """
    if transaction.appid != appid or transaction.mchid != mchid:
        raise InvalidNotification("appid or mchid does not match")
    if transaction.out_trade_no != out_trade_no:
        raise InvalidNotification("out_trade_no does not match")
    if transaction.total_fen != total_fen:
        raise InvalidNotification("amount does not match the order")
