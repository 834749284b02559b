"""Alipay OpenAPI signing rules (RSA2) and exact yuan ↔ fen conversion, without I/O.

- Requests: every non-empty parameter except ``sign`` (``sign_type`` included), sorted, joined
  as raw ``k=v&…`` (not URL-encoded), SHA256withRSA, base64.
- Synchronous responses: the signature covers the exact raw JSON text of the
  ``<method_with_underscores>_response`` member, which is cut out of the reply text as is.
- Async notifications: drop ``sign`` and ``sign_type``, sort, join, verify with Alipay's key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from xiaodian.core.money import format_yuan, parse_yuan
from xiaodian.integrations.wechat.crypto import rsa_sign, rsa_verify

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
MAX_AMOUNT_FEN = 100_000_000 * 100


def fen_to_yuan(fen: int) -> str:
    """12345 → ``"123.45"``: integer maths only, two decimals, as Alipay wants amounts."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError("an amount must be a non-negative integer number of fen")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError("Alipay amounts stop at 100000000.00 yuan")
    return format_yuan(fen)


def yuan_to_fen(text: str) -> int:
    """``"123.45"`` → 12345, exactly; ValueError for anything that is not a plain amount."""
    return parse_yuan(text)


def request_sign_source(params: Mapping[str, str]) -> str:
    """Sorted raw ``k=v&…`` over the non-empty parameters except ``sign``."""
    return "&".join(
        f"{key}={value}" for key, value in sorted(params.items()) if key != "sign" and value != ""
    )


def notification_sign_source(form: Mapping[str, str]) -> str:
    """Sorted raw ``k=v&…`` over the (URL-decoded) non-empty fields except sign/sign_type."""
    return "&".join(
        f"{key}={value}"
        for key, value in sorted(form.items())
        if key not in ("sign", "sign_type") and value != ""
    )


def sign_request(params: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> str:
    return rsa_sign(private_key, request_sign_source(params))


def verify_request(params: Mapping[str, str], public_key: rsa.RSAPublicKey) -> bool:
    return rsa_verify(public_key, request_sign_source(params), params.get("sign", ""))


def sign_notification(form: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> str:
    return rsa_sign(private_key, notification_sign_source(form))


def verify_notification_signature(form: Mapping[str, str], public_key: rsa.RSAPublicKey) -> bool:
    return rsa_verify(public_key, notification_sign_source(form), form.get("sign", ""))


def response_key(method: str) -> str:
    """``alipay.trade.create`` → ``alipay_trade_create_response``."""
    return method.replace(".", "_") + "_response"


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def top_level_members(text: str) -> dict[str, tuple[str, Any]]:
    """Each member of the top-level JSON object: its exact raw text and its parsed value."""
    members: dict[str, tuple[str, Any]] = {}
    position = _skip_whitespace(text, 0)
    if text[position : position + 1] != "{":
        raise ValueError("the reply is not a JSON object")
    position = _skip_whitespace(text, position + 1)
    if text[position : position + 1] == "}":
        return members
    while True:
        key, position = _DECODER.raw_decode(text, position)
        if not isinstance(key, str):
            raise ValueError("object keys must be strings")
        position = _skip_whitespace(text, position)
        if text[position : position + 1] != ":":
            raise ValueError("expected ':'")
        start = _skip_whitespace(text, position + 1)
        value, end = _DECODER.raw_decode(text, start)
        members[key] = (text[start:end], value)
        position = _skip_whitespace(text, end)
        separator = text[position : position + 1]
        position = _skip_whitespace(text, position + 1)
        if separator == "}":
            break
        if separator != ",":
            raise ValueError("expected ',' or '}'")
    if position != len(text):
        raise ValueError("text after the JSON object")
    return members


def signed_response(text: str, method: str) -> tuple[str | None, dict[str, Any], str | None]:
    """Cut ``(raw member text, member value, sign)`` out of a gateway reply.

    Falls back to ``error_response`` when the method member is absent; the raw text is None
    when neither is there.
    """
    members = top_level_members(text)
    found = members.get(response_key(method)) or members.get("error_response")
    sign_member = members.get("sign")
    sign = sign_member[1] if sign_member and isinstance(sign_member[1], str) else None
    if found is None or not isinstance(found[1], dict):
        return None, {}, sign
    return found[0], found[1], sign


def build_signed_response(
    method: str,
    member: Mapping[str, Any],
    private_key: rsa.RSAPrivateKey,
) -> str:
    """The gateway's reply text for `member`, signed over its exact JSON (used by the simulator)."""
    raw = json.dumps(member, ensure_ascii=False, separators=(",", ":"))
    signature = rsa_sign(private_key, raw)
    return f'{{"{response_key(method)}":{raw},"sign":{json.dumps(signature)}}}'
