"""Shopping throughput with many shoppers: add to cart, update a cart line, checkout preview and
placing orders, with the trivial endpoint's ceiling measured in the same run.

Starts `xiaodian serve --workers 2` on MariaDB + Redis with the demo shop (or, with
`--no-seed`, the shop already in `--database`, as `bench/scale.py` does), logs SHOPPERS shoppers
in through the simulator (its own process), each with an address, and drives with wrk at 50
connections, requests spread over the shoppers:

- `POST /api/v1/cart/items` (one unit of one of 10 SKUs; answers the whole cart),
- `PATCH /api/v1/cart/items/{id}` (a varied quantity on one of the shopper's lines),
- `POST /api/v1/orders/preview` (3 lines),
- `POST /api/v1/orders` (3 lines, one unit each: orders placed per second),

and `GET /api/v1/ping` as the ceiling, in interleaved rounds. Prints req/s, p50/p99 and the
ratio to the ceiling; non-2xx answers are counted (a benchmark that measures refusals measures
nothing). The 10 SKUs get a large stock first and the abuse limits are lifted for the run.

    .venv/bin/python bench/shopping_load.py [--duration 12] [--rounds 3] [--shoppers 50]

Needs wrk, MariaDB and Redis on 127.0.0.1. `--python PATH` runs another checkout's server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from catalog_load import (
    DATABASE,
    REDIS,
    Figures,
    _free_port,
    login_shoppers,
    measure,
    print_table,
    run_wrk,
    wait_for,
)

POST_SCRIPT = """
local tokens = {%(tokens)s}
local bodies = {%(bodies)s}
local paths = {%(paths)s}
local n = %(start)d
request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  headers["Content-Type"] = "application/json"
  return wrk.format("%(method)s", paths[(n %% #paths) + 1], headers, bodies[(n %% #bodies) + 1])
end
"""


def lua_strings(values: list[str]) -> str:
    return ",".join(json.dumps(value) for value in values)


def post_script(
    path: Path, *, method: str, tokens: list[str], paths: list[str], bodies: list[str]
) -> Path:
    path.write_text(
        POST_SCRIPT
        % {
            "tokens": lua_strings(tokens),
            "paths": lua_strings(paths),
            "bodies": lua_strings(bodies),
            "method": method,
            "start": int.from_bytes(os.urandom(3), "big"),
        }
    )
    return path


def mysql(database: str, statement: str) -> None:
    name = database.rsplit("/", 1)[1].split("?")[0]
    subprocess.run(["mysql", "-h127.0.0.1", "-uroot", name, "-e", statement], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=12)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shoppers", type=int, default=50)
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

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-shopping-"))
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
            # Thousands of orders from a few dozen shoppers are the point here, not abuse.
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
    placed: Figures | None = None
    try:
        wait_for(f"{base}/healthz", seconds=180)  # two workers start slowly on a loaded machine
        wait_for(f"{sandbox}/docs", seconds=180)
        goods = httpx.get(f"{base}/api/v1/goods", params={"page_size": 10}).json()["items"]
        sku_ids = [
            httpx.get(f"{base}/api/v1/goods/{item['id']}").json()["skus"][0]["id"] for item in goods
        ][:10]
        # Enough stock for every order of the run, and empty carts to start from.
        ids = ",".join(str(sku_id) for sku_id in sku_ids)
        mysql(args.database, f"UPDATE skus SET stock = 100000000 WHERE id IN ({ids})")  # noqa: S608
        mysql(args.database, "DELETE FROM cart_items")
        shoppers = login_shoppers(base, sandbox, args.shoppers)
        tokens = [shopper["Authorization"].split(" ", 1)[1] for shopper in shoppers]
        # Each shopper's cart holds the 10 SKUs, so a PATCH always finds its line.
        line_ids: list[int] = []
        for shopper in shoppers:
            auth = {"Authorization": shopper["Authorization"]}
            for sku_id in sku_ids:
                answer = httpx.post(
                    f"{base}/api/v1/cart/items", headers=auth, json={"sku_id": sku_id}
                )
                answer.raise_for_status()
            line_ids.append(answer.json()["items"][0]["id"])
        three = [
            [{"sku_id": sku_ids[(k + j) % len(sku_ids)], "quantity": 1} for j in range(3)]
            for k in range(len(sku_ids))
        ]
        # Bodies carry the shopper's own address: one body per shopper.
        previews = [
            json.dumps({"items": three[i % len(three)], "address_id": int(s["address_id"])})
            for i, s in enumerate(shoppers)
        ]
        add_script = post_script(
            workdir / "add.lua",
            method="POST",
            tokens=tokens,
            paths=["/api/v1/cart/items"],
            bodies=[json.dumps({"sku_id": sku_id, "quantity": 1}) for sku_id in sku_ids],
        )
        patch_script = post_script(
            workdir / "patch.lua",
            method="PATCH",
            tokens=tokens,
            paths=[f"/api/v1/cart/items/{line_id}" for line_id in line_ids],
            bodies=[json.dumps({"quantity": q}) for q in (1, 2, 3, 4, 5)],
        )
        # A PATCH must name the requesting shopper's own line: request n goes as shopper
        # n mod SHOPPERS to path n mod SHOPPERS (one line per shopper), so they line up.
        preview_script = _per_shopper_script(
            workdir / "preview.lua", tokens, "/api/v1/orders/preview", previews
        )
        order_script = _per_shopper_script(
            workdir / "order.lua", tokens, "/api/v1/orders", previews
        )
        targets: list[tuple[str, str, Path | None]] = [
            ("ping (ceiling)", f"{base}/api/v1/ping", None),
            ("add to cart", base, add_script),
            ("update cart line", base, patch_script),
            ("checkout preview", base, preview_script),
            ("place order (3 lines)", base, order_script),
        ]
        if args.only:
            keep = {name.strip() for name in args.only.split(",")}
            targets = [t for t in targets if t[0] == "ping (ceiling)" or t[0] in keep]
        for _name, url, script in targets:  # warm every worker's caches and connections
            run_wrk("warm-up", url, duration=2, connections=args.connections, script=script)
        results = measure(
            targets,
            rounds=args.rounds,
            per_round=per_round,
            connections=args.connections,
            server_pid=server.pid,
        )
        placed = results[-1] if targets[-1][0].startswith("place order") else None
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)

    ceiling = results[0].requests_per_second
    print(
        f"\nxiaodian shopping benchmark: {args.workers} workers, MariaDB + Redis, "
        f"{'the shop already in ' + args.database if args.no_seed else 'demo shop'}, "
        f"{args.shoppers} shoppers, 10 SKUs, {args.connections} connections, {args.rounds} "
        f"interleaved rounds x {per_round}s per endpoint, wrk (1 thread) on the same machine\n"
    )
    print_table(results, ceiling)
    if placed is not None:
        print(
            f"\norders placed: {placed.requests_per_second:.0f}/s "
            f"(3 lines each; {placed.errors} refused)"
        )


def _per_shopper_script(path: Path, tokens: list[str], url: str, bodies: list[str]) -> Path:
    """Request n goes as shopper i = n mod SHOPPERS with body i (their own address)."""
    script = """
local tokens = {%s}
local bodies = {%s}
local n = %d
request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "%s", headers, bodies[i])
end
"""
    path.write_text(
        script
        % (lua_strings(tokens), lua_strings(bodies), int.from_bytes(os.urandom(3), "big"), url)
    )
    return path


if __name__ == "__main__":
    main()
