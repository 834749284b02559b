"""WeChat Pay and mini-program cryptography, exactly as PROTOCOLS.md describes the wire.

Pure functions, no I/O: RSA-SHA256 (PKCS#1 v1.5) signatures for API v3, the ``Authorization``
header, response/callback verification, AEAD_AES_256_GCM resources, the API v2 MD5 and
HMAC-SHA256 signatures with their XML bodies, ``paySign`` for both versions, and the
mini-program ``encryptedData`` / ``rawData`` checks. Every comparison of secrets is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree import ElementTree

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AEAD_ALGORITHM = "AEAD_AES_256_GCM"
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"

V2SignType = Literal["MD5", "HMAC-SHA256"]
V2_SIGN_TYPES: tuple[V2SignType, ...] = ("MD5", "HMAC-SHA256")

_NONCE_ALPHABET = string.ascii_uppercase + string.digits
_AUTH_FIELD = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*')


class CryptoError(ValueError):
    """Input that cannot be decrypted, parsed or trusted."""


class WatermarkMismatchError(CryptoError):
    """Decrypted mini-program data that was issued for another appid."""


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    a_bytes = a.encode() if isinstance(a, str) else a
    b_bytes = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


def new_nonce(length: int = 32) -> str:
    """A random nonce of upper-case letters and digits (WeChat allows up to 32)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


# --- RSA keys and signatures ---------------------------------------------------------------


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_to_bytes(pem), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CryptoError("expected an RSA private key")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from a ``PUBLIC KEY`` PEM or from a certificate PEM."""
    data = _to_bytes(pem)
    if b"BEGIN CERTIFICATE" in data:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise CryptoError("expected an RSA public key")
    return key


def public_key_pem(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> str:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def certificate_serial(certificate_pem: str | bytes) -> str:
    """The certificate's serial number as upper-case hex, the way WeChat Pay writes it."""
    certificate = x509.load_pem_x509_certificate(_to_bytes(certificate_pem))
    return f"{certificate.serial_number:X}"


def normalize_serial(serial: str) -> str:
    """Hex serials compare by value (case and leading zeros ignored); ``PUB_KEY_ID_…`` as is."""
    text = serial.strip().upper()
    if text and all(char in string.hexdigits for char in text):
        return text.lstrip("0") or "0"
    return text


