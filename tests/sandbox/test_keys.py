from __future__ import annotations

import stat
from pathlib import Path

from xiaodian.integrations.wechat import crypto
from xiaodian.sandbox.keys import DemoKeySet, load_or_generate_keys


def test_a_demo_key_set_is_consistent(demo_keys: DemoKeySet) -> None:
    assert (
        crypto.certificate_serial(demo_keys.platform_certificate_pem) == demo_keys.platform_serial
    )
    assert (
        crypto.certificate_serial(demo_keys.merchant_certificate_pem) == demo_keys.merchant_serial
    )
    assert int(demo_keys.platform_serial, 16) > 0
    assert demo_keys.public_key_id.startswith("PUB_KEY_ID_")
    assert len(demo_keys.apiv3_key) == 32 and len(demo_keys.v2_key) == 32
    pairs = [
        (demo_keys.merchant_private_key_pem, demo_keys.merchant_certificate_pem),
        (demo_keys.platform_private_key_pem, demo_keys.platform_certificate_pem),
        (demo_keys.public_key_private_pem, demo_keys.public_key_pem),
        (demo_keys.alipay_app_private_key_pem, demo_keys.alipay_app_public_key_pem),
        (demo_keys.alipay_private_key_pem, demo_keys.alipay_public_key_pem),
    ]
    for private_pem, public_pem in pairs:
        signature = crypto.rsa_sign(crypto.load_private_key(private_pem), "message")
        assert crypto.rsa_verify(crypto.load_public_key(public_pem), "message", signature)
    assert "PRIVATE" not in repr(demo_keys)


def test_keys_are_saved_once_and_loaded_back_with_private_files_closed(tmp_path: Path) -> None:
    first = load_or_generate_keys(tmp_path / "keys")
    second = load_or_generate_keys(tmp_path / "keys")
    assert first == second
    for path in (tmp_path / "keys").iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.name.endswith("_key.pem") or path.suffix == ".json":
            assert mode == 0o600, path.name
    assert DemoKeySet.load(tmp_path / "keys") == first
