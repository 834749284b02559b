"""A flash-sale crowd against a real deployment shape, with the framework's ceiling beside it.

Starts `xiaodian serve --workers 2` on MariaDB + Redis with the demo shop, logs in BUYERS
distinct shoppers through the simulator (`xiaodian sandbox` as its own process), puts one
item with UNITS units on a running flash session (per-user limit 1), and fires every buyer at
it as fast as wrk can over loopback (CONNECTIONS connections, the buyers in turn, again and
again for DURATION seconds: the first 100 win, everybody else hears 已抢光 or 已达限购 from
the gate). In interleaved rounds it measures the trivial GET /api/v1/ping of the same server,
and, from this process, the gate's Lua script alone against Redis. Then it reads the database:
orders accepted, oversold, units left, buyers over the limit.

    .venv/bin/python bench/flash_sale.py [--buyers 2000] [--units 100] [--connections 100]

wrk corrects its latencies for coordinated omission: a connection that waited L ms for one
answer is counted as if requests it would have sent every (run / requests per connection) ms
had waited too, so the 100 winners, waiting for their orders while the crowd is answered in a
few ms, make the sell-out round's p99. "sold out in" is how long the units took to sell.

The per-address flash limit is lifted for the run (every buyer comes from 127.0.0.1) and the
per-shopper one widened (each buyer is fired many times a second by design): both still count
every request. Needs wrk, MariaDB and Redis on 127.0.0.1. Uses the database xd_flash_bench
and Redis db 9 (both emptied first).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis.asyncio as redis_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xd_flash_bench"
REDIS = "redis://127.0.0.1:6379/9"

FLASH_SCRIPT = """
local buyers = {%s}
local path = "%s"
local n = 0
statuses = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function request()
  n = n + 1
  local b = buyers[(n %% #buyers) + 1]
  return wrk.format("POST", path,
    {["Authorization"] = "Bearer " .. b[1], ["Content-Type"] = "application/json"},
    '{"quantity":1,"address_id":' .. b[2] .. '}')
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do io.write(string.format("status %%d %%d\\n", code, count)) end
  end
end
"""


@dataclass
class Figures:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    name: str, url: str, *, duration: int, connections: int, script: Path | None = None
) -> Figures:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    statuses = {int(c): int(n) for c, n in re.findall(r"status (\d+) (\d+)", output)}
    return Figures(name, rps, p50, p99, statuses)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


async def login_buyers(base: str, sandbox: str, count: int) -> list[tuple[str, int]]:
    """Distinct shoppers logged in through the simulator, each with an address."""
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    gate = asyncio.Semaphore(32)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def log_in(number: int) -> str:
            for attempt in range(5):  # a loaded machine's simulator may time out: again
                code = (
                    await http.post(f"{sandbox}/wechat/codes", json={"openid": f"flash-{number}"})
                ).json()["code"]
                login = await http.post(f"{base}/api/v1/auth/wx-login", json={"code": code})
                if login.status_code < 500 or attempt == 4:
                    login.raise_for_status()
                    return str(login.json()["token"])
                await asyncio.sleep(1)
            raise AssertionError("unreachable")

        async def one(number: int) -> tuple[str, int]:
            async with gate:
                token = await log_in(number)
                address = await http.post(
                    f"{base}/api/v1/me/addresses",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "name": f"买家{number}",
                        "phone": "13800000000",
                        "province": "上海市",
                        "city": "上海市",
                        "district": "徐汇区",
                        "detail": f"{number} 号",
                    },
                )
                address.raise_for_status()
                return token, int(address.json()["id"])

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def flash_item(base: str, admin: dict[str, str], units: int) -> int:
    category = httpx.post(f"{base}/api/admin/v1/categories", headers=admin, json={"name": "秒杀"})
    goods = httpx.post(
        f"{base}/api/admin/v1/goods",
        headers=admin,
        json={
            "category_id": category.json()["id"],
            "title": "1 元秒杀草莓",
            "is_on_shelf": True,
            "skus": [{"price_fen": 2990, "stock": units + 50}],
        },
    )
    goods.raise_for_status()
    now = datetime.now(UTC)
    created = httpx.post(
        f"{base}/api/admin/v1/flash-sales",
        headers=admin,
        json={
            "title": "限时1元购",
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "items": [
                {
                    "sku_id": goods.json()["skus"][0]["id"],
                    "flash_price_fen": 100,
                    "flash_stock": units,
                    "per_user_limit": 1,
                }
            ],
        },
    )
    created.raise_for_status()
    return int(created.json()["item_ids"][0])


async def lua_alone(seconds: float, concurrency: int) -> float:
    """The gate's take script against Redis from this process: ops/s (a sold-out item, as the
    crowd meets it after the first moments; each call still runs the whole script)."""
    from xiaodian.flash.gate import Load, RedisGate, Rule, Snapshot

    client = redis_asyncio.Redis.from_url(REDIS)
    gate = RedisGate(client, prefix="bench:flash:")
    now_ms = int(time.time() * 1000)
    rule = Rule(
        item_id=1,
        session_id=1,
        sku_id=1,
        goods_id=1,
        quota_id=1,
        flash_price_fen=100,
        per_user_limit=1,
        max_participants=0,
        starts_at_ms=now_ms - 60_000,
        ends_at_ms=now_ms + 3_600_000,
        ended=False,
        unpaid_minutes=5,
    )
    await gate.load(1, Snapshot(stock_left=100, users={}), ttl_ms=600_000, mode=Load.OVERWRITE)
    done = 0
    deadline = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        user = offset
        while time.monotonic() < deadline:
            await gate.take(rule, user_id=user, quantity=1, now_ms=now_ms)
            user += concurrency
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    await gate.forget(1)
    await client.aclose()
    return done / elapsed


def lua_in_redis(requests: int = 200_000) -> float:
    """The take script run by Redis itself (redis-benchmark, 50 clients, pipelining off) on a
    sold-out item with random shoppers: what the gate costs Redis, without any client."""
    from xiaodian.flash.gate import _TAKE

    cli = ["redis-cli", "-n", REDIS.rsplit("/", 1)[1]]
    sha = subprocess.run(
        [*cli, "SCRIPT", "LOAD", _TAKE], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run([*cli, "SET", "bench:alone:stock", "0"], check=True, capture_output=True)
    now_ms = int(time.time() * 1000)
    output = subprocess.run(
        [
            "redis-benchmark",
            "-n",
            str(requests),
            "-c",
            "50",
            "-r",
            "1000000",
            "-q",
            "--dbnum",
            REDIS.rsplit("/", 1)[1],
            "EVALSHA",
            sha,
            "2",
            "bench:alone:stock",
            "bench:alone:users",
            str(now_ms),
            str(now_ms - 60_000),
            str(now_ms + 3_600_000),
            "__rand_int__",
            "1",
            "1",
            "0",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"([\d.]+) requests per second", output)
    return float(match.group(1)) if match else 0.0


async def outcome(item_id: int) -> dict[str, int]:
    engine = create_async_engine(DATABASE)
    async with engine.connect() as connection:
        quota_id, units_left, allocated = (
            await connection.execute(
                text(
                    "SELECT id, units_left, allocated FROM stock_quotas"
                    " WHERE activity = 'flash' AND activity_id = :item"
                ),
                {"item": item_id},
            )
        ).one()
        orders, units = (
            await connection.execute(
                text(
                    "SELECT COUNT(DISTINCT o.id), COALESCE(SUM(l.quantity), 0) FROM orders o"
                    " JOIN order_lines l ON l.order_id = o.id"
                    " WHERE l.quota_id = :quota AND o.status <> 'closed'"
                ),
                {"quota": quota_id},
            )
        ).one()
        first, last = (
            await connection.execute(
                text(
                    "SELECT MIN(o.created_at), MAX(o.created_at) FROM orders o"
                    " JOIN order_lines l ON l.order_id = o.id WHERE l.quota_id = :quota"
                ),
                {"quota": quota_id},
            )
        ).one()
        over = (
            await connection.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT o.user_id FROM orders o"
                    " JOIN order_lines l ON l.order_id = o.id WHERE l.quota_id = :quota"
                    " AND o.status <> 'closed' GROUP BY o.user_id"
                    " HAVING SUM(l.quantity) > 1) t"
                ),
                {"quota": quota_id},
            )
        ).scalar_one()
    await engine.dispose()
    return {
        "orders": int(orders),
        "units": int(units),
        "oversold": max(0, int(units) - int(allocated)),
        "units_left": int(units_left),
        "over_limit": int(over),
        "allocated": int(allocated),
        "selling_ms": round((last - first).total_seconds() * 1000) if first and last else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--duration", type=int, default=12, help="seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-log", type=Path, help="write the server's output here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-flash-bench-"))
    port, sandbox_port = _free_port(), _free_port()
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update(
        {
            "XIAODIAN_ENV": "production",
            "XIAODIAN_DATABASE_URL": DATABASE,
            "XIAODIAN_REDIS_URL": REDIS,
            "XIAODIAN_SECRET_KEY": "bench-secret-key-0123456789abcdefgh",
            "XIAODIAN_MEDIA_DIR": str(workdir / "media"),
            "XIAODIAN_PUBLIC_BASE_URL": base,
            "XIAODIAN_LOG_LEVEL": "WARNING",
            "XIAODIAN_WECHAT_APPID": "wxbench0000000000",
            "XIAODIAN_WECHAT_SECRET": "bench-app-secret",
            "XIAODIAN_WECHAT_API_BASE": sandbox,
            "XIAODIAN_FLASH_RATE_PER_IP": "off",
            "XIAODIAN_WX_LOGIN_RATE_PER_IP": "off",
            "XIAODIAN_COUPON_CLAIM_RATE_PER_SHOPPER": "off",
            "XIAODIAN_FLASH_RATE_PER_SHOPPER": "100000/10s",
        }
    )
    xiaodian = [sys.executable, "-m", "xiaodian"]
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-e", "DROP DATABASE IF EXISTS xd_flash_bench"],
        check=True,
    )
    asyncio.run(_flush_redis())
    subprocess.run([*xiaodian, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*xiaodian, "seed"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*xiaodian, "createadmin", "--username", "bench", "--password", "bench-password-1"],
        env=env,
        check=True,
        capture_output=True,
    )
    simulator = subprocess.Popen(
        [*xiaodian, "sandbox", "--port", str(sandbox_port), "--keys-dir", str(workdir / "keys")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server_log = args.server_log.open("wb") if args.server_log else None
    server = subprocess.Popen(
        [*xiaodian, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=server_log or subprocess.DEVNULL,
        stderr=server_log or subprocess.DEVNULL,
    )
    per_round = max(1, -(-args.duration // args.rounds))
    try:
        wait_for(f"{base}/healthz")
        wait_for(f"{sandbox}/docs")
        login = httpx.post(
            f"{base}/api/admin/v1/auth/login",
            json={"username": "bench", "password": "bench-password-1"},
        )
        login.raise_for_status()
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        started = time.monotonic()
        buyers = asyncio.run(login_buyers(base, sandbox, args.buyers))
        login_seconds = time.monotonic() - started
        item_id = flash_item(base, admin, args.units)
        path = f"/api/v1/flash-sales/items/{item_id}/orders"
        script = workdir / "flash.lua"
        script.write_text(FLASH_SCRIPT % (",".join(f'{{"{t}",{a}}}' for t, a in buyers), path))
        run_wrk("warm-up", f"{base}/api/v1/ping", duration=2, connections=args.connections)
        flash_runs: list[Figures] = []
        ping_runs: list[Figures] = []
        lua_runs: list[float] = []
        redis_runs: list[float] = []
        for _ in range(args.rounds):
            ping_runs.append(
                run_wrk(
                    "ping", f"{base}/api/v1/ping", duration=per_round, connections=args.connections
                )
            )
            flash_runs.append(
                run_wrk(
                    "flash",
                    f"{base}{path}",
                    duration=per_round,
                    connections=args.connections,
                    script=script,
                )
            )
            lua_runs.append(asyncio.run(lua_alone(min(3.0, per_round), 50)))
            redis_runs.append(lua_in_redis())
        result = asyncio.run(outcome(item_id))
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=20)
        if server_log is not None:
            server_log.close()
        shutil.rmtree(workdir, ignore_errors=True)

    ping = sum(r.requests_per_second for r in ping_runs) / len(ping_runs)
    flash = sum(r.requests_per_second for r in flash_runs) / len(flash_runs)
    lua = sum(lua_runs) / len(lua_runs)
    in_redis = sum(redis_runs) / len(redis_runs)
    statuses: dict[int, int] = {}
    for run in flash_runs:
        for code, count in run.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
    print(
        f"\nxiaodian flash-sale benchmark: {args.workers} workers, MariaDB + Redis, demo shop, "
        f"{args.buyers} buyers (logged in in {login_seconds:.0f}s), one item with {args.units} "
        f"units, {args.connections} connections, {args.rounds} interleaved rounds x {per_round}s, "
        "wrk (1 thread) on the same machine\n"
    )
    print(f"orders accepted        {result['orders']} ({result['units']} units)")
    print(f"oversold               {result['oversold']}")
    print(f"units left             {result['units_left']}")
    print(f"buyers over the limit  {result['over_limit']}")
    print(
        f"sold out in            {result['selling_ms']} ms (the first order placed to the last, "
        "as the database has them)"
    )
    print(f"flash answers          {dict(sorted(statuses.items()))}")
    print()
    print(f"{'':<26}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ping':>10}")
    p50 = sorted(r.p50_ms for r in flash_runs)[len(flash_runs) // 2]
    p99 = max(r.p99_ms for r in flash_runs)
    ping_p50 = sorted(r.p50_ms for r in ping_runs)[len(ping_runs) // 2]
    ping_p99 = max(r.p99_ms for r in ping_runs)
    print(f"{'POST flash order':<26}{flash:>10.0f}{p50:>10.2f}{p99:>10.2f}{flash / ping:>9.0%}")
    print(f"{'GET /ping (ceiling)':<26}{ping:>10.0f}{ping_p50:>10.2f}{ping_p99:>10.2f}{1:>9.0%}")
    print(f"{'gate from Python (50 co.)':<26}{lua:>10.0f}{'':>10}{'':>10}{lua / ping:>9.0%}")
    print(
        f"{'Lua script in Redis alone':<26}{in_redis:>10.0f}{'':>10}{'':>10}{in_redis / ping:>9.0%}"
    )
    print("\nper round (the first one sells the units out):")
    for number, (run, ping_run) in enumerate(zip(flash_runs, ping_runs, strict=True), 1):
        print(
            f"  round {number}: flash {run.requests_per_second:.0f} req/s "
            f"(p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
            f"{dict(sorted(run.statuses.items()))})"
            f", ping {ping_run.requests_per_second:.0f} req/s"
            f" -> {run.requests_per_second / ping_run.requests_per_second:.0%}"
        )
    print(
        f"\nflash / gate from Python: {flash / lua:.0%}; "
        f"flash / Lua in Redis: {flash / in_redis:.0%}"
    )


async def _flush_redis() -> None:
    client = redis_asyncio.Redis.from_url(REDIS)
    await client.flushdb()
    await client.aclose()


if __name__ == "__main__":
    main()
