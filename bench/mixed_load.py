"""A shop's day in 60 seconds, through nginx with TLS in front of two servers: the mix, the
trivial endpoint beside it, and the orders per second one MariaDB sustains for checkout.

Starts the topology of tests/system (deploy/nginx/xiaodian.conf rendered for loopback with a
fresh certificate, two `xiaodian serve`, `xiaodian worker`, the simulator) on MariaDB + Redis
with the demo shop, logs SHOPPERS shoppers in through the simulator, then:

1. for DURATION seconds, USERS virtual shoppers (asyncio + httpx over TLS, keep-alive) each
   pick, request after request: browse 70% (home, a list page, a goods detail), cart 15%
   (POST /api/v1/cart/items), order + pay 10% (POST /api/v1/orders with 3 lines, POST
   /orders/{id}/pay, the phone confirms in the simulator, which notifies the shop through
   nginx), flash 5% (POST a flash-sale order: the first units sell, then the gate refuses);
2. the same USERS on GET /api/v1/ping through nginx for PING seconds (the ceiling of this
   load generator + nginx + TLS + the servers on this machine);
3. wrk at 50 connections over TLS: POST /api/v1/orders (3 lines) and GET /api/v1/ping, in turn.

Prints req/s, p50/p99 per route, answers by status, and each figure as a ratio to the ping
measured the same way, plus `uptime`. Not in CI. The abuse limits are lifted for the run.

    .venv/bin/python bench/mixed_load.py [--duration 60] [--users 40] [--redis URL]

Needs nginx, wrk, MariaDB and Redis on 127.0.0.1. Uses the database xd_mixed_bench (dropped
first) and the Redis db given (emptied first).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.system import steps  # noqa: E402
from tests.system.topology import Topology, start_topology  # noqa: E402

from xiaodian.config import Settings  # noqa: E402

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xd_mixed_bench"
SKUS = 30  # orders take 3 of these: a shop's checkout, not one hot row
MIX = (("browse", 70), ("cart", 15), ("order+pay", 10), ("flash", 5))

ORDER_SCRIPT = """
local tokens = {%(tokens)s}
local bodies = {%(bodies)s}
local n = %(start)d
request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  return wrk.format("POST", "/api/v1/orders",
    {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"},
    bodies[i])
end
"""


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()

    async def call(self, route: str, request: object) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            answer = await request  # type: ignore[misc]
        except httpx.HTTPError as error:
            self.errors[f"{route}: {type(error).__name__}"] += 1
            return None
        self.latencies[route].append(time.perf_counter() - started)
        self.statuses[route][answer.status_code] += 1
        return answer  # type: ignore[no-any-return]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


async def mixed(
    shop: Topology,
    people: list[steps.Shopper],
    *,
    seconds: float,
    users: int,
    goods_ids: list[int],
    lines: list[int],
    flash_item: int,
    ping_only: bool = False,
) -> tuple[Recorder, float]:
    record = Recorder()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    deadline = time.monotonic() + seconds
    weights = [weight for _, weight in MIX]
    async with shop.client(limits=limits) as http, httpx.AsyncClient(timeout=30) as plain:

        async def user(number: int) -> None:
            chooser = random.Random(number)
            while time.monotonic() < deadline:
                who = people[chooser.randrange(len(people))]
                if ping_only:
                    await record.call("GET /ping", http.get("/api/v1/ping"))
                    continue
                kind = chooser.choices([name for name, _ in MIX], weights)[0]
                if kind == "browse":
                    page = chooser.choice(("home", "list", "detail", "detail"))
                    if page == "home":
                        await record.call("GET /home", http.get("/api/v1/home"))
                    elif page == "list":
                        await record.call("GET /goods", http.get("/api/v1/goods?page=1"))
                    else:
                        goods_id = chooser.choice(goods_ids)
                        await record.call("GET /goods/{id}", http.get(f"/api/v1/goods/{goods_id}"))
                elif kind == "cart":
                    body = {"sku_id": chooser.choice(lines), "quantity": 1}
                    await record.call(
                        "POST /cart/items",
                        http.post("/api/v1/cart/items", headers=who.headers, json=body),
                    )
                elif kind == "order+pay":
                    body = {
                        "items": [
                            {"sku_id": sku, "quantity": 1} for sku in chooser.sample(lines, 3)
                        ],
                        "address_id": who.address_id,
                    }
                    placed = await record.call(
                        "POST /orders", http.post("/api/v1/orders", headers=who.headers, json=body)
                    )
                    if placed is None or placed.status_code != 201:
                        continue
                    paying = await record.call(
                        "POST /orders/{id}/pay",
                        http.post(
                            f"/api/v1/orders/{placed.json()['id']}/pay",
                            headers=who.headers,
                            json={"channel": "wechat"},
                        ),
                    )
                    if paying is not None and paying.status_code == 200:
                        prepay = paying.json()["package"].removeprefix("prepay_id=")
                        await record.call(
                            "(simulator) confirm",
                            plain.post(f"{shop.sandbox_url}/wechat/pay/{prepay}/confirm"),
                        )
                else:
                    await record.call(
                        "POST flash order",
                        http.post(
                            f"/api/v1/flash-sales/items/{flash_item}/orders",
                            headers=who.headers,
                            json={"quantity": 1, "address_id": who.address_id},
                        ),
                    )

        started = time.monotonic()
        await asyncio.gather(*(user(n) for n in range(users)))
    return record, time.monotonic() - started


def wrk(url: str, *, seconds: int, script: Path | None = None) -> tuple[float, float, float, str]:
    command = ["wrk", "-t1", "-c50", f"-d{seconds}s", "--timeout", "30s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        number, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, ms("50"), ms("99"), non2xx.group(1) if non2xx else "0"


async def prepare(shop: Topology, admin_password: str, shoppers: int) -> dict[str, object]:
    async with shop.client() as http:
        login = await http.post(
            "/api/admin/v1/auth/login", json={"username": "bench", "password": admin_password}
        )
        login.raise_for_status()
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        lines = [(await steps.goods(http, admin, stock=1_000_000))["sku_id"] for _ in range(SKUS)]
        flash_item = await steps.flash_item(http, admin, units=200)
        listed = (await http.get("/api/v1/goods?page=1")).json()
        goods_ids = [card["id"] for card in listed["items"]]
        people = await steps.shoppers(http, shop, shoppers, prefix="mixed")
    return {"lines": lines, "flash_item": flash_item, "goods_ids": goods_ids, "people": people}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--ping-seconds", type=int, default=15)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="xd-mixed-"))
    settings = Settings(
        env="test",
        database_url=DATABASE,
        redis_url=args.redis,
        secret_key="b" * 48,
        media_dir=workdir / "media",
    )
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("XIAODIAN_")}
    base_env.update(
        {
            "XIAODIAN_DATABASE_URL": DATABASE,
            "XIAODIAN_REDIS_URL": args.redis,
            "XIAODIAN_SECRET_KEY": "b" * 48,
            "XIAODIAN_MEDIA_DIR": str(workdir / "media"),
        }
    )
    xiaodian = [sys.executable, "-m", "xiaodian"]
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-e", "DROP DATABASE IF EXISTS xd_mixed_bench"],
        check=True,
    )
    subprocess.run(["redis-cli", "-u", args.redis, "FLUSHDB"], check=True, capture_output=True)
    for command in (
        ["migrate"],
        ["seed"],
        ["createadmin", "--username", "bench", "--password", "bench-password-1"],
    ):
        subprocess.run([*xiaodian, *command], env=base_env, check=True, capture_output=True)
    shop = start_topology(
        settings,
        database_proxy=False,
        extra_env={
            "XIAODIAN_MAX_UNPAID_ORDERS_PER_SHOPPER": "1000",
            "XIAODIAN_ORDER_RATE_PER_SHOPPER": "off",
        },
    )
    try:
        setup_started = time.monotonic()
        data = asyncio.run(prepare(shop, "bench-password-1", args.shoppers))
        setup = time.monotonic() - setup_started
        people: list[steps.Shopper] = data["people"]  # type: ignore[assignment]
        common = {
            "users": args.users,
            "goods_ids": data["goods_ids"],
            "lines": data["lines"],
            "flash_item": data["flash_item"],
        }
        record, elapsed = asyncio.run(
            mixed(shop, people, seconds=args.duration, **common)  # type: ignore[arg-type]
        )
        ping, ping_elapsed = asyncio.run(
            mixed(shop, people, seconds=args.ping_seconds, ping_only=True, **common)  # type: ignore[arg-type]
        )
        script = workdir / "orders.lua"
        script.write_text(
            ORDER_SCRIPT
            % {
                "tokens": ",".join(
                    json.dumps(who.headers["Authorization"].removeprefix("Bearer "))
                    for who in people
                ),
                "bodies": ",".join(
                    json.dumps(
                        json.dumps(
                            {
                                "items": [
                                    {"sku_id": sku, "quantity": 1}
                                    for sku in random.sample(data["lines"], 3)  # type: ignore[arg-type]
                                ],
                                "address_id": who.address_id,
                            }
                        )
                    )
                    for who in people
                ),
                "start": random.randrange(1000),
            }
        )
        wrk_ping = wrk(f"{shop.https_url}/api/v1/ping", seconds=args.wrk_seconds)
        wrk_orders = wrk(shop.https_url, seconds=args.wrk_seconds, script=script)
        wrk_ping_2 = wrk(f"{shop.https_url}/api/v1/ping", seconds=args.wrk_seconds)
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    finally:
        shop.close()
        shutil.rmtree(workdir, ignore_errors=True)

    ping_rps = sum(len(v) for v in ping.latencies.values()) / ping_elapsed
    total = sum(len(v) for v in record.latencies.values())
    print(
        f"\nxiaodian mixed load: nginx + TLS -> 2 x `xiaodian serve --workers 1` + worker, "
        f"MariaDB + Redis, demo shop + {SKUS} SKUs (3 per order), {len(people)} shoppers "
        f"(setup {setup:.0f}s), "
        f"{args.users} virtual users (httpx, one process) for {elapsed:.0f}s; "
        "load generator on the same 2 cores\n"
    )
    print(f"{'route':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs ping':>9}  answers")
    for route in sorted(record.latencies, key=lambda r: -len(record.latencies[r])):
        values = record.latencies[route]
        rps = len(values) / elapsed
        print(
            f"{route:<24}{rps:>9.1f}{percentile(values, 0.5):>9.1f}{percentile(values, 0.99):>9.1f}"
            f"{rps / ping_rps:>9.1%}  {dict(sorted(record.statuses[route].items()))}"
        )
    mix_rps = total / elapsed
    print(f"{'all of the mix':<24}{mix_rps:>9.1f}{'':>9}{'':>9}{mix_rps / ping_rps:>9.1%}")
    values = ping.latencies["GET /ping"]
    print(
        f"{'GET /ping (same users)':<24}{ping_rps:>9.1f}{percentile(values, 0.5):>9.1f}"
        f"{percentile(values, 0.99):>9.1f}{1:>9.0%}  {dict(ping.statuses['GET /ping'])}"
    )
    print(f"transport errors: {dict(record.errors) or 0} (ping: {dict(ping.errors) or 0})")
    ceiling = (wrk_ping[0] + wrk_ping_2[0]) / 2
    print("\nwrk, 50 connections over TLS through nginx:")
    print(f"{'':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs ping':>9}  non-2xx")
    print(
        f"{'POST /orders (3 lines)':<30}{wrk_orders[0]:>9.1f}{wrk_orders[1]:>9.1f}"
        f"{wrk_orders[2]:>9.1f}{wrk_orders[0] / ceiling:>9.1%}  {wrk_orders[3]}"
    )
    for name, figures in (("GET /ping (before)", wrk_ping), ("GET /ping (after)", wrk_ping_2)):
        print(
            f"{name:<30}{figures[0]:>9.1f}{figures[1]:>9.1f}{figures[2]:>9.1f}"
            f"{figures[0] / ceiling:>9.1%}  {figures[3]}"
        )
    print(f"\n{load}")


if __name__ == "__main__":
    main()