def rsa_sign(private_key: rsa.RSAPrivateKey, message: str | bytes) -> str:
    """Base64 of SHA256-with-RSA (PKCS#1 v1.5) over the UTF-8 message."""
    signature = private_key.sign(_to_bytes(message), PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_verify(public_key: rsa.RSAPublicKey, message: str | bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, _to_bytes(message), PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# --- API v3 request and response messages ----------------------------------------------------


def request_message(method: str, url: str, timestamp: str, nonce: str, body: str | bytes) -> bytes:
    """The five signed lines: METHOD, PATH?QUERY, timestamp, nonce, body (empty for GET)."""
    lines = [method.upper().encode(), url.encode(), timestamp.encode(), nonce.encode()]
    return b"".join(line + b"\n" for line in [*lines, _to_bytes(body)])


def response_message(timestamp: str, nonce: str, body: str | bytes) -> bytes:
    """What WeChat Pay signs on a response or callback: ``timestamp\\nnonce\\nbody\\n``."""
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + _to_bytes(body) + b"\n"


@dataclass(frozen=True)
class Authorization:
    mchid: str
    nonce_str: str
    timestamp: str
    serial_no: str
    signature: str

    def header_value(self) -> str:
        return (
            f'{SIGNATURE_TYPE} mchid="{self.mchid}",nonce_str="{self.nonce_str}",'
            f'timestamp="{self.timestamp}",serial_no="{self.serial_no}",'
            f'signature="{self.signature}"'
        )


def build_authorization(
    *,
    private_key: rsa.RSAPrivateKey,
    mchid: str,
    serial_no: str,
    method: str,
    url: str,
    body: str | bytes,
    timestamp: str,
    nonce: str,
) -> Authorization:
    signature = rsa_sign(private_key, request_message(method, url, timestamp, nonce, body))
    return Authorization(mchid, nonce, timestamp, serial_no, signature)


def parse_authorization(header: str) -> Authorization:
    """Parse ``WECHATPAY2-SHA256-RSA2048 k="v",…`` (any field order); CryptoError if malformed."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SIGNATURE_TYPE:
        raise CryptoError(f"unsupported authorization scheme {scheme!r}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        match = _AUTH_FIELD.fullmatch(part)
        if match is None or match.group(1) in fields:
            raise CryptoError("malformed authorization header")
        fields[match.group(1)] = match.group(2)
    try:
        return Authorization(
            fields["mchid"],
            fields["nonce_str"],
            fields["timestamp"],
            fields["serial_no"],
            fields["signature"],
        )
    except KeyError as missing:
        raise CryptoError(f"authorization header lacks {missing.args[0]}") from None


def verify_authorization(
    public_key: rsa.RSAPublicKey,
    authorization: Authorization,
    *,
    method: str,
    url: str,
    body: str | bytes,
) -> bool:
    message = request_message(method, url, authorization.timestamp, authorization.nonce_str, body)
    return rsa_verify(public_key, message, authorization.signature)


def sign_response(
    private_key: rsa.RSAPrivateKey, *, timestamp: str, nonce: str, body: str | bytes
) -> str:
    return rsa_sign(private_key, response_message(timestamp, nonce, body))


def verify_response(
    public_key: rsa.RSAPublicKey, *, timestamp: str, nonce: str, body: str | bytes, signature: str
) -> bool:
    return rsa_verify(public_key, response_message(timestamp, nonce, body), signature)


def pay_sign_v3(
    private_key: rsa.RSAPrivateKey, *, appid: str, timestamp: str, nonce: str, package: str
) -> str:
    """``paySign`` for wx.requestPayment under API v3: RSA over ``appId\\ntimeStamp\\n…\\n``."""
    return rsa_sign(private_key, f"{appid}\n{timestamp}\n{nonce}\n{package}\n")


# --- AEAD_AES_256_GCM ----------------------------------------------------------------------


def _aes_key(key: str | bytes) -> bytes:
    raw = _to_bytes(key)
    if len(raw) not in (16, 32):
        raise CryptoError("the APIv3 key must be 32 bytes (16 only for test vectors)")
    return raw


def aes_gcm_decrypt(
    key: str | bytes, *, nonce: str, associated_data: str, ciphertext_b64: str
) -> bytes:
    """Decrypt a resource; the base64 ciphertext ends with the 16-byte tag."""
    try:
        ciphertext = base64.b64decode(ciphertext_b64, validate=True)
        return AESGCM(_aes_key(key)).decrypt(
            nonce.encode(), ciphertext, associated_data.encode() or None
        )
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise CryptoError("cannot decrypt the resource") from error


def aes_gcm_encrypt(
    key: str | bytes, *, nonce: str, associated_data: str, plaintext: str | bytes
) -> str:
    sealed = AESGCM(_aes_key(key)).encrypt(
        nonce.encode(), _to_bytes(plaintext), associated_data.encode() or None
    )
    return base64.b64encode(sealed).decode("ascii")


# --- API v2 signatures and XML ---------------------------------------------------------------


def v2_sign_source(params: Mapping[str, object]) -> str:
    """``k=v&…`` over non-empty values except ``sign``, keys in ASCII order."""
    pairs = [
        (key, str(value))
        for key, value in params.items()
        if key != "sign" and value is not None and str(value) != ""
    ]
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def v2_sign(params: Mapping[str, object], api_key: str, sign_type: V2SignType = "MD5") -> str:
    """The upper-case hex MD5 or HMAC-SHA256 of ``source&key=<api key>``."""
    message = f"{v2_sign_source(params)}&key={api_key}".encode()
    if sign_type == "MD5":
        return hashlib.md5(message, usedforsecurity=False).hexdigest().upper()
    if sign_type == "HMAC-SHA256":
        return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest().upper()
    raise CryptoError(f"unsupported sign type {sign_type!r}")


def v2_verify(params: Mapping[str, object], api_key: str, sign_type: V2SignType = "MD5") -> bool:
    given = params.get("sign")
    if not isinstance(given, str) or not given:
        return False
    return constant_time_equal(v2_sign(params, api_key, sign_type), given.upper())


def pay_sign_v2(
    *,
    appid: str,
    timestamp: str,
    nonce: str,
    package: str,
    api_key: str,
    sign_type: V2SignType = "MD5",
) -> str:
    """``paySign`` for wx.requestPayment under API v2 (signType is part of the signed fields)."""
    fields = {
        "appId": appid,
        "nonceStr": nonce,
        "package": package,
        "signType": sign_type,
        "timeStamp": timestamp,
    }
    return v2_sign(fields, api_key, sign_type)


def to_xml(params: Mapping[str, object]) -> str:
    """A flat ``<xml>`` document; text goes in CDATA, plain integers as they are."""
    parts = ["<xml>"]
    for key, value in params.items():
        if value is None:
            continue
        text = str(value)
        if not text.isdigit():
            text = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        parts.append(f"<{key}>{text}</{key}>")
    parts.append("</xml>")
    return "".join(parts)


def from_xml(document: str | bytes) -> dict[str, str]:
    """Parse a flat ``<xml>`` document into strings; refuses DTDs and entities (XXE)."""
    data = _to_bytes(document)
    if b"<!" in data.replace(b"<![CDATA[", b""):
        raise CryptoError("XML with a DTD or entity declarations is not accepted")
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - DTDs and entities refused above
    except ElementTree.ParseError as error:
        raise CryptoError("malformed XML") from error
    if root.tag != "xml":
        raise CryptoError("the root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}


# --- mini-program user data --------------------------------------------------------------


def decrypt_user_data(
    *, session_key: str, encrypted_data: str, iv: str, appid: str
) -> dict[str, Any]:
    """Decrypt ``encryptedData`` (AES-128-CBC, PKCS#7) and check ``watermark.appid``."""
    try:
        key = base64.b64decode(session_key, validate=True)
        vector = base64.b64decode(iv, validate=True)
        ciphertext = base64.b64decode(encrypted_data, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(vector)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        data = json.loads(plaintext)
    except (binascii.Error, ValueError) as error:
        raise CryptoError("cannot decrypt the user data") from error
    if not isinstance(data, dict):
        raise CryptoError("the user data is not an object")
    watermark = data.get("watermark")
    watermark_appid = watermark.get("appid") if isinstance(watermark, dict) else None
    if not isinstance(watermark_appid, str) or not constant_time_equal(watermark_appid, appid):
        raise WatermarkMismatchError("the user data was issued for another appid")
    return data


def raw_data_signature(raw_data: str, session_key: str) -> str:
    """``sha1(rawData + session_key)`` as lower-case hex."""
    return hashlib.sha1((raw_data + session_key).encode(), usedforsecurity=False).hexdigest()


def verify_raw_data(raw_data: str, session_key: str, signature: str) -> bool:
    return constant_time_equal(raw_data_signature(raw_data, session_key), signature.lower())
