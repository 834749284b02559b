from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests import factories
from xiaodian.context import AppContext


async def test_wrong_passwords_lock_the_account_for_a_while(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.merchant(client, context, username="boss")
    for _ in range(5):
        wrong = await client.post(
            "/api/admin/v1/auth/login", json={"username": "boss", "password": "guess-guess"}
        )
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_credentials")
    locked = await client.post(
        "/api/admin/v1/auth/login", json={"username": "boss", "password": "password123"}
    )
    assert (locked.status_code, locked.json()["error"]) == (429, "account_locked")


async def test_unknown_users_get_the_same_answer_as_wrong_passwords(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.merchant(client, context, username="somebody")
    for left in (4, 3):
        answers = [
            (
                await client.post(
                    "/api/admin/v1/auth/login", json={"username": name, "password": "wrong-one"}
                )
            ).json()
            for name in ("nobody", "somebody")
        ]
        expected = {
            "error": "invalid_credentials",
            "message": "用户名或密码错误",
            "details": {"tries_left": left},
        }
        assert answers == [expected, expected]  # the countdown does not tell who exists


async def test_owner_manages_staff_and_staff_cannot_manage_accounts_or_settings(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    created = await client.post(
        "/api/admin/v1/admins",
        headers=owner,
        json={"username": "clerk", "password": "clerk-pass-1", "role": "staff"},
    )
    assert created.status_code == 201
    duplicate = await client.post(
        "/api/admin/v1/admins",
        headers=owner,
        json={"username": "clerk", "password": "clerk-pass-1"},
    )
    assert (duplicate.status_code, duplicate.json()["error"]) == (409, "username_taken")
    login = await client.post(
        "/api/admin/v1/auth/login", json={"username": "clerk", "password": "clerk-pass-1"}
    )
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    assert (await client.get("/api/admin/v1/orders", headers=staff)).status_code == 200
    assert (await client.get("/api/admin/v1/admins", headers=staff)).status_code == 403
    assert (
        await client.patch("/api/admin/v1/shop", json={"name": "x"}, headers=staff)
    ).status_code == 403
    assert (await client.get("/api/admin/v1/shop", headers=staff)).status_code == 200


async def test_disabling_an_account_logs_it_out(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    clerk = (
        await client.post(
            "/api/admin/v1/admins",
            headers=owner,
            json={"username": "clerk", "password": "clerk-pass-1"},
        )
    ).json()
    login = await client.post(
        "/api/admin/v1/auth/login", json={"username": "clerk", "password": "clerk-pass-1"}
    )
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    await client.patch(
        f"/api/admin/v1/admins/{clerk['id']}", json={"is_active": False}, headers=owner
    )
    assert (await client.get("/api/admin/v1/me", headers=staff)).status_code == 401


async def test_the_last_owner_cannot_be_demoted(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    me = (await client.get("/api/admin/v1/me", headers=owner)).json()
    response = await client.patch(
        f"/api/admin/v1/admins/{me['id']}", json={"role": "staff"}, headers=owner
    )
    assert (response.status_code, response.json()["error"]) == (409, "last_owner")


async def test_changing_the_password_ends_old_sessions(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    wrong = await client.post(
        "/api/admin/v1/me/password",
        headers=owner,
        json={"current_password": "not-it", "new_password": "new-password-1"},
    )
    assert wrong.status_code == 401
    changed = await client.post(
        "/api/admin/v1/me/password",
        headers=owner,
        json={"current_password": "password123", "new_password": "new-password-1"},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/admin/v1/me", headers=owner)).status_code == 401
    again = await client.post(
        "/api/admin/v1/auth/login", json={"username": "owner", "password": "new-password-1"}
    )
    assert again.status_code == 200


async def test_shop_settings_change_freight_for_the_next_checkout(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    goods = await factories.make_goods(context, prices=[1000])
    headers = await factories.shopper(client, context)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}]}
    # Checkout reads the freight from the near cache (the first preview makes the settings
    # row, the second caches it): saving the settings forgets it.
    for _ in range(2):
        before = await client.post("/api/v1/orders/preview", json=body, headers=headers)
        assert before.json()["freight_fen"] == context.settings.freight_fen
    response = await client.patch(
        "/api/admin/v1/shop",
        headers=owner,
        json={
            "name": "王阿姨水果店",
            "freight_fen": 500,
            "free_freight_threshold_fen": 2000,
            "unpaid_timeout_minutes": 15,
        },
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/home")).json()["shop"]["name"] == "王阿姨水果店"
    preview = (await client.post("/api/v1/orders/preview", json=body, headers=headers)).json()
    assert (preview["freight_fen"], preview["total_fen"]) == (500, 1500)
    body["items"][0]["quantity"] = 2
    free = (await client.post("/api/v1/orders/preview", json=body, headers=headers)).json()
    assert free["freight_fen"] == 0
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    created, expires = (datetime.fromisoformat(order[key]) for key in ("created_at", "expires_at"))
    waits = expires - created
    assert timedelta(minutes=14) < waits <= timedelta(minutes=15)
    bad = await client.patch(
        "/api/admin/v1/shop", headers=owner, json={"unpaid_timeout_minutes": 0}
    )
    assert bad.status_code == 422
