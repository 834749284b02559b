"""Catalog read throughput against a real deployment shape, with the framework's ceiling beside it.

Starts `xiaodian serve --workers 2` on MariaDB + Redis with the demo shop, then drives
GET /api/v1/home, GET /api/v1/goods?sort=sales and GET /api/v1/goods/{id} (ids spread over
the catalog) with wrk at 50 connections, and the trivial GET /api/v1/ping as the ceiling, in
interleaved rounds so each endpoint gets DURATION seconds in all. Two runs miss the near cache
on purpose, a different query every request: the goods list with a varied `max_price_fen`,
sort and page ("list (cache-busted)"), and a keyword search (Chinese keywords from the demo
titles, varied price ceiling and page: "search (cache-busted)"). Prints req/s (mean of the
rounds), p50 (median) and p99 (worst round) per endpoint, and each catalog figure as a ratio
of the ceiling measured in the same run.

    .venv/bin/python bench/catalog_load.py [--duration 10] [--connections 50]

With `--orders-per-second R` (default 20; 0 skips it) the same reads are measured again while
shoppers place orders at a steady R per second (one unit of a goods item per order, spread over
the catalog): what a busy checkout costs the cached reads. Shoppers log in through the
simulator run as its own process (`xiaodian sandbox`); the server's abuse limits (unpaid orders
per shopper, order rates) are lifted for the run so they do not refuse the steady orders.
`--python PATH` runs the server with another checkout's interpreter (to measure "before").
`--database` / `--redis` pick where the shop lives (each engineer on a shared machine their
own); `--no-seed` keeps a shop that is already there (`bench/scale.py` seeds a large one).

Beside each figure: the CPU each request cost the server's processes, MariaDB and wrk (ms,
from /proc over the run), and "db-bound max": the share of the ceiling the endpoint could reach
on this machine if it cost the server and wrk no more than the ceiling does, MariaDB doing the
work it did (the ceiling's CPU per request over that plus MariaDB's). With the database on the
same cores, no server-side change can take an endpoint past it.

Needs wrk (`apt-get install -y wrk`), MariaDB and Redis on 127.0.0.1 (scripts/services.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xiaodian_bench"
REDIS = "redis://127.0.0.1:6379/14"
# A different query each request (the counter starts at random, so rounds differ too): the
# near cache cannot answer, every request reaches the database.
BUSTED_LIST_SCRIPT = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local n = math.random(1, 100000000)
local sorts = {"default", "sales", "price", "new"}
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/goods?max_price_fen=" .. (300 + (n * 7919) % 1000000)
    .. "&sort=" .. sorts[(n % 4) + 1] .. "&page=" .. (1 + n % 3))
end
"""
BUSTED_SEARCH_SCRIPT = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local n = math.random(1, 100000000)
local words = {%s}
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/goods?q=" .. words[(n %% #words) + 1]
    .. "&max_price_fen=" .. (300 + (n * 7919) %% 1000000) .. "&page=" .. (1 + n %% 2))
