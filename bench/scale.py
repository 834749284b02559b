"""The large shop: seed it on MariaDB with `xiaodian seed --scale N` (bulk inserts), time the
merchant console's order list and dashboard on it, then rerun bench/catalog_load.py and
bench/shopping_load.py against it (ratios to /api/v1/ping measured in the same runs).

    .venv/bin/python bench/scale.py [--scale 20] [--keep] [--duration 12] [--rounds 3]

`--scale 20` is 20,000 goods (60,000 SKUs), 200,000 shoppers and 1,000,000 past orders.
`--keep` reuses a shop already seeded in `--database` (seeding takes minutes). Prints the
seeding time, the console timings (20 serial requests each after a warm-up: p50 and worst)
and both benchmarks' tables. Needs wrk, MariaDB and Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from catalog_load import REDIS, _free_port, wait_for

HERE = Path(__file__).resolve().parent
DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xiaodian_bench_scale"


def console_timings(python: str, env: dict[str, str], workdir: Path) -> list[str]:
    """p50 and worst of 20 serial requests per console page, one worker, after a warm-up."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "XIAODIAN_PUBLIC_BASE_URL": base, "XIAODIAN_MEDIA_DIR": str(workdir / "m")}
    owner = ["--username", "scale-owner", "--password", "scale-password-1", "--role", "owner"]
    subprocess.run(
        [python, "-m", "xiaodian", "createadmin", *owner],
        env=env,
        check=False,
        capture_output=True,
    )
    server = subprocess.Popen(
        [python, "-m", "xiaodian", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = []
    try:
        wait_for(f"{base}/healthz", seconds=180)  # two workers start slowly on a loaded machine
        login = httpx.post(
            f"{base}/api/admin/v1/auth/login",
            json={"username": "scale-owner", "password": "scale-password-1"},
        )
        login.raise_for_status()
        cookies = {"xd_admin": login.json()["token"]}
        pages = {
            "console dashboard (/console/)": "/console/",
            "console order list (/console/orders)": "/console/orders",
            "console orders, 已完成 tab": "/console/orders?status=completed",
            "merchant API GET /api/admin/v1/orders": "/api/admin/v1/orders",
        }
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as http:
            for name, path in pages.items():
                took: list[float] = []
                try:
                    for _ in range(21):  # the first is the warm-up
                        began = time.perf_counter()
                        answer = http.get(path)
                        took.append((time.perf_counter() - began) * 1000)
                        if answer.status_code != 200:
                            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")
                except httpx.TimeoutException:
                    lines.append(f"{name:<42}no answer within 60 s")
                    continue
                took = sorted(took[1:])
                lines.append(f"{name:<42}p50 {took[10]:7.1f} ms   worst {took[-1]:7.1f} ms")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # stuck in a long query
            server.kill()
            server.wait()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--keep", action="store_true", help="reuse the shop in --database")
    parser.add_argument("--duration", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the server's interpreter")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update(
        {
            "XIAODIAN_ENV": "production",
            "XIAODIAN_DATABASE_URL": args.database,
            "XIAODIAN_REDIS_URL": args.redis,
            "XIAODIAN_SECRET_KEY": "bench-secret-key-0123456789abcdefgh",
            "XIAODIAN_LOG_LEVEL": "WARNING",
            "XIAODIAN_WECHAT_APPID": "wxbench0000000000",
            "XIAODIAN_WECHAT_SECRET": "bench-app-secret",
        }
    )
    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-scale-"))
    env["XIAODIAN_MEDIA_DIR"] = str(workdir / "media")
    seeding = "reused"
    if not args.keep:
        name = args.database.rsplit("/", 1)[1]
        subprocess.run(
            ["mysql", "-h127.0.0.1", "-uroot", "-e", f"DROP DATABASE IF EXISTS `{name}`"],
            check=True,
        )
        subprocess.run(
            [args.python, "-m", "xiaodian", "migrate"], env=env, check=True, capture_output=True
        )
        began = time.monotonic()
        seeded = subprocess.run(
            [args.python, "-m", "xiaodian", "seed", "--scale", str(args.scale)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        bulk = re.search(r"large shop seeded in ([\d.]+) s: (.*)", seeded.stdout)
        seeding = (
            f"{time.monotonic() - began:.0f} s in all (demo shop + bulk part "
            f"{bulk.group(1) if bulk else '?'} s): {bulk.group(2) if bulk else seeded.stdout}"
        )
    console = console_timings(args.python, env, workdir)
    common = ["--database", args.database, "--redis", args.redis, "--no-seed"]
    common += ["--duration", str(args.duration), "--rounds", str(args.rounds)]
    common += ["--python", args.python]
    catalog = subprocess.run(
        [sys.executable, str(HERE / "catalog_load.py"), *common, "--orders-per-second", "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    shopping = subprocess.run(
        [sys.executable, str(HERE / "shopping_load.py"), *common],
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"\nxiaodian at scale {args.scale}: seeding {seeding}\n")
    print("\n".join(console))
    print(catalog.stdout.strip().split("\n\n", 1)[-1] if catalog.stdout else catalog.stderr)
    print(shopping.stdout.strip())


if __name__ == "__main__":
    main()
