"""Catalog read throughput against a real deployment shape, with the framework's ceiling beside it.

Starts `xiaodian serve --workers 2` on MariaDB + Redis with the demo shop, then drives
GET /api/v1/home, GET /api/v1/goods?sort=sales and GET /api/v1/goods/{id} (ids spread over
the catalog) with wrk at 50 connections, and the trivial GET /api/v1/ping as the ceiling, in
interleaved rounds so each endpoint gets DURATION seconds in all. Prints req/s (mean of the
rounds), p50 (median) and p99 (worst round) per endpoint, and each catalog figure as a ratio
of the ceiling measured in the same run.

    .venv/bin/python bench/catalog_load.py [--duration 10] [--connections 50]

Needs wrk (`apt-get install -y wrk`), MariaDB and Redis on 127.0.0.1 (scripts/services.sh).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xiaodian_bench"
REDIS = "redis://127.0.0.1:6379/14"
DETAIL_SCRIPT = """
local ids = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/goods/" .. ids[(n %% #ids) + 1])
end
"""


@dataclass
class Figures:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


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
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Figures(name, rps, p50, p99, int(errors.group(1)) if errors else 0)


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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-bench-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
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
        }
    )
    xiaodian = [sys.executable, "-m", "xiaodian"]
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-e", "DROP DATABASE IF EXISTS xiaodian_bench"],
        check=True,
    )
    subprocess.run([*xiaodian, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*xiaodian, "seed"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*xiaodian, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ids = [
            item["id"]
            for item in httpx.get(f"{base}/api/v1/goods", params={"page_size": 50}).json()["items"]
        ]
        script = workdir / "detail.lua"
        script.write_text(DETAIL_SCRIPT % ",".join(str(i) for i in ids))
        targets = [
            ("ping (ceiling)", f"{base}/api/v1/ping", None),
            ("GET /home", f"{base}/api/v1/home", None),
            ("GET /goods?sort=sales", f"{base}/api/v1/goods?sort=sales", None),
            ("GET /goods/{id}", f"{base}/api/v1/goods/{ids[0]}", script),
        ]
        for _name, url, _script in targets:  # warm every worker's caches and connections
            run_wrk("warm-up", url, duration=2, connections=args.connections, script=_script)
        # Interleave the endpoints in rounds so drift on a shared machine hits all alike.
        per_round = max(1, -(-args.duration // args.rounds))
        rounds = [
            [
                run_wrk(
                    name, url, duration=per_round, connections=args.connections, script=script_path
                )
                for name, url, script_path in targets
            ]
            for _ in range(args.rounds)
        ]
        results = [
            Figures(
                name=rounds[0][index].name,
                requests_per_second=sum(r[index].requests_per_second for r in rounds) / len(rounds),
                p50_ms=sorted(r[index].p50_ms for r in rounds)[len(rounds) // 2],
                p99_ms=max(r[index].p99_ms for r in rounds),
                errors=sum(r[index].errors for r in rounds),
            )
            for index in range(len(targets))
        ]
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)

    ceiling = results[0].requests_per_second
    print(
        f"\nxiaodian catalog benchmark: {args.workers} workers, MariaDB + Redis, demo shop, "
        f"{args.connections} connections, {args.rounds} interleaved rounds x {per_round}s per "
        "endpoint, wrk (1 thread) on the same machine\n"
    )
    print(
        f"{'endpoint':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ceiling':>12}{'non-2xx':>9}"
    )
    for figures in results:
        ratio = figures.requests_per_second / ceiling
        print(
            f"{figures.name:<24}{figures.requests_per_second:>10.0f}{figures.p50_ms:>10.2f}"
            f"{figures.p99_ms:>10.2f}{ratio:>11.0%}{figures.errors:>9}"
        )


if __name__ == "__main__":
    main()
