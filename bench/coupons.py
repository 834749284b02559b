"""Coupon figures against a real deployment shape, with the framework's ceiling beside them.

Starts `xiaodian serve --workers 2` on MariaDB + Redis (and the simulator for logins), then:

1. claims/s of one hot coupon: wrk at 50 connections, each request a claim by one of
   SHOPPERS shoppers (per-user limit 100, total large enough never to run out);
2. over-issue check: a 500-piece coupon hammered the same way until it is gone, then the
   201 answers, the coupon's counter and the user coupons in the database are compared
   (all three must be 500);
3. checkout preview p50/p99 for a cart of three goods with no coupon, and with five usable
   coupons (and a running 满减 promotion) to choose the best from;

each beside GET /api/v1/ping measured in the same run. Prints a table.

    .venv/bin/python bench/coupons.py [--duration 10] [--connections 50]

Needs wrk (`apt-get install -y wrk`), MariaDB and Redis on 127.0.0.1 (scripts/services.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from catalog_load import _free_port, print_table, run_wrk, wait_for

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xiaodian_bench_coupons"
REDIS = "redis://127.0.0.1:6379/13"
ADMIN = ("bench", "bench-password-1")
ROTATING_POST = """
local tokens = {%s}
local body = [[%s]]
local n = 0
request = function()
  n = n + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "%s", headers, body)
end
"""


def lua(workdir: Path, name: str, *, tokens: list[str], path: str, body: str = "") -> Path:
    script = workdir / f"{name}.lua"
    quoted = ",".join(f'"{token}"' for token in tokens)
    script.write_text(ROTATING_POST % (quoted, body, path))
    return script


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
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

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
        ping = f"{base}/api/v1/ping"
        run_wrk("warm-up", ping, duration=2, connections=args.connections)

        hot = make_coupon(base, admin, total=10_000_000, per_user_limit=100)
        path = f"/api/v1/coupons/{hot}/claim"
        claim_script = lua(workdir, "claim", tokens=tokens, path=path)
        ceiling = run_wrk(
            "ping (ceiling)", ping, duration=args.duration, connections=args.connections
        )
        claims = run_wrk(
            "POST claim (hot)",
            f"{base}{path}",
            duration=args.duration,
            connections=args.connections,
            script=claim_script,
        )
        hot_stats = httpx.get(f"{base}/api/admin/v1/coupons/{hot}/stats", headers=admin).json()

        scarce = make_coupon(base, admin, total=500, per_user_limit=100)
        scarce_path = f"/api/v1/coupons/{scarce}/claim"
        scarce_runs = run_wrk(
            "POST claim (500 pcs)",
            f"{base}{scarce_path}",
            duration=max(3, args.duration // 2),
            connections=args.connections,
            script=lua(workdir, "scarce", tokens=tokens, path=scarce_path),
        )
        scarce_stats = httpx.get(
            f"{base}/api/admin/v1/coupons/{scarce}/stats", headers=admin
        ).json()

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
        holder = login(base, sandbox, "bench-holder")
        for fields in (
            {"kind": "threshold", "threshold_fen": 9900, "discount_fen": 1000},
            {"kind": "threshold", "threshold_fen": 5000, "discount_fen": 500},
            {"kind": "percent", "percent_off": 10, "cap_fen": 2000, "stacks_with_promotions": True},
            {"kind": "no_threshold", "discount_fen": 300},
            {
                "kind": "no_threshold",
                "discount_fen": 800,
                "valid_from": (now + timedelta(days=1)).isoformat(),
            },
        ):
            coupon = make_coupon(base, admin, total=100, per_user_limit=1, **fields)
            httpx.post(
                f"{base}/api/v1/coupons/{coupon}/claim",
                headers={"Authorization": f"Bearer {holder}"},
            ).raise_for_status()
        body = json.dumps({"items": [{"sku_id": s, "quantity": 1} for s in sku_ids]})
        plain = run_wrk(
            "preview, no coupon",
            f"{base}/api/v1/orders/preview",
            duration=args.duration,
            connections=args.connections,
            script=lua(
                workdir, "plain", tokens=tokens[:20], path="/api/v1/orders/preview", body=body
            ),
        )
        with_coupons = run_wrk(
            "preview, 5 coupons",
            f"{base}/api/v1/orders/preview",
            duration=args.duration,
            connections=args.connections,
            script=lua(
                workdir, "coupons", tokens=[holder], path="/api/v1/orders/preview", body=body
            ),
        )
        check = httpx.post(
            f"{base}/api/v1/orders/preview",
            headers={"Authorization": f"Bearer {holder}"},
            content=body,
        ).json()
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=20)

    issued_hot = issued_in_database(hot)
    issued_scarce = issued_in_database(scarce)
    shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\nxiaodian coupon benchmark: {args.workers} workers, MariaDB + Redis, "
        f"{args.connections} connections, {args.shoppers} shoppers, {args.duration}s per run, "
        "wrk (1 thread) on the same machine\n"
    )
    print_table([ceiling, claims, scarce_runs, plain, with_coupons], ceiling.requests_per_second)
    hot_ok = (claims.requests_per_second * args.duration) - claims.errors
    print(
        f"\nhot coupon: about {hot_ok:.0f} claims answered 201 "
        f"({claims.requests_per_second:.0f} req/s, {claims.errors} non-2xx); "
        f"counter says {hot_stats['claimed']}, user coupons in the database {issued_hot}"
    )
    scarce_ok = (
        round(scarce_runs.requests_per_second * max(3, args.duration // 2)) - scarce_runs.errors
    )
    print(
        f"500-piece coupon: counter {scarce_stats['claimed']}, user coupons in the database "
        f"{issued_scarce}, over-issued {issued_scarce - 500} "
        f"(about {scarce_ok} answers were 201, the rest 409 coupon_sold_out)"
    )
    print(
        f"preview with coupons chose #{check['coupon_id']}: promotion "
        f"{check['promotion_discount_fen']} + coupon {check['coupon_discount_fen']} fen off; "
        f"{sum(not c['usable'] for c in check['coupons'])} of {len(check['coupons'])} unusable"
    )


if __name__ == "__main__":
    main()