end
"""
SEARCH_WORDS = ["苹果", "牛", "奶", "鸡蛋", "大米", "青", "面包", "油", "纸", "肉", "果"]
DETAIL_SCRIPT = """
local ids = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/goods/" .. ids[(n %% #ids) + 1])
end
"""


DATABASE_PROCESSES = ("mariadbd", "mysqld")


@dataclass
class Figures:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU per request (ms): the server's processes, MariaDB, wrk; None where /proc is missing
    server_ms: float | None = None
    database_ms: float | None = None
    load_ms: float | None = None


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process: its name, its parent's pid and the CPU seconds it has used."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:  # gone meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry)] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the server (that pid and its descendants) and by MariaDB."""
    processes = _processes()
    family, grew = {server_pid}, True
    while grew:
        more = {pid for pid, (_, parent, _) in processes.items() if parent in family}
        grew = not more <= family
        family |= more
    server = sum(processes[pid][2] for pid in family if pid in processes)
    database = sum(cpu for name, _, cpu in processes.values() if name in DATABASE_PROCESSES)
    return server, database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    name: str,
    url: str,
    *,
    duration: int,
    connections: int,
    script: Path | None = None,
    server_pid: int | None = None,
) -> Figures:
    """One wrk run; with `server_pid` (and /proc) also the CPU each request cost."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    metered = server_pid if os.path.isdir("/proc") else None
    before = cpu_seconds(metered) if metered is not None else (0.0, 0.0)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk's CPU, once it has exited
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures = Figures(name, rps, p50, p99, int(errors.group(1)) if errors else 0)
    requests = float(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    if metered is not None and requests:
        after = cpu_seconds(metered)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
        figures.server_ms = (after[0] - before[0]) * 1000 / requests
        figures.database_ms = (after[1] - before[1]) * 1000 / requests
        figures.load_ms = load * 1000 / requests
    return figures


@dataclass
class OrderDriver:
    """Places orders at a steady rate from a thread of its own while wrk runs."""

    base: str
    shoppers: list[dict[str, str]]
    sku_ids: list[int]
    rate: float
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        assert self.thread is not None
        self.thread.join()

    async def _run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            tasks: set[asyncio.Task[None]] = set()
            started, sent = time.monotonic(), 0
            while not self.stopping.is_set():
                await asyncio.sleep(max(0.0, started + sent / self.rate - time.monotonic()))
                task = asyncio.create_task(self._one(http, sent))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.gather(*tasks)

    async def _one(self, http: httpx.AsyncClient, number: int) -> None:
        shopper = self.shoppers[number % len(self.shoppers)]
        began = time.monotonic()
        response = await http.post(
            "/api/v1/orders",
            headers={"Authorization": shopper["Authorization"]},
            json={
                "items": [{"sku_id": self.sku_ids[number % len(self.sku_ids)], "quantity": 1}],
                "address_id": int(shopper["address_id"]),
            },
        )
        self.latencies_ms.append((time.monotonic() - began) * 1000)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    def summary(self) -> str:
        latencies = sorted(self.latencies_ms) or [0.0]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return (
            f"{self.statuses.get(201, 0)} orders placed, answers "
            f"{dict(sorted(self.statuses.items()))}, order p50 "
            f"{latencies[len(latencies) // 2]:.0f} ms, p99 {p99:.0f} ms"
        )


def login_shoppers(base: str, sandbox: str, count: int) -> list[dict[str, str]]:
    shoppers = []
    for number in range(count):
        code = httpx.post(f"{sandbox}/wechat/codes", json={"openid": f"bench-{number}"}).json()
        login = httpx.post(f"{base}/api/v1/auth/wx-login", json={"code": code["code"]})
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        address = httpx.post(
            f"{base}/api/v1/me/addresses",
            headers=auth,
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
        shoppers.append({**auth, "address_id": str(address.json()["id"])})
    return shoppers


def _mean(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known and len(known) == len(values) else None


def measure(
    targets: list[tuple[str, str, Path | None]],
    *,
    rounds: int,
    per_round: int,
    connections: int,
    server_pid: int | None = None,
) -> list[Figures]:
    """Every target for `rounds` interleaved rounds, so drift on a shared machine hits all."""
    runs = [
        [
            run_wrk(
                name,
                url,
                duration=per_round,
                connections=connections,
                script=script,
                server_pid=server_pid,
            )
            for name, url, script in targets
        ]
        for _ in range(rounds)
    ]
    return [
        Figures(
            name=runs[0][index].name,
            requests_per_second=sum(r[index].requests_per_second for r in runs) / len(runs),
            p50_ms=sorted(r[index].p50_ms for r in runs)[len(runs) // 2],
            p99_ms=max(r[index].p99_ms for r in runs),
            errors=sum(r[index].errors for r in runs),
            server_ms=_mean([r[index].server_ms for r in runs]),
            database_ms=_mean([r[index].database_ms for r in runs]),
            load_ms=_mean([r[index].load_ms for r in runs]),
        )
        for index in range(len(targets))
    ]


def _cpu_of(figures: Figures) -> float | None:
    parts = (figures.server_ms, figures.database_ms, figures.load_ms)
    return None if None in parts else sum(part or 0.0 for part in parts)


def print_table(results: list[Figures], ceiling: float) -> None:
    """The figures; the first row is the ceiling (the trivial endpoint)."""
    print(
        f"{'endpoint':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ceiling':>12}{'non-2xx':>9}"
        f"   CPU ms/request: {'server':>7}{'MariaDB':>9}{'wrk':>7}{'db-bound max':>14}"
    )
    ceiling_cpu = _cpu_of(results[0]) if results else None
    for figures in results:
        ratio = figures.requests_per_second / ceiling
        cpu = ""
        if _cpu_of(figures) is not None:
            assert figures.server_ms is not None and figures.database_ms is not None
            best = (
                f"{ceiling_cpu / (ceiling_cpu + figures.database_ms):>13.0%}"
                if ceiling_cpu
                else f"{'-':>13}"
            )
            cpu = (
                f"{'':>19}{figures.server_ms:>7.3f}{figures.database_ms:>9.3f}"
                f"{figures.load_ms:>7.3f} {best}"
            )
        print(
            f"{figures.name:<24}{figures.requests_per_second:>10.0f}{figures.p50_ms:>10.2f}"
            f"{figures.p99_ms:>10.2f}{ratio:>11.0%}{figures.errors:>9}{cpu}"
        )


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=12)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds; each endpoint gets DURATION seconds in all",
    )
    parser.add_argument("--orders-per-second", type=float, default=20.0)
    parser.add_argument("--shoppers", type=int, default=40)
    parser.add_argument("--python", default=sys.executable, help="the server's interpreter")
    parser.add_argument("--database", default=DATABASE, help="a MariaDB URL (dropped first)")
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--no-seed", action="store_true", help="keep the shop in --database")
    parser.add_argument(
        "--only", default="", help="comma-separated target names to keep (ping always runs)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-bench-"))
    port, sandbox_port = _free_port(), _free_port()
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update(
        {
            "XIAODIAN_ENV": "production",
            "XIAODIAN_DATABASE_URL": args.database,
            "XIAODIAN_REDIS_URL": args.redis,
            "XIAODIAN_SECRET_KEY": "bench-secret-key-0123456789abcdefgh",
            "XIAODIAN_MEDIA_DIR": str(workdir / "media"),
            "XIAODIAN_PUBLIC_BASE_URL": base,
            "XIAODIAN_LOG_LEVEL": "WARNING",
            "XIAODIAN_WECHAT_APPID": "wxbench0000000000",
            "XIAODIAN_WECHAT_SECRET": "bench-app-secret",
            "XIAODIAN_WECHAT_API_BASE": sandbox,
            # Steady orders from a few dozen shoppers on one address are not abuse here.
            "XIAODIAN_MAX_UNPAID_ORDERS_PER_SHOPPER": "1000",
            "XIAODIAN_ORDER_RATE_PER_SHOPPER": "off",
            "XIAODIAN_ORDER_RATE_PER_IP": "off",
            "XIAODIAN_WX_LOGIN_RATE_PER_IP": "off",
            "XIAODIAN_COUPON_CLAIM_RATE_PER_SHOPPER": "off",
        }
    )
    xiaodian = [args.python, "-m", "xiaodian"]
    if not args.no_seed:
        name = args.database.rsplit("/", 1)[1].split("?")[0]
        subprocess.run(
            ["mysql", "-h127.0.0.1", "-uroot", "-e", f"DROP DATABASE IF EXISTS `{name}`"],
            check=True,
        )
        subprocess.run([*xiaodian, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([*xiaodian, "seed"], env=env, check=True, capture_output=True)
    simulator = subprocess.Popen(
        [*xiaodian, "sandbox", "--port", str(sandbox_port), "--keys-dir", str(workdir / "keys")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [*xiaodian, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    per_round = max(1, -(-args.duration // args.rounds))
    busy: list[Figures] = []
    driver: OrderDriver | None = None
    try:
        wait_for(f"{base}/healthz")
        ids = [
            item["id"]
            for item in httpx.get(f"{base}/api/v1/goods", params={"page_size": 50}).json()["items"]
        ]
        script = workdir / "detail.lua"
        script.write_text(DETAIL_SCRIPT % ",".join(str(i) for i in ids))
        busted_list = workdir / "busted_list.lua"
        busted_list.write_text(BUSTED_LIST_SCRIPT)
        busted_search = workdir / "busted_search.lua"
        words = ",".join(f'"{quote(word)}"' for word in SEARCH_WORDS)
        busted_search.write_text(BUSTED_SEARCH_SCRIPT % words)
        targets: list[tuple[str, str, Path | None]] = [
            ("ping (ceiling)", f"{base}/api/v1/ping", None),
            ("GET /home", f"{base}/api/v1/home", None),
            ("GET /goods?sort=sales", f"{base}/api/v1/goods?sort=sales", None),
            ("GET /goods/{id}", f"{base}/api/v1/goods/{ids[0]}", script),
            ("list (cache-busted)", f"{base}/api/v1/goods", busted_list),
            ("search (cache-busted)", f"{base}/api/v1/goods", busted_search),
        ]
        if args.only:
            keep = {name.strip() for name in args.only.split(",")}
            targets = [t for t in targets if t[0] == "ping (ceiling)" or t[0] in keep]
        for _name, url, warm_script in targets:  # warm every worker's caches and connections
            run_wrk("warm-up", url, duration=2, connections=args.connections, script=warm_script)
        results = measure(
            targets,
            rounds=args.rounds,
            per_round=per_round,
            connections=args.connections,
            server_pid=server.pid,
        )
        if args.orders_per_second > 0:
            wait_for(f"{sandbox}/docs")
            sku_ids = [
                sku["id"]
                for goods_id in ids
                for sku in httpx.get(f"{base}/api/v1/goods/{goods_id}").json()["skus"]
                if sku["stock"] >= 50
            ]
            driver = OrderDriver(
                base=base,
                shoppers=login_shoppers(base, sandbox, args.shoppers),
                sku_ids=sku_ids,
                rate=args.orders_per_second,
            )
            driver.start()
            try:
                busy = measure(
                    targets,
                    rounds=args.rounds,
                    per_round=per_round,
                    connections=args.connections,
                    server_pid=server.pid,
                )
            finally:
                driver.stop()
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)

    ceiling = results[0].requests_per_second
    print(
        f"\nxiaodian catalog benchmark: {args.workers} workers, MariaDB + Redis, "
        f"{'the shop already in ' + args.database if args.no_seed else 'demo shop'}, "
        f"{args.connections} connections, {args.rounds} interleaved rounds x {per_round}s per "
        "endpoint, wrk (1 thread) on the same machine\n"
    )
    print_table(results, ceiling)
    if driver is not None:
        print(
            f"\nwhile orders are placed at {args.orders_per_second:g}/s: {driver.summary()} "
            "(ratios against the quiet ceiling above; the busy ceiling is the first row)\n"
        )
        print_table(busy, ceiling)


if __name__ == "__main__":
    main()
