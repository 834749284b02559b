"""The production topology on loopback: nginx (deploy/nginx/xiaodian.conf, rendered for test
ports, TLS with a certificate made here) in front of two `xiaodian serve` processes, one
`xiaodian worker`, the simulator, and a TCP proxy (tests/system/tcp_proxy.py) between every
process and MariaDB so a test can cut the database without touching the shared server."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from tests.live.conftest import free_port, payment_env, server_env, wait_until_up
from xiaodian.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "xiaodian.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")

# What the shipped site file says → what the test topology needs. Every one must match
# exactly once, so a change to deploy/ that the test no longer understands fails loudly.
PRODUCTION_CERT = "/etc/letsencrypt/live/shop.example.com/fullchain.pem"
PRODUCTION_KEY = "/etc/letsencrypt/live/shop.example.com/privkey.pem"


def render_site(*, http_port: int, https_port: int, servers: list[int], tls: Path) -> str:
    text = SITE.read_text()
    replacements = [
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        (
            "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
            f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        ),
        (
            "    server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;\n"
            "    server 127.0.0.1:8002 max_fails=1 fail_timeout=2s;\n",
            "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in servers),
        ),
        (PRODUCTION_CERT, str(tls / "cert.pem")),
        (PRODUCTION_KEY, str(tls / "key.pem")),
        ("root /var/www/acme;", f"root {tls};"),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, f"deploy/nginx/xiaodian.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def nginx_main(site: Path, home: Path, notify_port: int) -> str:
    """The process-level wrapper a distribution's /etc/nginx/nginx.conf provides. The extra
    plain-HTTP listener is for the payment simulator only, which does not trust the test's
    certificate: its notifications still go through nginx and the same upstream."""
    return f"""
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # which server answered each request: a rolling restart waits until nginx sends to the
    # restarted one again (it counts a server that refused as down for fail_timeout)
    log_format upstream '$upstream_addr|$upstream_status|$request_uri';
    access_log {home}/access.log upstream;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    include {site};
    server {{
        listen 127.0.0.1:{notify_port};
        location / {{
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Connection "";
            proxy_pass http://xiaodian;
        }}
    }}
}}
"""


def make_certificate(directory: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(directory / "key.pem"),
            "-out",
            str(directory / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


@dataclass
class Service:
    name: str
    args: list[str]
    ready_url: str | None
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xiaodian", *self.args],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        if self.ready_url is not None:
            try:
                wait_until_up(self.ready_url, self.process, timeout=120)
            except RuntimeError:
                raise RuntimeError(self.log.read_text(errors="replace")[-3000:]) from None

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float = 40) -> int:
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@dataclass
class DatabaseProxy:
    """tests/system/tcp_proxy.py as its own process: SIGUSR1 cuts (every open connection closed,
    new ones refused), SIGUSR2 restores; it answers each with a line on stdout."""

    port: int
    target: tuple[str, int]
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("tcp_proxy.py")),
                str(self.port),
                self.target[0],
                str(self.target[1]),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("listening")

    def _expect(self, word: str) -> None:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == word, f"tcp proxy said {line!r}, expected {word!r}"

    def cut(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGUSR1)
        self._expect("cut")

    def restore(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGUSR2)
        self._expect("listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Topology:
    home: Path
    https_url: str
    http_url: str
    sandbox_url: str
    ssl_context: ssl.SSLContext
    env: dict[str, str]
    servers: list[Service]
    worker: Service
    sandbox: Service
    database: DatabaseProxy
    redis_url: str
    nginx: subprocess.Popen[bytes] | None = None
    others: list[Service] = field(default_factory=list)

    @property
    def server_ports(self) -> list[int]:
        return [
            int(server.ready_url.rsplit(":", 1)[1].split("/")[0])
            for server in self.servers
            if server.ready_url
        ]

    @property
    def ws_url(self) -> str:
        return self.https_url.replace("https://", "wss://") + "/api/v1/ws"

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        kwargs.setdefault("timeout", 30)
        return httpx.AsyncClient(base_url=self.https_url, verify=self.ssl_context, **kwargs)  # type: ignore[arg-type]

    def restart(self, server: Service) -> None:
        server.start(self.env)

    def access_log_size(self) -> int:
        log = self.home / "access.log"
        return log.stat().st_size if log.exists() else 0

    def answered_by(self, port: int, since: int) -> bool:
        """Whether nginx has had a 2xx from the server on `port` since byte `since` of its
        access log (`$upstream_addr|$upstream_status`: after a retry the last of each answered)."""
        with (self.home / "access.log").open("rb") as log:
            log.seek(since)
            lines = log.read().decode(errors="replace").splitlines()
        for line in lines:
            addresses, statuses, _ = [*line.split("|", 2), "", ""][:3]
            answered = addresses.replace(",", " ").split()[-1:]
            status = statuses.replace(",", " ").split()[-1:]
            if answered == [f"127.0.0.1:{port}"] and status and status[0].startswith("2"):
                return True
        return False

    def close(self) -> None:
        for service in (*self.servers, self.worker, self.sandbox):
            service.stop()
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        self.database.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def start_topology(
    settings: Settings, *, database_proxy: bool = True, extra_env: dict[str, str] | None = None
) -> Topology:
    """Everything started and answering through nginx. Without `database_proxy` the processes
    talk to MariaDB directly (benchmarks: the proxy is Python and would cost round trips)."""
    assert NGINX is not None
    # under /tmp: short paths, readable by nginx's worker whatever user it runs as
    home = Path(tempfile.mkdtemp(prefix="xd-system-"))
    os.chmod(home, 0o755)  # noqa: S103 (nginx's workers write their temp files here)
    make_certificate(home)
    http_port, https_port, notify_port = free_port(), free_port(), free_port()
    server_ports = [free_port(), free_port()]
    sandbox_port, proxy_port = free_port(), free_port()
    https_url = f"https://127.0.0.1:{https_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"

    database = make_url(settings.database_url)
    proxy = DatabaseProxy(proxy_port, (database.host or "127.0.0.1", database.port or 3306))
    proxy.start()
    env = server_env(settings, sandbox_url=sandbox_url, base_url=https_url)
    env["XIAODIAN_DATABASE_URL"] = database.set(host="127.0.0.1", port=proxy_port).render_as_string(
        hide_password=False
    )
    env.update(
        payment_env(
            home / "keys", sandbox_url=sandbox_url, base_url=f"http://127.0.0.1:{notify_port}"
        )
    )
    env.update(
        {
            "XIAODIAN_FLASH_RATE_PER_IP": "off",
            "XIAODIAN_FLASH_RATE_PER_SHOPPER": "100000/10s",
            "XIAODIAN_LOGIN_RATE_PER_IP": "off",
            # every request comes from 127.0.0.1 through nginx: the per-address limits would
            # count the whole test's crowd as one client (tests/security tests the limits)
            "XIAODIAN_WX_LOGIN_RATE_PER_IP": "off",
            "XIAODIAN_ORDER_RATE_PER_IP": "off",
            "XIAODIAN_COUPON_CLAIM_RATE_PER_SHOPPER": "off",
            "XIAODIAN_JOB_INTERVAL_SECONDS": "1",
            "XIAODIAN_OUTBOX_POLL_SECONDS": "0.5",
            # a hanging payment platform is given up on after 2 s (then retried)
            "XIAODIAN_PAYMENT_TIMEOUT_SECONDS": "2",
        }
    )
    env.update(extra_env or {})
    sandbox = Service(
        "sandbox",
        [
            "sandbox",
            "--port",
            str(sandbox_port),
            "--keys-dir",
            str(home / "keys"),
            "--time-scale",
            "0.001",
        ],
        f"{sandbox_url}/docs",
        home / "sandbox.log",
    )
    servers = [
        Service(
            f"serve-{number}",
            ["serve", "--port", str(port), "--workers", "1"],
            f"http://127.0.0.1:{port}/healthz",
            home / f"serve-{number}.log",
        )
        for number, port in enumerate(server_ports, 1)
    ]
    worker = Service("worker", ["worker"], None, home / "worker.log")
    site = home / "xiaodian.conf"
    site.write_text(
        render_site(http_port=http_port, https_port=https_port, servers=server_ports, tls=home)
    )
    main = home / "nginx.conf"
    main.write_text(nginx_main(site, home, notify_port))
    context = ssl.create_default_context(cafile=str(home / "cert.pem"))
    topology = Topology(
        home=home,
        https_url=https_url,
        http_url=f"http://127.0.0.1:{http_port}",
        sandbox_url=sandbox_url,
        ssl_context=context,
        env=env,
        servers=servers,
        worker=worker,
        sandbox=sandbox,
        database=proxy,
        redis_url=settings.redis_url or "",
    )
    try:
        sandbox.start(env)
        for server in servers:
            server.start(env)
        worker.start(env)
        topology.nginx = subprocess.Popen(
            [NGINX, "-c", str(main), "-p", str(home), "-g", "daemon off;"],
            stdout=(home / "nginx.out").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{https_url}/healthz", verify=context, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert topology.nginx.poll() is None, (home / "nginx.out").read_text()
            assert time.monotonic() < deadline, "nginx did not come up"
            time.sleep(0.1)
    except BaseException:
        topology.close()
        raise
    return topology
