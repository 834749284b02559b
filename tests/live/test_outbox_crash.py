"""The outbox over real processes: a server killed right after a commit loses nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from tests import factories
from tests.live.conftest import LiveShop, free_port, payment_env, server_env, start, stop
from tests.live.shop import buyers, goods_with_stock
from tests.waiting import until
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import OutboxEntry, Refund


async def _refund_and_entry(context: AppContext) -> tuple[Refund | None, OutboxEntry | None]:
    async with context.db.transaction(write=False) as session:
        refund = (await session.execute(select(Refund))).scalars().first()
        entry = (
            (await session.execute(select(OutboxEntry).where(OutboxEntry.event == "RefundDue")))
            .scalars()
            .first()
        )
    return refund, entry


async def test_a_refund_committed_just_before_a_kill_is_sent_once_after_restart(
    live_shop: LiveShop,
    client: httpx.AsyncClient,
    context: AppContext,
    settings: Settings,
    workdir: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url=live_shop.sandbox_url, base_url=base)
    env.update(payment_env(workdir / "live-keys", sandbox_url=live_shop.sandbox_url, base_url=base))
    no_drainer = {**env, "XIAODIAN_OUTBOX_IN_PROCESS": "false"}
    drainer = {**env, "XIAODIAN_OUTBOX_IN_PROCESS": "true"}
    args = ["serve", "--port", str(port)]
    server = start(args, no_drainer, f"{base}/healthz", workdir / "crash-a.log")
    admin = await factories.merchant(client, context)
    async with httpx.AsyncClient(timeout=30) as http:
        shop = LiveShop(base_url=base, sandbox_url=live_shop.sandbox_url, env=env, workers=1)
        sku_id = await goods_with_stock(http, shop, admin, stock=3)
        (buyer,) = await buyers(http, shop, 1)
        auth = {"Authorization": buyer["Authorization"]}
        placed = (
            await http.post(
                f"{base}/api/v1/orders",
                headers=auth,
                json={
                    "items": [{"sku_id": sku_id, "quantity": 1}],
                    "address_id": int(buyer["X-Address"]),
                },
            )
        ).json()
        pay = await http.post(
            f"{base}/api/v1/orders/{placed['id']}/pay", headers=auth, json={"channel": "wechat"}
        )
        prepay_id = pay.json()["package"].removeprefix("prepay_id=")
        await http.post(
            f"{live_shop.sandbox_url}/wechat/pay/{prepay_id}/confirm", json={"delay_seconds": 0.5}
        )
        await http.post(f"{base}/api/v1/orders/{placed['id']}/cancel", headers=auth)

        async def refund_committed() -> bool:
            refund, entry = await _refund_and_entry(context)
            return refund is not None and entry is not None

        await until(refund_committed, "the late payment's automatic refund")
        server.send_signal(signal.SIGKILL)  # nothing drained it: the entry is all that is left
        server.wait()
        refund, entry = await _refund_and_entry(context)
        assert refund is not None and entry is not None
        assert (refund.status, entry.status, entry.attempts) == ("approved", "pending", 0)

        restarted = start(args, drainer, f"{base}/healthz", workdir / "crash-b.log")
        try:

            async def sent() -> bool:
                _refund, entry = await _refund_and_entry(context)
                return entry is not None and entry.status == "done"

            await until(sent, "the outbox to deliver the refund after the restart")
        finally:
            stop(restarted)
        # Another drainer later finds nothing to do.
        subprocess.run(
            [sys.executable, "-m", "xiaodian", "worker", "--once"],
            env={**env, "XIAODIAN_RUN_JOBS_IN_PROCESS": "false"},
            check=True,
            capture_output=True,
            timeout=60,
        )
        state = (await http.get(f"{live_shop.sandbox_url}/wechat/pay/state")).json()
        mine = [r for r in state["refunds"] if r["out_trade_no"] == placed["order_no"]]
        assert [r["refund_fen"] for r in mine] == [placed["total_fen"]]
        refund, entry = await _refund_and_entry(context)
        assert entry is not None and (entry.status, entry.attempts) == ("done", 1)
        assert refund is not None and refund.status in ("processing", "succeeded")
