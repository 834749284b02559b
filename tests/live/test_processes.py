"""Whole processes as people run them: the demo from an empty folder, and two servers sharing
one database and one Redis."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests import factories
from tests.live.conftest import LiveShop, free_port, start, stop
from tests.live.shop import buyers
from tests.waiting import until
from xiaodian.config import Settings
from xiaodian.context import AppContext


@pytest.mark.skipif(
    bool(os.environ.get("XIAODIAN_TEST_DATABASE_URL")),
    reason="the demo always runs on SQLite; checked once, in the SQLite run",
)
def test_the_demo_runs_from_an_empty_folder_and_seeds_once(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    args = ["demo", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    for run in range(2):
        demo = start(args, env, f"{base}/healthz", tmp_path / f"demo{run}.log")
        try:
            goods = httpx.get(f"{base}/api/v1/goods", params={"page_size": 50}).json()
            assert goods["total"] == 40
            assert httpx.get(f"{base}/docs").status_code == 200
            login = httpx.post(f"{base}/api/v1/auth/wx-login", json={"code": "from-devtools"})
            assert login.status_code == 200, login.text
            me = httpx.get(
                f"{base}/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
            )
            assert me.json()["nickname"] == "演示买家"
            admin = httpx.post(
                f"{base}/api/admin/v1/auth/login", json={"username": "demo", "password": "demo1234"}
            )
            assert admin.status_code == 200
            picture = httpx.get(goods["items"][0]["cover_url"])
            assert (picture.status_code, picture.headers["content-type"]) == (200, "image/webp")
        finally:
            stop(demo)
    assert "demo data seeded" in (tmp_path / "demo0.log").read_text()
    assert "demo data seeded" not in (tmp_path / "demo1.log").read_text()


async def test_a_change_made_through_one_server_shows_on_another_at_once(
    live_shop: LiveShop,
    client: httpx.AsyncClient,
    context: AppContext,
    settings: Settings,
    workdir: Path,
) -> None:
    if not settings.redis_url:
        pytest.skip("several servers need Redis to share cache invalidation")
    admin = await factories.merchant(client, context)
    port = free_port()
    other_url = f"http://127.0.0.1:{port}"
    env = {**live_shop.env, "XIAODIAN_PUBLIC_BASE_URL": other_url}
    other = start(
        ["serve", "--port", str(port)], env, f"{other_url}/healthz", workdir / "serve-b.log"
    )
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            category = await http.post(
                f"{live_shop.base_url}/api/admin/v1/categories",
                headers=admin,
                json={"name": "跨进程"},
            )
            goods = (
                await http.post(
                    f"{live_shop.base_url}/api/admin/v1/goods",
                    headers=admin,
                    json={
                        "category_id": category.json()["id"],
                        "title": "蜜桃",
                        "is_on_shelf": True,
                        "skus": [{"price_fen": 1500, "stock": 9}],
                    },
                )
            ).json()
            detail_url = f"{other_url}/api/v1/goods/{goods['id']}"
            list_url = f"{other_url}/api/v1/goods?category_id={category.json()['id']}"
            assert (await http.get(detail_url)).json()["price_fen"] == 1500
            assert (await http.get(list_url)).json()["items"][0]["price_fen"] == 1500
            await http.patch(
                f"{live_shop.base_url}/api/admin/v1/skus/{goods['skus'][0]['id']}",
                headers=admin,
                json={"price_fen": 1200},
            )

            async def seen_there() -> bool:
                detail = (await http.get(detail_url)).json()
                listed = (await http.get(list_url)).json()["items"][0]
                return bool(detail["price_fen"] == 1200 and listed["price_fen"] == 1200)

            await until(seen_there, "the new price on the other server", seconds=2)
            # A sale through this server shows on the other's cached detail and list too.
            (buyer,) = await buyers(http, live_shop, 1)
            placed = await http.post(
                f"{live_shop.base_url}/api/v1/orders",
                headers={"Authorization": buyer["Authorization"]},
                json={
                    "items": [{"sku_id": goods["skus"][0]["id"], "quantity": 2}],
                    "address_id": int(buyer["X-Address"]),
                },
            )
            assert placed.status_code == 201, placed.text

            async def stock_there() -> bool:
                detail = (await http.get(detail_url)).json()
                listed = (await http.get(list_url)).json()["items"][0]
                return bool(detail["stock_left"] == 7 and listed["stock_left"] == 7)

            await until(stock_there, "the sale's stock on the other server", seconds=2)
    finally:
        stop(other)
