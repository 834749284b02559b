"""Signed rider links: `/rider/routes/{id}?exp=…&sig=…`, no account needed.

`sig` is an HMAC-SHA256 of the route id, the route's own random token and the expiry under a
key derived from the app's secret; the link expires at the end of the slot's day (shop time).
A changed id, expiry or signature, a replanned route, or a link past its time is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, time, timedelta

from xiaodian.core import clock


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"xiaodian rider links", hashlib.sha256).digest()


def expiry_for(slot_date: str) -> int:
    """Unix time of the end of the slot's day in the shop's timezone."""
    day = date.fromisoformat(slot_date) + timedelta(days=1)
    return int(datetime.combine(day, time(0, 0), tzinfo=clock.SHOP_TZ).timestamp())


def new_token() -> str:
    return secrets.token_hex(16)


def signature(secret_key: str, route_id: int, token: str, expires: int) -> str:
    message = f"route:{route_id}:{token}:{expires}".encode()
    return hmac.new(_key(secret_key), message, hashlib.sha256).hexdigest()[:32]


def query(secret_key: str, route_id: int, token: str, slot_date: str) -> str:
    expires = expiry_for(slot_date)
    return f"exp={expires}&sig={signature(secret_key, route_id, token, expires)}"


def valid(secret_key: str, route_id: int, token: str, expires: int, sig: str) -> bool:
    """True for an untampered link to this very route that has not expired."""
    if expires <= clock.now().timestamp():
        return False
    return hmac.compare_digest(signature(secret_key, route_id, token, expires), sig)
