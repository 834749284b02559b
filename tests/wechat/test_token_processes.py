"""Two server processes share one access_token through Redis: the simulator (a process of its
own) counts one stable_token request."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import factories
from tests.conftest import wipe
from tests.live.conftest import free_port, server_env, start, stop
from xiaodian.config import Settings
from xiaodian.context import AppContext

pytestmark = pytest.mark.skipif(
    not os.environ.get("XIAODIAN_TEST_REDIS_URL"), reason="needs Redis (XIAODIAN_TEST_REDIS_URL)"
)

CALLER = """
import asyncio, json, sys, time
import httpx, redis.asyncio as redis_asyncio
from xiaodian.core.cache import RedisCache
from xiaodian.integrations.wechat.platform import Platform, access_token

async def main() -> None:
    base, appid, secret, redis_url, start_at = sys.argv[1:6]
    client = redis_asyncio.Redis.from_url(redis_url)
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
        platform = Platform(
            http=http, cache=RedisCache(client), base_url=base, appid=appid, secret=secret
        )
        while time.time() < float(start_at):  # both processes start calling at one moment
            await asyncio.sleep(0.005)
        tokens = await asyncio.gather(*(access_token(platform) for _ in range(20)))
    await client.aclose()
    print(json.dumps(sorted(set(tokens))))

asyncio.run(main())
"""


def test_two_processes_share_one_access_token(tmp_path: Path) -> None:
    redis_url = os.environ["XIAODIAN_TEST_REDIS_URL"]
    appid = f"wxproc{secrets.token_hex(6)}"
    secret = "process-test-secret"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update({"XIAODIAN_WECHAT_APPID": appid, "XIAODIAN_WECHAT_SECRET": secret})
    base = f"http://127.0.0.1:{port}"
    sandbox = start(
        ["sandbox", "--port", str(port)], env, f"{base}/wechat/platform/stats", tmp_path / "sb.log"
    )
    try:
        start_at = str(time.time() + 1.5)
        callers = [
            subprocess.Popen(
                [sys.executable, "-c", CALLER, base, appid, secret, redis_url, start_at],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [caller.communicate(timeout=60) for caller in callers]
        for caller, (_, err) in zip(callers, outputs, strict=True):
            assert caller.returncode == 0, err.decode()
        tokens = [json.loads(out) for out, _ in outputs]
        assert tokens[0] == tokens[1] and len(tokens[0]) == 1
        stats = httpx.get(f"{base}/wechat/platform/stats", timeout=5).json()
        assert stats["calls"] == {"stable_token": 1}
    finally:
        stop(sandbox)


async def test_two_server_processes_share_one_access_token(
    settings: Settings, migrated: str, context: AppContext, workdir: Path, tmp_path: Path
) -> None:
    """Two `xiaodian serve` processes on one database and one Redis, the simulator as a third:
    each server makes a share code (a call that needs the access_token), the simulator counts
    one stable_token request."""
    await wipe(context)
    appid = f"wxserve{secrets.token_hex(5)}"
    sandbox_port, ports = free_port(), [free_port(), free_port()]
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = server_env(settings, sandbox_url=sandbox_url, base_url=f"http://127.0.0.1:{ports[0]}")
    env["XIAODIAN_WECHAT_APPID"] = appid
    sandbox = start(
        ["sandbox", "--port", str(sandbox_port)], env, f"{sandbox_url}/docs", tmp_path / "sb.log"
    )
    servers = []
    try:
        for index, port in enumerate(ports):
            servers.append(
                start(
                    ["serve", "--port", str(port), "--workers", "1"],
                    env,
                    f"http://127.0.0.1:{port}/healthz",
                    tmp_path / f"serve-{index}.log",
                )
            )
        goods = [await factories.make_goods(context, title=f"分享{i}") for i in range(2)]
        async with httpx.AsyncClient(timeout=20, trust_env=False) as http:
            headers = []
            for index, port in enumerate(ports):
                code = (
                    await http.post(f"{sandbox_url}/wechat/codes", json={"openid": f"sv{index}"})
                ).json()["code"]
                login = await http.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/wx-login", json={"code": code}
                )
                assert login.status_code == 200, login.text
                headers.append({"Authorization": f"Bearer {login.json()['token']}"})
            answers = await asyncio.gather(
                *(
                    http.get(
                        f"http://127.0.0.1:{port}/api/v1/share-codes/goods/{item['id']}",
                        headers=headers[index],
                    )
                    for index, (port, item) in enumerate(zip(ports, goods, strict=True))
                )
            )
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
            stats = (await http.get(f"{sandbox_url}/wechat/platform/stats")).json()
        assert stats["calls"]["stable_token"] == 1
        assert stats["calls"]["getwxacodeunlimit"] == 2
        assert "token" not in stats["calls"]
    finally:
        for server in servers:
            stop(server)
        stop(sandbox)
