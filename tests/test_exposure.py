"""What the shop shows strangers: /metrics only to allowed networks or the bearer token, API
docs opt-in in production, security headers on every answer (the console's CSP above all)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xiaodian.app import create_app
from xiaodian.config import Settings

METRICS_TOKEN = "metrics-token-0123456789abcdef"
Build = Callable[..., FastAPI]


@pytest.fixture
async def shop_with(settings: Settings) -> AsyncIterator[Build]:
    """The shop with some settings changed (no lifespan: these routes need no start-up)."""
    apps: list[FastAPI] = []

    def build(**changes: Any) -> FastAPI:
        app = create_app(settings.model_copy(update={"redis_url": None, **changes}))
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.state.context.close()


def _from(app: FastAPI, client: str, *, base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def test_metrics_answer_only_allowed_networks_or_the_bearer_token(
    shop_with: Build,
) -> None:
    app = shop_with(metrics_token=METRICS_TOKEN)
    async with _from(app, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 200
    async with _from(app, "::ffff:127.0.0.1") as mapped:
        assert (await mapped.get("/metrics")).status_code == 200
    async with _from(app, "203.0.113.7") as stranger:
        refused = await stranger.get("/metrics")
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
        wrong = await stranger.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 403
        scraped = await stranger.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert scraped.status_code == 200
        assert "python_info" in scraped.text
    opened = shop_with(metrics_allowed_networks="10.0.0.0/8,203.0.113.0/24")
    async with _from(opened, "203.0.113.7") as scraper:
        assert (await scraper.get("/metrics")).status_code == 200
    async with _from(opened, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 403


def test_network_settings_refuse_what_is_not_an_address() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(trusted_proxies="10.0.0.1,lb.internal")
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(metrics_allowed_networks="10.0.0.0/33")
    assert Settings(trusted_proxies=" 10.0.0.1 , 10.1.0.0/16 ").trusted_proxies == (
        "10.0.0.1,10.1.0.0/16"
    )


async def test_api_docs_are_off_in_production_unless_switched_on(shop_with: Build) -> None:
    async with _from(shop_with(env="production"), "127.0.0.1") as production:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await production.get(path)).status_code == 404, path
        assert "/docs" not in (await production.get("/")).text
    async with _from(shop_with(env="production", api_docs=True), "127.0.0.1") as opted_in:
        assert (await opted_in.get("/docs")).status_code == 200
        assert "/api/admin/v1/goods" in (await opted_in.get("/openapi.json")).json()["paths"]
    for env in ("demo", "test"):
        async with _from(shop_with(env=env), "127.0.0.1") as local:
            assert (await local.get("/openapi.json")).status_code == 200, env


async def test_the_console_sends_its_csp_and_the_api_nosniff_and_hsts_only_over_tls(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    page = await client.get("/console/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in page.headers

    api = await client.get("/api/v1/ping")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers
    assert "strict-transport-security" not in api.headers

    async with _from(app, "127.0.0.1", base_url="https://shop.example.com") as tls:
        secure_page = await tls.get("/console/login")
        assert secure_page.headers["strict-transport-security"] == "max-age=31536000"
        assert "secure" in secure_page.headers["set-cookie"].lower()
        secure_api = await tls.get("/api/v1/ping")
        assert secure_api.headers["strict-transport-security"] == "max-age=31536000"
