"""MariaDB goes away under a running `xiaodian serve` and comes back: 503 with Retry-After and
one log line while it is gone, service again without restarting the shop.

The test starts a MariaDB of its own (its own data directory, port and socket under /tmp, run
with mariadbd as a child process) and kills that one; the shared server on 3306 is never
touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live.conftest import free_port, server_env, start, stop
from xiaodian.config import Settings

pytestmark = pytest.mark.live

MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")
INSTALL_DB = shutil.which("mariadb-install-db")
STRANGER = {"Authorization": "Bearer not-a-real-token", "Connection": "close"}


@dataclass
class PrivateMariaDB:
    """A MariaDB server owned by one test: started, killed and restarted at will."""

    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mysql+asyncmy://root@127.0.0.1:{self.port}/xiaodian_outage"

    def install(self) -> None:
        subprocess.run(
            [
                str(INSTALL_DB),
                "--no-defaults",
                f"--datadir={self.home / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *(["--user=root"] if os.geteuid() == 0 else []),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        log = (self.home / "mariadbd.out").open("ab")
        self.process = subprocess.Popen(
            [
                str(MARIADBD),
                "--no-defaults",
                f"--datadir={self.home / 'data'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.home / 'mysqld.sock'}",
                f"--pid-file={self.home / 'mysqld.pid'}",
                f"--log-error={self.home / 'error.log'}",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                *(["--user=root"] if os.geteuid() == 0 else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        """Until the server greets a client (its handshake is the first thing it sends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.error_log()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(16):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"mariadbd did not come up: {self.error_log()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def error_log(self) -> str:
        path = self.home / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture
def private_mariadb() -> Iterator[PrivateMariaDB]:
    if MARIADBD is None or INSTALL_DB is None:
        pytest.skip(
            "mariadbd / mariadb-install-db are not installed (apt-get install mariadb-server)"
        )
    # Under /tmp, not pytest's tmp_path: a Unix socket path must stay under 108 bytes.
    server = PrivateMariaDB(home=Path(tempfile.mkdtemp(prefix="xd-mariadb-")), port=free_port())
    try:
        server.install()
        server.start()
        yield server
    finally:
        if server.process is not None:
            server.kill()
        shutil.rmtree(server.home, ignore_errors=True)


def _log_messages(log: Path) -> list[str]:
    messages = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            messages.append(str(json.loads(line).get("message", "")))
        except ValueError:
            messages.append(line)
    return messages


def _count(log: Path, prefix: str) -> int:
    return sum(message.startswith(prefix) for message in _log_messages(log))


def _until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"still not true after {timeout}s")


def test_serve_answers_503_with_retry_after_while_mariadb_is_down_and_recovers_by_itself(
    private_mariadb: PrivateMariaDB, settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url="http://127.0.0.1:9", base_url=base_url)
    env.pop("XIAODIAN_REDIS_URL", None)
    env["XIAODIAN_DATABASE_URL"] = private_mariadb.url
    env["XIAODIAN_LOG_JSON"] = "true"
    subprocess.run(
        [sys.executable, "-m", "xiaodian", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = tmp_path / "serve.log"
    server = start(["serve", "--port", str(port)], env, f"{base_url}/healthz", log)
    try:
        assert httpx.get(f"{base_url}/api/v1/orders", headers=STRANGER).status_code == 401

        private_mariadb.kill()
        for _ in range(20):
            refused = httpx.get(f"{base_url}/api/v1/orders", headers=STRANGER, timeout=10)
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"] == "service_unavailable"
            assert refused.headers["Retry-After"] == "5"
        health = httpx.get(f"{base_url}/healthz", headers={"Connection": "close"}, timeout=10)
        assert (health.status_code, health.headers["Retry-After"]) == (503, "5")
        assert health.json()["database"] == "unavailable"
        assert _count(log, "database unreachable") == 1
        assert "Traceback" not in log.read_text(errors="replace")

        private_mariadb.start()
        _until(lambda: httpx.get(f"{base_url}/api/v1/orders", headers=STRANGER).status_code == 401)
        assert httpx.get(f"{base_url}/healthz", headers={"Connection": "close"}).status_code == 200
        _until(lambda: _count(log, "database reachable again") == 1)
        assert server.poll() is None  # the same server process throughout
        assert _count(log, "database unreachable") == 1
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        stop(server)
