"""Real server processes on real ports: `xiaodian serve` (several workers when Redis is there),
the simulator as its own process, and `xiaodian worker`, all on the test database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_APPID, TEST_SECRET
from xiaodian.config import Settings
from xiaodian.sandbox.keys import demo_payment_settings, load_or_generate_keys

pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(settings: Settings, *, sandbox_url: str, base_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update(
        {
            "XIAODIAN_ENV": "production",
            "XIAODIAN_DATABASE_URL": settings.database_url,
            "XIAODIAN_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
            "XIAODIAN_WECHAT_APPID": TEST_APPID,
            "XIAODIAN_WECHAT_SECRET": TEST_SECRET,
            "XIAODIAN_WECHAT_API_BASE": sandbox_url,
            "XIAODIAN_MEDIA_DIR": str(settings.media_dir),
            "XIAODIAN_PUBLIC_BASE_URL": base_url,
            "XIAODIAN_RUN_JOBS_IN_PROCESS": "false",
            "XIAODIAN_LOG_LEVEL": "WARNING",
            # The races here are many orders from one address (and a dozen from one shopper)
            # within seconds, which the abuse limits exist to refuse; they are tested elsewhere.
            "XIAODIAN_MAX_UNPAID_ORDERS_PER_SHOPPER": "100",
            "XIAODIAN_ORDER_RATE_PER_SHOPPER": "off",
            "XIAODIAN_ORDER_RATE_PER_IP": "off",
            "XIAODIAN_WX_LOGIN_RATE_PER_IP": "off",
            "XIAODIAN_COUPON_CLAIM_RATE_PER_SHOPPER": "off",
        }
    )
    if settings.redis_url:
        env["XIAODIAN_REDIS_URL"] = settings.redis_url
    return env


# A deadline, not a wait: a first demo run seeds pictures and may take minutes on a busy machine.
def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, headers={"Connection": "close"}, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


def start(
    args: list[str], env: dict[str, str], ready_url: str, log: Path
) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "xiaodian", *args], env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(ready_url, process)
    except RuntimeError:
        stop(process)
        raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LiveShop:
    base_url: str
    sandbox_url: str
    env: dict[str, str]
    workers: int


def payment_env(keys_dir: Path, *, sandbox_url: str, base_url: str) -> dict[str, str]:
    """XIAODIAN_* variables pointing the shop's payments at the simulator's demo keys."""
    keys = load_or_generate_keys(keys_dir)
    values = demo_payment_settings(
        keys_dir,
        keys,
        sandbox_url=sandbox_url,
        wechat_notify_url=f"{base_url}/api/v1/payments/wechat/notify",
        alipay_notify_url=f"{base_url}/api/v1/payments/alipay/notify",
        wechat_refund_notify_url=f"{base_url}/api/v1/payments/wechat/notify",
    )
    return {
        f"XIAODIAN_{name.upper()}": (
            json.dumps([str(path) for path in value]) if isinstance(value, list) else str(value)
        )
        for name, value in values.items()
    }


@pytest.fixture(scope="module")
def live_shop(settings: Settings, migrated: str, workdir: Path) -> Iterator[LiveShop]:
    """`xiaodian serve` on a port (2 workers with Redis, 1 on SQLite) plus the simulator
    (login and payments) as its own process."""
    sandbox_port, port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url=sandbox_url, base_url=base_url)
    keys_dir = workdir / "live-keys"
    env.update(payment_env(keys_dir, sandbox_url=sandbox_url, base_url=base_url))
    sandbox = start(
        [
            "sandbox",
            "--port",
            str(sandbox_port),
            "--keys-dir",
            str(keys_dir),
            "--time-scale",
            "0.0001",
        ],
        env,
        f"{sandbox_url}/docs",
        workdir / "sandbox.log",
    )
    workers = 2 if settings.redis_url else 1
    server = start(
        ["serve", "--port", str(port), "--workers", str(workers)],
        env,
        f"{base_url}/healthz",
        workdir / "serve.log",
    )
    try:
        yield LiveShop(base_url=base_url, sandbox_url=sandbox_url, env=env, workers=workers)
    finally:
        stop(server)
        stop(sandbox)
