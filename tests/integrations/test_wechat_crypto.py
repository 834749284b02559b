from __future__ import annotations

import pytest

from xiaodian.integrations.wechat import crypto
from xiaodian.sandbox.keys import DemoKeySet


def test_xml_round_trips_text_numbers_and_cdata_terminators() -> None:
    fields = {"appid": "wx1", "total_fee": "100", "body": "小店 <b>&]]>x", "attach": ""}
    assert crypto.from_xml(crypto.to_xml(fields)) == fields


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><a>&e;</a></xml>",
        b"<!DOCTYPE xml><xml><a>1</a></xml>",
        b"<root><a>1</a></root>",
        b"<xml><a>1</a>",
    ],
)
def test_xml_with_a_dtd_another_root_or_broken_markup_is_refused(document: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.from_xml(document)


def test_v2_sign_ignores_empty_values_and_the_sign_field() -> None:
    base = {"b": "2", "a": "1"}
    noisy = {**base, "c": "", "sign": "whatever", "d": None}
    assert crypto.v2_sign(base, "k") == crypto.v2_sign(noisy, "k")
    assert crypto.v2_sign_source(noisy) == "a=1&b=2"


@pytest.mark.parametrize(
    "header",
    [
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="S"',
        'OTHER mchid="1",nonce_str="n",timestamp="1",serial_no="S",signature="x"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",timestamp="1",'
        'serial_no="S",signature="x"',
        "WECHATPAY2-SHA256-RSA2048 garbage",
    ],
)
def test_malformed_authorization_headers_are_refused(header: str) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.parse_authorization(header)


def test_authorization_fields_may_come_in_any_order() -> None:
    header = (
        'WECHATPAY2-SHA256-RSA2048 signature="c2ln",serial_no="AB12",timestamp="17",'
        'nonce_str="N1",mchid="1900"'
    )
    parsed = crypto.parse_authorization(header)
    assert (parsed.mchid, parsed.serial_no, parsed.signature) == ("1900", "AB12", "c2ln")


def test_rsa_verify_says_no_to_garbage_instead_of_raising(demo_keys: DemoKeySet) -> None:
    key = crypto.load_private_key(demo_keys.merchant_private_key_pem)
    assert not crypto.rsa_verify(key.public_key(), "m", "not base64!!")
    assert not crypto.rsa_verify(key.public_key(), "m", "AAAA")


def test_only_16_and_32_byte_aes_keys_are_accepted() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.aes_gcm_encrypt("short", nonce="n" * 12, associated_data="", plaintext="x")
