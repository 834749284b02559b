"""Two server processes share one access_token through Redis: the simulator (a process of its
own) counts one stable_token request."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import httpx
import pytest

from tests import factories
from tests.conftest import wipe
from tests.live.conftest import free_port, server_env, start, stop
from xiaodian.config import Settings
from xiaodian.context import AppContext

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("XIAODIAN_TEST_REDIS_URL"),
        reason="needs Redis (XIAODIAN_TEST_REDIS_URL)",
    ),
]


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
