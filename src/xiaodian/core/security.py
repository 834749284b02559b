"""Opaque bearer tokens (stored only as hashes) and argon2 password hashes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def new_token() -> tuple[str, str]:
    """A fresh random token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    a_bytes = a.encode() if isinstance(a, str) else a
    b_bytes = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; never raises for a wrong or malformed hash."""

    def check() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


# A hash to verify against when the account does not exist, so timing does not tell.
DUMMY_PASSWORD_HASH = _hasher.hash("not-a-real-password")
