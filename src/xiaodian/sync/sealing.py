"""Webhook secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from
`XIAODIAN_SECRET_KEY`.

Signing a delivery needs the secret itself, so it is encrypted, not hashed: a copy of the
database alone does not give it away, and a tampered value fails to open instead of signing
with something else. Stored as `v1:` + URL-safe base64 of nonce (12 bytes) ‖ ciphertext ‖ tag;
migration 0018 sealed the rows stored in plaintext before it (the same format, written out
there so that the migration never changes with this module).
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
_INFO = b"xiaodian/webhook-secrets/v1"
_AAD = b"webhook_endpoints.secret_sealed"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """The stored value does not open with this secret key (changed key, or tampered)."""


def _cipher(secret_key: str) -> AESGCM:
    if not secret_key:
        raise RuntimeError("XIAODIAN_SECRET_KEY is needed to seal or open webhook secrets")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return AESGCM(key)


def seal(secret: str, *, secret_key: str) -> str:
    """The stored form of `secret` (a fresh random nonce each time)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(secret_key).encrypt(nonce, secret.encode(), _AAD)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str, *, secret_key: str) -> str:
    """The secret behind a stored value; SecretUnreadable if it does not open."""
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("not a sealed webhook secret")
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
        opened = _cipher(secret_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _AAD)
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise SecretUnreadable("the webhook secret does not open with this key") from error
    return opened.decode()
