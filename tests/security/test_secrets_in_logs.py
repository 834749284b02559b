"""The attack flows leave no secret in the logs either: with the app's own logging at DEBUG,
sign-ins (right and wrong passwords, shopper codes), API keys and webhook secrets as they are
made and used, a password change and a refused console sign-in; then every captured record is
searched for each secret value."""

from __future__ import annotations

import logging

import httpx

from tests.console.helpers import Console
from tests.core.test_logs import LEAKY_PARAMETER, CapturedLogs, debug_logs
from tests.security.conftest import make_cast
from xiaodian.context import AppContext

__all__ = ["debug_logs"]  # the fixture, used by name below

WRONG_PASSWORD = "Wrong-Pa55word-guess"
NEW_PASSWORD = "brand-new-Pa55word"


async def test_keys_tokens_and_passwords_of_the_attack_flows_never_reach_a_log_record(
    client: httpx.AsyncClient, context: AppContext, debug_logs: CapturedLogs
) -> None:
    logging.getLogger("xiaodian.test").debug("capture is on")
    cast = await make_cast(client, context)
    for _ in range(2):
        refused = await client.post(
            "/api/admin/v1/auth/login", json={"username": "owner", "password": WRONG_PASSWORD}
        )
        assert refused.status_code == 401
    hook = await client.post(
        "/api/admin/v1/webhooks",
        json={"url": "https://hooks.example.com/stock", "events": ["stock.changed"]},
        headers=cast.owner,
    )
    assert hook.status_code == 201, hook.text
    for headers in cast.keys.values():
        await client.get("/api/admin/v1/orders", headers=headers)
    await client.get("/api/admin/v1/orders", headers={"Authorization": "Bearer xdk_guessed0000"})
    changed = await client.post(
        "/api/admin/v1/me/password",
        json={"current_password": "password123", "new_password": NEW_PASSWORD},
        headers=cast.staff,
    )
    assert changed.status_code in (200, 204), changed.text
    console = Console(client)
    assert (await console.login("owner", WRONG_PASSWORD)).status_code == 401
    secrets = [
        WRONG_PASSWORD,
        NEW_PASSWORD,
        "password123",
        hook.json()["secret"],
        cast.owner["Authorization"].removeprefix("Bearer "),
        cast.staff["Authorization"].removeprefix("Bearer "),
        cast.shopper_a.headers["Authorization"].removeprefix("Bearer "),
        cast.shopper_b.headers["Authorization"].removeprefix("Bearer "),
        "xdk_guessed0000",
        *(headers["Authorization"].removeprefix("Bearer ") for headers in cast.keys.values()),
    ]
    written = debug_logs.everything()
    assert "capture is on" in debug_logs.stream.getvalue()
    assert [secret for secret in secrets if secret in written] == []
    assert LEAKY_PARAMETER.search(written) is None
