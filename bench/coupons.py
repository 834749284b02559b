"""Coupon figures against a real deployment shape, with the framework's ceiling beside them.

Starts `xiaodian serve --workers 2` on MariaDB + Redis (and the simulator for logins), then:

1. claims/s of one hot coupon: 50 connections, each request a claim by one of SHOPPERS
   shoppers (per-user limit 100, total large enough never to run out);
2. over-issue check: a 500-piece coupon hammered the same way until every connection has
   been told `coupon_sold_out`, then the 201 answers, the coupon's counter and the user
   coupons in the database are compared (all three must be 500);
3. checkout preview p50/p99 for a cart of three goods with no coupon, and with five usable
   coupons (and a running 满减 promotion) to choose the best from;

each beside GET /api/v1/ping measured in the same run by the same client: an asyncio httpx
client that counts every answer (wrk gives up on a request after 2 s and does not say what a
non-2xx answer was). Prints a table.

    .venv/bin/python bench/coupons.py [--duration 10] [--connections 50]

Needs MariaDB and Redis on 127.0.0.1 (scripts/services.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from catalog_load import _free_port, wait_for

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xiaodian_bench_coupons"
REDIS = "redis://127.0.0.1:6379/13"
ADMIN = ("bench", "bench-password-1")


@dataclass
class Run:
    """Every answer of one load run: counts by (status, error) and latencies."""

    name: str
    seconds: float
    outcomes: Counter[tuple[int, str]] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return sum(self.outcomes.values()) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms) or [0.0]
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def drive(
    name: str,
    call: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    *,
    base: str,
    connections: int,
    seconds: float,
    until_error: str | None = None,
) -> Run:
    """`connections` loops calling `call` for `seconds` (or until every loop has seen
    `until_error`); every answer is counted, none is lost to a client-side timeout."""
    run = Run(name=name, seconds=seconds)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    began = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:

        async def loop(number: int) -> None:
            sent = 0
            while time.monotonic() - began < seconds:
                started = time.monotonic()
                answer = await call(http, number * 100_000 + sent)
                sent += 1
                run.latencies_ms.append((time.monotonic() - started) * 1000)
                error = answer.json().get("error", "") if answer.status_code >= 400 else ""
                run.outcomes[(answer.status_code, error)] += 1
                if until_error is not None and error == until_error:
                    return

        await asyncio.gather(*(loop(n) for n in range(connections)))
    run.seconds = time.monotonic() - began
    return run


def login(base: str, sandbox: str, openid: str) -> str:
    code = httpx.post(f"{sandbox}/wechat/codes", json={"openid": openid}).json()["code"]
    answer = httpx.post(f"{base}/api/v1/auth/wx-login", json={"code": code})
    answer.raise_for_status()
    return str(answer.json()["token"])


def make_coupon(base: str, admin: dict[str, str], **fields: object) -> int:
    body = {"name": "爆款券", "kind": "no_threshold", "discount_fen": 100, "valid_days": 7}
    answer = httpx.post(f"{base}/api/admin/v1/coupons", headers=admin, json={**body, **fields})
    answer.raise_for_status()
    return int(answer.json()["id"])


def issued_in_database(coupon_id: int) -> int:
    query = f"SELECT COUNT(*) FROM user_coupons WHERE coupon_id = {int(coupon_id)}"  # noqa: S608
    output = subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-N", "-D", "xiaodian_bench_coupons", "-e", query],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output.strip())


def cart(base: str, admin: dict[str, str]) -> list[int]:
    category = httpx.post(f"{base}/api/admin/v1/categories", headers=admin, json={"name": "水果"})
    category.raise_for_status()
    sku_ids = []
    for title, price in (("苹果", 3333), ("梨", 1999), ("橙", 5000)):
        goods = httpx.post(
            f"{base}/api/admin/v1/goods",
            headers=admin,
            json={
                "category_id": category.json()["id"],
                "title": title,
                "is_on_shelf": True,
                "skus": [{"price_fen": price, "stock": 100_000}],
            },
        )
        goods.raise_for_status()
        sku_ids.append(int(goods.json()["skus"][0]["id"]))
    return sku_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shoppers", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-bench-coupons-"))
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
            "XIAODIAN_WX_LOGIN_RATE_PER_IP": "off",
            "XIAODIAN_COUPON_CLAIM_RATE_PER_SHOPPER": "off",
            "XIAODIAN_WECHAT_APPID": "wxbench0000000000",
            "XIAODIAN_WECHAT_SECRET": "bench-app-secret",
            "XIAODIAN_WECHAT_API_BASE": sandbox,
        }
    )
    xiaodian = [sys.executable, "-m", "xiaodian"]
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-e", "DROP DATABASE IF EXISTS xiaodian_bench_coupons"],
        check=True,
    )
    subprocess.run([*xiaodian, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*xiaodian, "createadmin", "--username", ADMIN[0], "--password", ADMIN[1]],
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
    server_log = (workdir / "serve.log").open("wb")
    server = subprocess.Popen(
        [*xiaodian, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for(f"{base}/healthz", seconds=90)
        except SystemExit:
            print((workdir / "serve.log").read_text(errors="replace")[-3000:])
            raise
        wait_for(f"{sandbox}/docs", seconds=60)
        token = httpx.post(
            f"{base}/api/admin/v1/auth/login",
            json={"username": ADMIN[0], "password": ADMIN[1]},
        ).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        tokens = [login(base, sandbox, f"bench-claimer-{n}") for n in range(args.shoppers)]
        figures = asyncio.run(measure(base, admin, sandbox, tokens, args))
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)
    report(figures, args)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def measure(
    base: str, admin: dict[str, str], sandbox: str, tokens: list[str], args: argparse.Namespace
) -> dict[str, object]:
    connections, seconds = args.connections, args.duration

    async def ping(http: httpx.AsyncClient, _n: int) -> httpx.Response:
        return await http.get("/api/v1/ping")

    await drive("warm-up", ping, base=base, connections=connections, seconds=2)
    ceiling = await drive(
        "ping (ceiling)", ping, base=base, connections=connections, seconds=seconds
    )

    hot = make_coupon(base, admin, total=10_000_000, per_user_limit=100)

    async def claim_hot(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.post(
            f"/api/v1/coupons/{hot}/claim", headers=auth(tokens[n % len(tokens)])
        )

    claims = await drive(
        "claim, hot coupon", claim_hot, base=base, connections=connections, seconds=seconds
    )
    hot_counter = httpx.get(f"{base}/api/admin/v1/coupons/{hot}/stats", headers=admin).json()[
        "claimed"
    ]

    scarce = make_coupon(base, admin, total=500, per_user_limit=100)

    async def claim_scarce(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.post(
            f"/api/v1/coupons/{scarce}/claim", headers=auth(tokens[n % len(tokens)])
        )

    sold_out = await drive(
        "claim, 500 pieces",
        claim_scarce,
        base=base,
        connections=connections,
        seconds=600,
        until_error="coupon_sold_out",
    )
    scarce_counter = httpx.get(f"{base}/api/admin/v1/coupons/{scarce}/stats", headers=admin).json()[
        "claimed"
    ]

    sku_ids = cart(base, admin)
    now = datetime.now(UTC)
    httpx.post(
        f"{base}/api/admin/v1/promotions",
        headers=admin,
        json={
            "name": "满59减5 满99减12",
            "tiers": [
                {"threshold_fen": 5900, "discount_fen": 500},
                {"threshold_fen": 9900, "discount_fen": 1200},
            ],
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat(),
        },
    ).raise_for_status()
    holders = [login(base, sandbox, f"bench-holder-{n}") for n in range(10)]
    later = (now + timedelta(days=1)).isoformat()
    for fields in (
        {"kind": "threshold", "threshold_fen": 9900, "discount_fen": 1000},
        {"kind": "threshold", "threshold_fen": 5000, "discount_fen": 500},
        {"kind": "percent", "percent_off": 10, "cap_fen": 2000, "stacks_with_promotions": True},
        {"kind": "no_threshold", "discount_fen": 300},
        {"kind": "no_threshold", "discount_fen": 800, "valid_from": later},
    ):
        coupon = make_coupon(base, admin, total=100, per_user_limit=1, **fields)
        for holder in holders:
            httpx.post(
                f"{base}/api/v1/coupons/{coupon}/claim", headers=auth(holder)
            ).raise_for_status()
    body = {"items": [{"sku_id": sku_id, "quantity": 1} for sku_id in sku_ids]}

    def preview_of(
        group: list[str],
    ) -> Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]:
        async def preview(http: httpx.AsyncClient, n: int) -> httpx.Response:
            return await http.post(
                "/api/v1/orders/preview", headers=auth(group[n % len(group)]), json=body
            )

        return preview

    empty_handed = [login(base, sandbox, f"bench-empty-{n}") for n in range(10)]
    plain = await drive(
        "preview, no coupon",
        preview_of(empty_handed),
        base=base,
        connections=connections,
        seconds=seconds,
    )
    with_coupons = await drive(
        "preview, 5 coupons",
        preview_of(holders),
        base=base,
        connections=connections,
        seconds=seconds,
    )
    check = httpx.post(f"{base}/api/v1/orders/preview", headers=auth(holders[0]), json=body).json()
    return {
        "runs": [ceiling, claims, sold_out, plain, with_coupons],
        "claims": claims,
        "sold_out": sold_out,
        "hot_counter": hot_counter,
        "hot_issued": issued_in_database(hot),
        "scarce_counter": scarce_counter,
        "scarce_issued": issued_in_database(scarce),
        "check": check,
    }


def report(figures: dict[str, object], args: argparse.Namespace) -> None:
    runs: list[Run] = figures["runs"]  # type: ignore[assignment]
    ceiling = runs[0].per_second
    print(
        f"\nxiaodian coupon benchmark: {args.workers} workers, MariaDB + Redis, "
        f"{args.connections} connections, {args.shoppers} shoppers, {args.duration}s per run, "
        "an asyncio httpx client on the same machine (every answer counted)\n"
    )
    print(f"{'run':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs ping':>9}  answers")
    for run in runs:
        answers = ", ".join(
            f"{status} {error or ''}".strip() + f": {count}"
            for (status, error), count in sorted(run.outcomes.items())
        )
        print(
            f"{run.name:<22}{run.per_second:>9.0f}{run.percentile(0.5):>9.1f}"
            f"{run.percentile(0.99):>9.1f}{run.per_second / ceiling:>9.1%}  {answers}"
        )
    claims: Run = figures["claims"]  # type: ignore[assignment]
    sold_out: Run = figures["sold_out"]  # type: ignore[assignment]
    granted = claims.outcomes[(201, "")]
    print(
        f"\nhot coupon: {granted / claims.seconds:.0f} claims/s granted; 201 answers {granted}, "
        f"counter {figures['hot_counter']}, user coupons in the database {figures['hot_issued']}"
    )
    scarce = sold_out.outcomes[(201, "")]
    issued = int(str(figures["scarce_issued"]))
    print(
        f"500-piece coupon: 201 answers {scarce}, counter {figures['scarce_counter']},"
        f" user coupons in the database {issued}: over-issued {issued - 500}"
    )
    check: dict[str, object] = figures["check"]  # type: ignore[assignment]
    print(f"a preview with coupons answers: {str(check)[:400]}")


if __name__ == "__main__":
    main()
