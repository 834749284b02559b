"""Known-answer tests: every vector in `vectors/wechat.json` (a copy of the shared vectors, see
`vectors/ORIGIN.md`): a missing file fails the tests, never skips them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_errors import InvalidNotification
from xiaodian.integrations.wechat.pay_v3_notify import PlatformVerifier, parse_notification

VECTORS = Path(__file__).resolve().parent / "vectors" / "wechat.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    assert VECTORS.is_file(), f"the known-answer vectors are missing: {VECTORS}"
    loaded: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return loaded


def test_the_vectors_are_in_the_repository() -> None:
    """Not a skip: the file is part of the tests."""
    assert VECTORS.is_file(), f"the known-answer vectors are missing: {VECTORS}"
    assert VECTORS.is_relative_to(Path(__file__).resolve().parents[1])


def test_rsa_sha256_of_source_matches_the_wechatpay_go_signature(vectors: dict[str, Any]) -> None:
    key = crypto.load_private_key(vectors["v3_rsa"]["test_private_key_pem"])
    expected = vectors["v3_rsa"]["sign_source"]
    assert crypto.rsa_sign(key, expected["message"]) == expected["signature"]
    assert crypto.rsa_verify(key.public_key(), expected["message"], expected["signature"])


@pytest.mark.parametrize(
    "name", ["auth_get_certificates", "auth_post_jsapi", "auth_get_query", "paysign_v3"]
)
def test_every_authorization_and_pay_sign_message_signs_to_the_vector(
    vectors: dict[str, Any], name: str
) -> None:
    key = crypto.load_private_key(vectors["v3_rsa"]["test_private_key_pem"])
    case = vectors["v3_rsa"]["authorization_messages"][name]
    assert crypto.rsa_sign(key, case["message"]) == case["signature"]


def test_our_message_builders_reproduce_the_vector_messages(vectors: dict[str, Any]) -> None:
    key = crypto.load_private_key(vectors["v3_rsa"]["test_private_key_pem"])
    cases = vectors["v3_rsa"]["authorization_messages"]
    timestamp, nonce = "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242"
    jsapi_body = cases["auth_post_jsapi"]["message"].split("\n")[4]
    built = {
        "auth_get_certificates": ("GET", "/v3/certificates", ""),
        "auth_post_jsapi": ("POST", "/v3/pay/transactions/jsapi", jsapi_body),
        "auth_get_query": (
            "GET",
            "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109",
            "",
        ),
    }
    for name, (method, url, body) in built.items():
        message = crypto.request_message(method, url, timestamp, nonce, body)
        assert message.decode() == cases[name]["message"]
        authorization = crypto.build_authorization(
            private_key=key,
            mchid="1230000109",
            serial_no="ABC",
            method=method,
            url=url,
            body=body,
            timestamp=timestamp,
            nonce=nonce,
        )
        assert authorization.signature == cases[name]["signature"]
        parsed = crypto.parse_authorization(authorization.header_value())
        assert parsed == authorization
        assert crypto.verify_authorization(
            key.public_key(), parsed, method=method, url=url, body=body
        )
    pay_sign = crypto.pay_sign_v3(
        key,
        appid="wx8888888888888888",
        timestamp="1414561699",
        nonce="5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        package="prepay_id=wx201410272009395522657a690389285100",
    )
    assert pay_sign == cases["paysign_v3"]["signature"]


def _notify_now(vectors: dict[str, Any], offset: int = 0) -> datetime:
    stamp = int(vectors["v3_notify"]["headers"]["Wechatpay-Timestamp"])
    return datetime.fromtimestamp(stamp + offset, UTC)


def _verifier(vectors: dict[str, Any]) -> PlatformVerifier:
    notify = vectors["v3_notify"]
    return PlatformVerifier({notify["platform_serial"]: notify["platform_cert_pem"]})


def test_the_full_v3_notification_verifies_and_decrypts_with_its_16_byte_key(
    vectors: dict[str, Any],
) -> None:
    notify = vectors["v3_notify"]
    assert crypto.certificate_serial(notify["platform_cert_pem"]) == notify["platform_serial"]
    parsed = parse_notification(
        notify["headers"],
        notify["body"].encode(),
        verifier=_verifier(vectors),
        apiv3_key=notify["apiv3_key"],
        now=_notify_now(vectors),
    )
    assert parsed.id == "3119dfba-e649-5eec-ab1e-3412bc4d2e17"
    assert parsed.event_type == "PAYSCORE.USER_OPEN_SERVICE"
    assert parsed.original_type == "payscore"
    assert parsed.resource == json.loads(notify["plaintext"])


def test_the_vector_notification_is_refused_six_minutes_later(vectors: dict[str, Any]) -> None:
    notify = vectors["v3_notify"]
    with pytest.raises(InvalidNotification, match="window"):
        parse_notification(
            notify["headers"],
            notify["body"],
            verifier=_verifier(vectors),
            apiv3_key=notify["apiv3_key"],
            now=_notify_now(vectors, 360),
        )


def test_the_vector_notification_is_refused_with_one_byte_changed(
    vectors: dict[str, Any],
) -> None:
    notify = vectors["v3_notify"]
    body = notify["body"].replace("签约成功", "签约失败")
    with pytest.raises(InvalidNotification, match="bad signature"):
        parse_notification(
            notify["headers"],
            body,
            verifier=_verifier(vectors),
            apiv3_key=notify["apiv3_key"],
            now=_notify_now(vectors),
        )


def test_the_vector_notification_is_refused_under_an_unknown_serial(
    vectors: dict[str, Any],
) -> None:
    notify = vectors["v3_notify"]
    with pytest.raises(InvalidNotification, match="unknown serial"):
        parse_notification(
            notify["headers"],
            notify["body"],
            verifier=PlatformVerifier(),
            apiv3_key=notify["apiv3_key"],
            now=_notify_now(vectors),
        )


@pytest.mark.parametrize("index", [0, 1])
def test_aes_gcm_vectors_decrypt_and_encrypt_back(vectors: dict[str, Any], index: int) -> None:
    case = vectors["v3_aes_gcm"][index]
    plaintext = crypto.aes_gcm_decrypt(
        case["key"],
        nonce=case["nonce"],
        associated_data=case["associated_data"],
        ciphertext_b64=case["ciphertext_b64"],
    )
    assert plaintext.decode() == case["plaintext"]
    sealed = crypto.aes_gcm_encrypt(
        case["key"],
        nonce=case["nonce"],
        associated_data=case["associated_data"],
        plaintext=case["plaintext"],
    )
    assert sealed == case["ciphertext_b64"]


def test_aes_gcm_refuses_other_associated_data(vectors: dict[str, Any]) -> None:
    case = vectors["v3_aes_gcm"][0]
    with pytest.raises(crypto.CryptoError):
        crypto.aes_gcm_decrypt(
            case["key"],
            nonce=case["nonce"],
            associated_data="other",
            ciphertext_b64=case["ciphertext_b64"],
        )


def test_v2_md5_and_hmac_sha256_signatures_match_the_official_example(
    vectors: dict[str, Any],
) -> None:
    case = vectors["v2_sign"]
    assert crypto.v2_sign(case["params"], case["api_key"], "MD5") == case["md5"]
    assert crypto.v2_sign(case["params"], case["api_key"], "HMAC-SHA256") == case["hmac_sha256"]
    signed = {**case["params"], "sign": case["md5"], "empty": ""}
    assert crypto.v2_verify(signed, case["api_key"], "MD5")
    assert not crypto.v2_verify({**signed, "body": "tset"}, case["api_key"], "MD5")


def test_v2_pay_sign_matches_the_official_example(vectors: dict[str, Any]) -> None:
    case = vectors["v2_pay_sign"]
    params = case["params"]
    assert crypto.v2_sign(params, case["api_key"], "MD5") == case["md5"]
    assert (
        crypto.pay_sign_v2(
            appid=params["appId"],
            timestamp=params["timeStamp"],
            nonce=params["nonceStr"],
            package=params["package"],
            api_key=case["api_key"],
            sign_type="MD5",
        )
        == case["md5"]
    )


def test_miniprogram_encrypted_data_decrypts_and_its_watermark_matches(
    vectors: dict[str, Any],
) -> None:
    case = vectors["miniprogram_login"]
    data = crypto.decrypt_user_data(
        session_key=case["session_key"],
        encrypted_data=case["encrypted_data"],
        iv=case["iv"],
        appid=case["appid"],
    )
    assert data["openId"] == case["expected_openid"]
    assert data["watermark"]["timestamp"] == case["expected_watermark_timestamp"]


def test_miniprogram_encrypted_data_for_another_appid_is_refused(
    vectors: dict[str, Any],
) -> None:
    case = vectors["miniprogram_login"]
    with pytest.raises(crypto.WatermarkMismatchError):
        crypto.decrypt_user_data(
            session_key=case["session_key"],
            encrypted_data=case["encrypted_data"],
            iv=case["iv"],
            appid="wx0000000000000000",
        )


def test_raw_data_sha1_signature_matches(vectors: dict[str, Any]) -> None:
    case = vectors["miniprogram_login"]
    signature = crypto.raw_data_signature(case["raw_data"], case["raw_data_session_key"])
    assert signature == case["raw_data_sha1"]
    assert crypto.verify_raw_data(case["raw_data"], case["raw_data_session_key"], signature)
    assert not crypto.verify_raw_data(
        case["raw_data"] + " ", case["raw_data_session_key"], signature
    )
