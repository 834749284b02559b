"""Issue 19, item 3 over real processes: `xiaodian serve` (running its own sweeps) and the
standalone simulator (`xiaodian sandbox`). A buyer pays seconds before the unpaid deadline,
the notification is lost, the sweep closes the order, and WeChat's query endpoint fails when
the shop asks after the close: the shop must ask again and refund the money."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import factories
from tests.live.conftest import LiveShop, free_port, payment_env, server_env, start, stop
from tests.live.shop import buyers, goods_with_stock
from tests.waiting import until
from xiaodian.config import Settings
from xiaodian.context import AppContext

# Minutes are the settings' smallest unit: the order closes a minute after it is placed, and
# a closed payment is asked about a minute after that.
FAST_SWEEPS = {
    "XIAODIAN_UNPAID_TIMEOUT_MINUTES": "1",
    "XIAODIAN_PAYMENT_RECONCILE_AFTER_MINUTES": "1",
    "XIAODIAN_RUN_JOBS_IN_PROCESS": "true",
    "XIAODIAN_JOB_INTERVAL_SECONDS": "1",
    "XIAODIAN_PAYMENT_CHECK_RETRY_SECONDS": "2",
}


@pytest.fixture(scope="module")
def sweeping_shop(settings: Settings, migrated: str, workdir: Path) -> Iterator[LiveShop]:
    """One `xiaodian serve` that runs the sweeps every second, and the simulator on its own."""
    sandbox_port, port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url=sandbox_url, base_url=base_url)
    keys_dir = workdir / "recheck-keys"
    env.update(payment_env(keys_dir, sandbox_url=sandbox_url, base_url=base_url))
    env.update(FAST_SWEEPS)
    sandbox = start(
        ["sandbox", "--port", str(sandbox_port), "--keys-dir", str(keys_dir)],
        env,
        f"{sandbox_url}/docs",
        workdir / "recheck-sandbox.log",
    )
    server = start(
        ["serve", "--port", str(port), "--workers", "1"],
        env,
        f"{base_url}/healthz",
        workdir / "recheck-serve.log",
    )
    try:
        yield LiveShop(base_url=base_url, sandbox_url=sandbox_url, env=env, workers=1)
    finally:
        stop(server)
        stop(sandbox)


async def _until(moment: datetime) -> None:
    """The server processes run on the real clock: the buyer acts at a real moment."""
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def test_a_payment_whose_post_close_query_failed_is_refunded_over_real_processes(
    sweeping_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    shop, sandbox = sweeping_shop.base_url, sweeping_shop.sandbox_url
    async with httpx.AsyncClient(timeout=30) as http:
        sku_id = await goods_with_stock(http, sweeping_shop, admin, stock=5)
        (buyer,) = await buyers(http, sweeping_shop, 1)
        auth = {"Authorization": buyer["Authorization"]}
        address_id = int(buyer["X-Address"])
        placed = (
            await http.post(
                f"{shop}/api/v1/orders",
                headers=auth,
                json={"items": [{"sku_id": sku_id, "quantity": 1}], "address_id": address_id},
            )
        ).json()
        order_url = f"{shop}/api/v1/orders/{placed['id']}"
        deadline = datetime.fromisoformat(placed["expires_at"])
        # The buyer opens the pay sheet a few seconds later (so the order, not the payment,
        # is the first due), and pays 5 seconds before the deadline; the notification is lost.
        await _until(datetime.fromisoformat(placed["created_at"]) + timedelta(seconds=5))
        pay = await http.post(f"{order_url}/pay", headers=auth, json={"channel": "wechat"})
        assert pay.status_code == 200, pay.text
        prepay_id = pay.json()["package"].removeprefix("prepay_id=")
        await _until(deadline - timedelta(seconds=5))
        confirmed = await http.post(
            f"{sandbox}/wechat/pay/{prepay_id}/confirm", json={"skip_notify": True}
        )
        assert confirmed.json()["notified"] is False, confirmed.text

        async def closed() -> bool:
            return bool((await http.get(order_url, headers=auth)).json()["status"] == "closed")

        await until(closed, "the shop's own sweep to close the order", seconds=30, every=0.25)
        faults = await http.post(
            f"{sandbox}/wechat/pay/faults", json={"endpoint": "v3.query", "kind": "500", "count": 3}
        )
        assert faults.status_code == 200, faults.text

        async def refunded() -> list[dict[str, Any]]:
            listed = await http.get(f"{shop}/api/admin/v1/refunds", headers=admin)
            return [r for r in listed.json()["items"] if r["status"] == "succeeded"]

        [refund] = await until(refunded, "an automatic refund", seconds=90, every=0.25)
        assert (refund["kind"], refund["amount_fen"]) == ("auto", placed["total_fen"])
        state = (await http.get(f"{sandbox}/wechat/pay/state")).json()
        assert "v3.query" not in state["faults"]  # the failed query did happen
        money_back = [r for r in state["refunds"] if r["out_trade_no"] == placed["order_no"]]
        assert [r["refund_fen"] for r in money_back] == [placed["total_fen"]]
        assert (await http.get(order_url, headers=auth)).json()["status"] == "closed"
        seen = await http.get(
            f"{shop}/api/admin/v1/payments/anomalies",
            params={"kind": "auto_refunded"},
            headers=admin,
        )
        assert seen.json()["total"] == 1
