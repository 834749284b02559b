"""Live stock fan-out: many WebSocket clients on one goods item across two server processes.

Starts two `xiaodian serve` processes (one worker each) on one MariaDB and one Redis, opens
CLIENTS sockets split evenly between them (from two client processes), subscribes each to one
goods item, then changes that item's stock through the merchant API at a steady RATE per
second (alternating between the two servers) for DURATION seconds. Prints:

- commit-to-receipt latency p50/p99 over every (change, client) pair, measured from the API
  answer arriving (the commit happened before it: a slight under-estimate) and from the request
  being sent (an over-estimate);
- messages lost (a `seq` gap or a client that never saw the last value; must be 0) and values
  merged by coalescing (changes closer than XIAODIAN_LIVE_COALESCE_MS, not a loss);
- each server's memory per connection (RSS after the clients subscribed minus before, over the
  connections it holds);
- GET /api/v1/ping's p50/p99 measured during the same run, and the ratio.

    .venv/bin/python bench/ws_fanout.py [--clients 1000] [--rate 10] [--duration 20]

Needs MariaDB and Redis on 127.0.0.1. The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

DATABASE = "mysql+asyncmy://root@127.0.0.1:3306/xd_live_bench"
REDIS = "redis://127.0.0.1:6379/10"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process used so far (independent of how busy the machine is)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# ---- client processes ----


def client_process(url: str, goods_id: int, count: int, pipe: Any, stop: Any) -> None:
    asyncio.run(_clients(url, goods_id, count, pipe, stop))


async def _clients(url: str, goods_id: int, count: int, pipe: Any, stop: Any) -> None:
    from websockets.asyncio.client import connect

    received: list[list[tuple[int, int, float]]] = [[] for _ in range(count)]
    snapshots: list[int] = [0] * count
    ready = 0

    async def one(index: int) -> None:
        nonlocal ready
        async with connect(url, open_timeout=60, max_queue=None) as ws:
            await ws.send(json.dumps({"op": "subscribe", "goods_ids": [goods_id]}))
            snapshot = json.loads(await ws.recv())
            snapshots[index] = int(snapshot["seq"])
            ready += 1
            mine = received[index]
            # No pings: the run is shorter than the idle timeout it sets; the server's close
            # at the end (or the stop below) ends the loop.
            async for raw in ws:
                now = time.monotonic()
                frame = json.loads(raw)
                if frame.get("type") == "stock":
                    mine.append((int(frame["seq"]), int(frame["stock"]), now))

    tasks = []
    for start in range(0, count, 50):  # open in batches
        tasks += [asyncio.create_task(one(i)) for i in range(start, min(start + 50, count))]
        while ready < len(tasks):
            await asyncio.sleep(0.02)
            for task in tasks:
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
    pipe.send(("ready", count))
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(("done", snapshots, received))


# ---- the run ----


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2.0, help="stock changes per second")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--coalesce-ms", type=int, default=50)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="xiaodian-ws-bench-"))
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    env = {key: value for key, value in os.environ.items() if not key.startswith("XIAODIAN_")}
    env.update(
        {
            "XIAODIAN_ENV": "production",
            "XIAODIAN_DATABASE_URL": DATABASE,
            "XIAODIAN_REDIS_URL": REDIS,
            "XIAODIAN_SECRET_KEY": "bench-secret-key-0123456789abcdefgh",
            "XIAODIAN_MEDIA_DIR": str(workdir / "media"),
            "XIAODIAN_PUBLIC_BASE_URL": bases[0],
            "XIAODIAN_LOG_LEVEL": "WARNING",
            "XIAODIAN_WECHAT_APPID": "wxbench0000000000",
            "XIAODIAN_WECHAT_SECRET": "bench-app-secret",
            "XIAODIAN_LIVE_MAX_CONNECTIONS_PER_IP": str(args.clients + 10),
            "XIAODIAN_LIVE_COALESCE_MS": str(args.coalesce_ms),
            "XIAODIAN_LIVE_IDLE_SECONDS": "3600",
            "XIAODIAN_RUN_JOBS_IN_PROCESS": "false",
        }
    )
    xiaodian = [sys.executable, "-m", "xiaodian"]
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-uroot", "-e", "DROP DATABASE IF EXISTS xd_live_bench"],
        check=True,
    )
    subprocess.run(["redis-cli", "-n", "10", "flushdb"], check=True, capture_output=True)
    subprocess.run([*xiaodian, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*xiaodian, "createadmin", "--username", "bench", "--password", "bench12345"],
        env=env,
        check=True,
        capture_output=True,
    )
    servers = [
        subprocess.Popen(
            [*xiaodian, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(workdir / f"serve{n}.log").open("wb"),
        )
        for n, port in enumerate(ports)
    ]
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    clients: list[tuple[Any, Any]] = []
    try:
        for base in bases:
            _wait_for(f"{base}/healthz")
        http = httpx.Client(timeout=30)
        token = http.post(
            f"{bases[0]}/api/admin/v1/auth/login",
            json={"username": "bench", "password": "bench12345"},
        ).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        category = http.post(
            f"{bases[0]}/api/admin/v1/categories", headers=admin, json={"name": "直播"}
        ).json()
        goods = http.post(
            f"{bases[0]}/api/admin/v1/goods",
            headers=admin,
            json={
                "category_id": category["id"],
                "title": "实时库存",
                "is_on_shelf": True,
                "skus": [{"price_fen": 990, "stock": 1_000_000}],
            },
        ).json()
        goods_id, sku_id = goods["id"], goods["skus"][0]["id"]
        rss_before = [_rss_kib(server.pid) for server in servers]
        per_server = [args.clients // 2, args.clients - args.clients // 2]
        for base, count in zip(bases, per_server, strict=True):
            parent, child = spawn.Pipe()
            url = base.replace("http://", "ws://") + "/api/v1/ws"
            process = spawn.Process(
                target=client_process, args=(url, goods_id, count, child, stop), daemon=True
            )
            process.start()
            clients.append((process, parent))
        for _process, pipe in clients:
            message = pipe.recv()
            assert message[0] == "ready", message
        time.sleep(1)  # let the servers' memory settle after the last handshakes
        rss_after = [_rss_kib(server.pid) for server in servers]

        cpu_before = [_cpu_seconds(server.pid) for server in servers]
        changes, pings = asyncio.run(
            _drive(bases, admin, sku_id, rate=args.rate, duration=args.duration)
        )
        time.sleep(1.5)  # the last frames' way to every client
        cpu_used = [
            _cpu_seconds(server.pid) - before
            for server, before in zip(servers, cpu_before, strict=True)
        ]
        stop.set()
        results = [pipe.recv() for _process, pipe in clients]
        for process, _pipe in clients:
            process.join(timeout=30)
    finally:
        stop.set()
        for process, _pipe in clients:
            if process.is_alive():
                process.terminate()
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        for log in sorted(workdir.glob("serve*.log")):
            text = log.read_text(errors="replace").strip()
            if text:
                print(f"--- {log.name} (last lines) ---\n{text[-2000:]}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)

    by_stock = {stock: (sent, answered) for stock, sent, answered in changes}
    final_stock = min(by_stock)
    from_answer: list[float] = []
    from_request: list[float] = []
    lost = merged = frames = 0
    connections = 0
    for _tag, snapshots, received in results:
        for snapshot_seq, frames_of_one in zip(snapshots, received, strict=True):
            connections += 1
            frames += len(frames_of_one)
            previous = snapshot_seq
            seen = set()
            for seq, stock, at in frames_of_one:
                if seq != previous + 1:
                    lost += max(seq - previous - 1, 0)
                previous = seq
                seen.add(stock)
                if stock in by_stock:
                    sent, answered = by_stock[stock]
                    from_answer.append((at - answered) * 1000)
                    from_request.append((at - sent) * 1000)
            if final_stock not in seen:
                lost += 1
            merged += len(set(by_stock) - seen)
    ok = [latency for _status, latency in pings if _status == 200]
    ping_p50, ping_p99 = _percentile(ok, 0.5), _percentile(ok, 0.99)
    p50, p99 = _percentile(from_answer, 0.5), _percentile(from_answer, 0.99)
    print(
        f"\nxiaodian live fan-out: {connections} WebSocket clients on one goods item across 2 "
        f"server processes (1 worker each, MariaDB + Redis pub/sub), {len(changes)} stock "
        f"changes through the merchant API at {args.rate:g}/s for {args.duration:g}s, "
        f"coalescing {args.coalesce_ms} ms; clients in 2 processes on the same machine "
        "(2 cores shared with other work: noisy)\n"
    )
    print(f"frames received          {frames} (expected {connections * len(changes)})")
    print(f"messages lost            {lost}")
    print(f"values merged (coalesce) {merged}")
    print(f"commit→receipt p50       {p50:.1f} ms   (from the API answer)")
    print(f"commit→receipt p99       {p99:.1f} ms")
    print(
        f"request→receipt p50/p99  {_percentile(from_request, 0.5):.1f} / "
        f"{_percentile(from_request, 0.99):.1f} ms   (from the request being sent)"
    )
    print(f"GET /api/v1/ping p50/p99 {ping_p50:.1f} / {ping_p99:.1f} ms   (same run)")
    print(f"receipt p99 / ping p99   {p99 / ping_p99:.1f}x")
    rows = zip(rss_before, rss_after, per_server, cpu_used, strict=True)
    for n, (before, after, count, cpu) in enumerate(rows):
        sent = count * len(changes)
        print(
            f"server {n}: RSS {before / 1024:.0f} → {after / 1024:.0f} MiB with {count} sockets, "
            f"{(after - before) / max(count, 1):.1f} KiB per connection; CPU {cpu:.1f} s for "
            f"{sent} frames and {len(changes) // 2} changes = {cpu / max(sent, 1) * 1e6:.0f} µs "
            "per frame (all of the process's work / frames)"
        )


async def _drive(
    bases: list[str], admin: dict[str, str], sku_id: int, *, rate: float, duration: float
) -> tuple[list[tuple[int, float, float]], list[tuple[int, float]]]:
    """PATCH stock_delta=-1 at `rate`/s (alternating servers) and ping beside it."""
    changes: list[tuple[int, float, float]] = []
    pings: list[tuple[int, float]] = []
    async with httpx.AsyncClient(timeout=120) as http:
        began = time.monotonic()
        deadline = began + duration

        async def pinger() -> None:
            while time.monotonic() < deadline:
                sent = time.monotonic()
                answer = await http.get(f"{bases[len(pings) % 2]}/api/v1/ping")
                pings.append((answer.status_code, (time.monotonic() - sent) * 1000))
                await asyncio.sleep(0.05)

        async def change(number: int) -> None:
            sent = time.monotonic()
            answer = await http.patch(
                f"{bases[number % 2]}/api/admin/v1/skus/{sku_id}",
                headers=admin,
                json={"stock_delta": -1},
            )
            answered = time.monotonic()
            answer.raise_for_status()
            changes.append((int(answer.json()["stock"]), sent, answered))

        ping_task = asyncio.create_task(pinger())
        tasks = []
        number = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(max(0.0, began + number / rate - time.monotonic()))
            tasks.append(asyncio.create_task(change(number)))
            number += 1
        await asyncio.gather(*tasks, ping_task)
    return changes, pings


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


if __name__ == "__main__":
    main()
