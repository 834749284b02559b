"""The access_token: stable_token, shared through the cache, one refresh at a time, refreshed
before expiry, retried once on 40001/42001."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from fastapi import FastAPI

from tests.wechat.conftest import platform
from xiaodian.context import AppContext
from xiaodian.integrations.wechat import platform as wx
from xiaodian.wechat.client import platform_of


async def test_fifty_callers_at_once_make_one_token_request(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    tokens = await asyncio.gather(*(wx.access_token(platform_of(context)) for _ in range(50)))
    assert len(set(tokens)) == 1
    assert platform(app).calls["stable_token"] == 1
    # later calls are answered from the cache
    assert await wx.access_token(platform_of(context)) == tokens[0]
    assert platform(app).calls["stable_token"] == 1
    # /cgi-bin/token (which would invalidate other servers' tokens) is never used
    assert "token" not in platform(app).calls


async def test_a_token_close_to_expiry_is_refreshed_before_it_runs_out(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    first = await wx.access_token(platform_of(context))
    key = f"wechat:access_token:{context.settings.wechat_appid}"
    soon = {"token": first, "expires_at": time.time() + wx.REFRESH_MARGIN_SECONDS - 10}
    await context.cache.set(key, json.dumps(soon).encode(), ttl_seconds=60)
    # the simulator renews the stable token in its last 5 minutes as well
    platform(app).tokens[first].expires_at = time.time() + 200
    second = await wx.access_token(platform_of(context))
    assert second != first
    assert platform(app).calls["stable_token"] == 2


@pytest.mark.parametrize(("revoke", "errcode"), [(False, 42001), (True, 40001)])
async def test_a_refused_token_is_refreshed_and_the_call_retried_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, revoke: bool, errcode: int
) -> None:
    await wx.access_token(platform_of(context))
    platform(app).expire_current(revoke=revoke)
    verdict = await wx.msg_sec_check(platform_of(context), openid="o1", scene=2, content="好吃")
    assert verdict.suggest == "pass"
    assert platform(app).calls["msg_sec_check"] == 2  # refused once, then answered
    assert platform(app).calls["stable_token"] == 2


async def test_a_token_refused_twice_is_not_retried_forever(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    await wx.access_token(platform_of(context))
    platform(app).faults["msg_sec_check"] = [40001, 40001, 40001]
    with pytest.raises(wx.WeChatApiError) as raised:
        await wx.msg_sec_check(platform_of(context), openid="o1", scene=2, content="好吃")
    assert raised.value.errcode == 40001
    assert platform(app).calls["msg_sec_check"] == 2


async def test_stable_token_errors_surface(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    platform(app).faults["stable_token"] = [40164]
    with pytest.raises(wx.WeChatApiError) as raised:
        await wx.access_token(platform_of(context))
    assert raised.value.errcode == 40164
    wrong = wx.Platform(
        http=context.http,
        cache=context.cache,
        base_url=context.settings.wechat_api_base,
        appid=context.settings.wechat_appid,
        secret="not-the-secret",
    )
    await context.cache.clear()
    with pytest.raises(wx.WeChatApiError) as raised:
        await wx.access_token(wrong)
    assert raised.value.errcode == 40125


async def test_the_simulator_keeps_stable_and_plain_tokens_apart(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    simulator = platform(app)
    stable = simulator.stable_token(
        {"grant_type": "client_credential", "appid": simulator.appid, "secret": simulator.secret}
    )
    again = simulator.stable_token(
        {"grant_type": "client_credential", "appid": simulator.appid, "secret": simulator.secret}
    )
    assert stable["access_token"] == again["access_token"]
    one = simulator.plain_token(
        appid=simulator.appid, secret=simulator.secret, grant_type="client_credential"
    )
    two = simulator.plain_token(
        appid=simulator.appid, secret=simulator.secret, grant_type="client_credential"
    )
    assert one["access_token"] != two["access_token"]
    # /token invalidates the previous plain token after a 5-minute overlap, not stable ones
    assert simulator.tokens[one["access_token"]].expires_at <= time.time() + 300
    assert simulator.check_token(stable["access_token"]) is None
    forced = simulator.stable_token(
        {
            "grant_type": "client_credential",
            "appid": simulator.appid,
            "secret": simulator.secret,
            "force_refresh": True,
        }
    )
    assert forced["access_token"] != stable["access_token"]
    assert simulator.check_token(stable["access_token"]) == {
        "errcode": 40001,
        "errmsg": "invalid credential, access_token is invalid",
    }
    # force_refresh at most every 30 s
    too_soon = simulator.stable_token(
        {
            "grant_type": "client_credential",
            "appid": simulator.appid,
            "secret": simulator.secret,
            "force_refresh": True,
        }
    )
    assert too_soon["errcode"] == 45011


async def test_json_errors_sent_as_text_plain_are_read_as_errors(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    platform(app).errors_as_text = True
    platform(app).faults["getwxacodeunlimit"] = [41030]
    with pytest.raises(wx.WeChatApiError) as raised:
        await wx.get_unlimited_code(platform_of(context), scene="g=1", page="p/x")
    assert raised.value.errcode == 41030
    # a token refused as text/plain is refreshed and retried too
    await wx.access_token(platform_of(context))
    platform(app).expire_current(revoke=True)
    image = await wx.get_unlimited_code(platform_of(context), scene="g=1", page="p/x")
    assert image.startswith(b"\x89PNG")
