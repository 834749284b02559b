"""`xiaodian serve` as the network sees it: a proxy trusted only when configured (Secure cookies
and HSTS behind a load balancer on another host), /metrics refused to strangers even through
that proxy, 413 before an oversized body is sent, no API docs, and no start without a key."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live.conftest import free_port, server_env, start, stop
from xiaodian.config import Settings

pytestmark = pytest.mark.live

LOAD_BALANCER = "127.0.0.2"  # another address of this machine, standing in for another host
METRICS_TOKEN = "live-metrics-token-0123456789"


@pytest.fixture(scope="module")
def hardened_shop(settings: Settings, migrated: str, workdir: Path) -> Iterator[str]:
    """`serve` behind a (pretend) load balancer at 127.0.0.2, with its access log on."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url="http://127.0.0.1:9", base_url=base_url)
    env["XIAODIAN_TRUSTED_PROXIES"] = LOAD_BALANCER
    env["XIAODIAN_METRICS_TOKEN"] = METRICS_TOKEN
    env["XIAODIAN_LOG_LEVEL"] = "INFO"
    server = start(
        ["serve", "--port", str(port), "--access-log"],
        env,
        f"{base_url}/healthz",
        workdir / "hardened.log",
    )
    try:
        yield base_url
    finally:
        stop(server)


def _via(address: str) -> httpx.Client:
    """Requests whose TCP connection comes from `address`."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_forwarded_https_is_believed_only_from_the_configured_trusted_proxy(
    hardened_shop: str,
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with _via(LOAD_BALANCER) as balancer:
        page = balancer.get(f"{hardened_shop}/console/login", headers=forwarded)
    assert page.status_code == 200
    assert "secure" in page.headers["set-cookie"].lower()
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    with _via("127.0.0.1") as untrusted:
        spoofed = untrusted.get(f"{hardened_shop}/console/login", headers=forwarded)
    assert "secure" not in spoofed.headers["set-cookie"].lower()
    assert "strict-transport-security" not in spoofed.headers


def test_metrics_are_refused_to_a_public_client_behind_the_proxy_without_the_token(
    hardened_shop: str,
) -> None:
    with _via("127.0.0.1") as local:
        assert local.get(f"{hardened_shop}/metrics").status_code == 200
    public = {"X-Forwarded-For": "203.0.113.9"}
    with _via(LOAD_BALANCER) as balancer:
        assert balancer.get(f"{hardened_shop}/metrics", headers=public).status_code == 403
        with_token = {**public, "Authorization": f"Bearer {METRICS_TOKEN}"}
        assert balancer.get(f"{hardened_shop}/metrics", headers=with_token).status_code == 200


def test_api_docs_are_not_served_in_production(hardened_shop: str) -> None:
    for path in ("/docs", "/openapi.json"):
        assert httpx.get(f"{hardened_shop}{path}").status_code == 404


def test_an_oversized_declared_body_is_answered_413_before_the_client_sends_it(
    hardened_shop: str,
) -> None:
    host, port = hardened_shop.removeprefix("http://").split(":")
    head = (
        "POST /api/v1/auth/wx-login HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {15 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(head.encode() + b'{"code": "' + b"x" * 1024)
        answer = _read_answer(connection).decode(errors="replace")  # times out if it waits
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "payload_too_large" in answer


def _read_answer(connection: socket.socket) -> bytes:
    """Read one whole answer: the head, then as many body bytes as it declares.

    The head and the body may arrive in separate segments, so one recv() is not enough.
    """
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = connection.recv(4096)
        if not chunk:
            return answer
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    declared = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < declared:
        chunk = connection.recv(4096)
        if not chunk:
            break
        body += chunk
    return answer[: len(head) + 4] + body


@pytest.mark.parametrize("env_name", ["test", "demo", "production"])
def test_serve_refuses_to_start_without_a_secret_key_whatever_the_env(
    settings: Settings, env_name: str
) -> None:
    env = server_env(settings, sandbox_url="http://127.0.0.1:9", base_url="http://127.0.0.1:9")
    env["XIAODIAN_ENV"] = env_name
    env.pop("XIAODIAN_SECRET_KEY")
    finished = subprocess.run(
        [sys.executable, "-m", "xiaodian", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert b"XIAODIAN_SECRET_KEY must be set" in finished.stderr


def test_the_access_log_redacts_tokens_in_query_strings(hardened_shop: str, workdir: Path) -> None:
    log = workdir / "hardened.log"
    httpx.get(f"{hardened_shop}/api/v1/ping?token=leaked-in-a-link-0123&page=2")
    deadline = time.monotonic() + 10
    while "/api/v1/ping" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    written = log.read_text()
    assert "/api/v1/ping?token=[redacted]&page=2" in written
    assert "leaked-in-a-link-0123" not in written
