from __future__ import annotations

import httpx
import pytest

from tests import factories
from tests.conftest import SANDBOX_BASE
from xiaodian.app import create_app
from xiaodian.config import Settings
from xiaodian.context import AppContext


async def test_first_login_creates_the_shopper_and_later_logins_find_the_same_one(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    first = await client.post(
        "/api/v1/auth/wx-login", json={"code": await factories.login_code(client, context, "o-1")}
    )
    second = await client.post(
        "/api/v1/auth/wx-login", json={"code": await factories.login_code(client, context, "o-1")}
    )
    assert first.status_code == second.status_code == 200
    assert first.json()["user"]["id"] == second.json()["user"]["id"]
    assert first.json()["token"] != second.json()["token"]
    assert first.json()["user"]["nickname"] == "微信用户"


async def test_a_login_code_works_once(client: httpx.AsyncClient, context: AppContext) -> None:
    code = await factories.login_code(client, context, "o-2")
    assert (await client.post("/api/v1/auth/wx-login", json={"code": code})).status_code == 200
    again = await client.post("/api/v1/auth/wx-login", json={"code": code})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_login_code"


@pytest.mark.parametrize(
    ("errcode", "status", "error"),
    [
        (40029, 400, "invalid_login_code"),
        (45011, 429, "login_rate_limited"),
        (40226, 403, "login_blocked"),
        (-1, 503, "wechat_busy"),
        (40001, 502, "wechat_error"),
    ],
)
async def test_wechat_errors_become_clear_answers(
    client: httpx.AsyncClient, context: AppContext, errcode: int, status: int, error: str
) -> None:
    code = await factories.login_code(client, context, "o-3", errcode=errcode)
    response = await client.post("/api/v1/auth/wx-login", json={"code": code})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["message"]


async def test_an_unknown_code_is_refused_when_the_simulator_is_strict(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/wx-login", json={"code": "never-minted"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_login_code"


async def test_unreachable_wechat_answers_503_not_500(settings: Settings, migrated: str) -> None:
    offline = settings.model_copy(update={"wechat_api_base": "http://127.0.0.1:9"})
    app = create_app(offline)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        response = await http.post("/api/v1/auth/wx-login", json={"code": "abc"})
    assert response.status_code == 503
    assert response.json()["error"] == "wechat_busy"


async def test_wrong_app_secret_is_a_wechat_error(settings: Settings, migrated: str) -> None:
    wrong = settings.model_copy(update={"wechat_secret": "not-the-secret"})
    from xiaodian.sandbox.app import create_sandbox_app

    sandbox = create_sandbox_app(settings)
    outbound = httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url=SANDBOX_BASE)
    app = create_app(wrong, http=outbound)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        response = await http.post("/api/v1/auth/wx-login", json={"code": "abc"})
    assert response.status_code == 502
    assert response.json()["error"] == "wechat_error"


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "a b"}, {"code": "x" * 200}, []])
async def test_malformed_login_requests_are_422(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/api/v1/auth/wx-login", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_logout_revokes_the_token(client: httpx.AsyncClient, context: AppContext) -> None:
    headers = await factories.shopper(client, context)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    after = await client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic abc", "bearer  "])
async def test_requests_without_a_live_token_are_401(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.get("/api/v1/cart", headers={"Authorization": header})
    assert response.status_code == 401


async def test_a_merchant_token_is_not_a_shopper_token(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    merchant = await factories.merchant(client, context)
    assert (await client.get("/api/v1/me", headers=merchant)).status_code == 401
    shopper = await factories.shopper(client, context)
    assert (await client.get("/api/admin/v1/orders", headers=shopper)).status_code == 401


async def test_emoji_nicknames_survive_the_database(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    nickname = "小王🍎🥬家"
    response = await client.patch("/api/v1/me", json={"nickname": nickname}, headers=headers)
    assert response.status_code == 200
    assert (await client.get("/api/v1/me", headers=headers)).json()["nickname"] == nickname


@pytest.mark.parametrize("nickname", ['""', '"' + "x" * 65 + '"', '"a\\u0000b"', '"\\ud800"'])
async def test_bad_nicknames_are_refused(
    client: httpx.AsyncClient, context: AppContext, nickname: str
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.patch(
        "/api/v1/me",
        content=f'{{"nickname": {nickname}}}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
