"""Settings, read from the environment with the prefix ``XIAODIAN_``."""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from xiaodian.core.ratelimit import Rate, RateSetting


class Settings(BaseSettings):
    """Everything the app reads from its environment.

    Pointing ``wechat_api_base`` (and the payment base URLs) at the real hosts instead of the
    simulator is the only change production needs.
    """

    model_config = SettingsConfigDict(env_prefix="XIAODIAN_", extra="ignore")

    env: Literal["demo", "production", "test"] = "production"
    database_url: str = "sqlite+aiosqlite:///./data/xiaodian.db"
    redis_url: str | None = None
    secret_key: str = Field(default="", description="signs sessions and derives local keys")
    database_pool_size: int = 10
    database_echo: bool = False

    public_base_url: str = "http://127.0.0.1:8000"
    media_dir: Path = Path("./data/media")

    wechat_appid: str = "wx0000000000000000"
    wechat_secret: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    http_timeout_seconds: float = 5.0
    wechat_miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    """Which version of the mini program subscribe messages open."""
    kuaidi100_base_url: str = "https://poll.kuaidi100.com"
    kuaidi100_customer: str = ""
    kuaidi100_key: str = ""
    """Express tracking through Kuaidi100; without a key the order shows carrier and number."""
    tracking_cache_minutes: int = Field(default=30, ge=30, le=24 * 60)
    """Kuaidi100 locks a waybill queried more than once per 30 minutes."""
    shipping_upload_max_attempts: int = Field(default=8, ge=1, le=50)

    amap_key: str = ""
    """AMap Web Service key; empty: distances are great-circle x the road factor, no geocoding."""
    amap_private_key: str = ""
    amap_base_url: str = "https://restapi.amap.com"
    delivery_road_factor: float = Field(default=1.3, ge=1.0, le=3.0)

    sandbox_enabled: bool = False
    sandbox_lenient_login: bool = False
    sandbox_default_openid: str = "demo-shopper-openid"

    run_jobs_in_process: bool = True
    job_interval_seconds: float = 30.0
    outbox_in_process: bool | None = None
    """Drain the outbox inside the server (default: when the sweeps run in it too)."""
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    flash_keep_warm: bool = True
    """Each server process keeps the rules and gates of flash items running or about to start
    ready (`flash.service.keep_warm`), so a sale's first second finds them there."""

    @property
    def drains_outbox_in_process(self) -> bool:
        return (
            self.run_jobs_in_process if self.outbox_in_process is None else self.outbox_in_process
        )

    token_ttl_days: int = 30
    admin_token_ttl_hours: int = 12
    unpaid_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    operation_log_keep_days: int = Field(default=365, ge=180, le=3650)
    auto_confirm_days: int = Field(default=10, ge=1, le=60)
    return_ship_days: int = Field(default=7, ge=1, le=30)
    """退货退款: days the shopper has to ship the goods back once the merchant agreed."""
    freight_fen: int = Field(default=800, ge=0)
    free_freight_threshold_fen: int = Field(default=9900, ge=0)
    catalog_cache_seconds: int = 60
    stock_hint_below: int = Field(default=10, ge=0, le=100_000)
    """Shoppers read "仅剩 N 件" when a SKU or goods item has fewer than this left (0: never)."""

    # Live stock over WebSocket (/api/v1/ws)
    live_coalesce_ms: int = Field(default=50, ge=0, le=5000)
    """Changes to one SKU closer together than this are pushed as one (the last value)."""
    live_max_goods_per_connection: int = Field(default=200, ge=1, le=10_000)
    live_max_connections_per_ip: int = Field(default=20, ge=1, le=1_000_000)
    """Across every server process with Redis (per process without it)."""
    live_address_count_ttl_seconds: int = Field(default=30, ge=3, le=3600)
    """With Redis: a process's sockets stop counting towards the per-address cap this long
    after its last heartbeat (every third of it), e.g. after a crash."""
    live_idle_seconds: float = Field(default=75, gt=0)
    """Closed (4000) when the client sent nothing for this long; clients ping every 25 s."""
    live_max_message_bytes: int = Field(default=8192, ge=256)
    live_queue_frames: int = Field(default=256, ge=8)
    """Frames waiting for a slow client before it is dropped (4008)."""

    # Abuse limits. Rates are written "10/minute", "5/10s", "100/hour" or "off"; their counters
    # live in the cache (Redis when configured), so every server process shares them.
    max_unpaid_orders_per_shopper: int = Field(default=5, ge=1, le=1000)
    max_units_per_sku_per_order: int = Field(default=200, ge=1, le=999)
    order_rate_per_shopper: RateSetting = Rate(limit=10, per_seconds=60)
    order_rate_per_ip: RateSetting = Rate(limit=60, per_seconds=60)
    login_rate_per_ip: RateSetting = Rate(limit=10, per_seconds=60)
    """Merchant sign-ins (the API's and the console's), per client address."""
    wx_login_rate_per_ip: RateSetting = Rate(limit=120, per_seconds=60)
    """Shopper sign-ins: each one costs a call to WeChat, whose quota is the whole shop's."""
    refund_rate_per_shopper: RateSetting = Rate(limit=10, per_seconds=60)
    coupon_claim_rate_per_shopper: RateSetting = Rate(limit=30, per_seconds=60)
    """Claims and code redemptions: guessing codes is the abuse this stops."""
    flash_rate_per_shopper: RateSetting = Rate(limit=5, per_seconds=10)
    flash_rate_per_ip: RateSetting = Rate(limit=600, per_seconds=10)
    """Flash orders: a crowd behind one NAT shares an address, so the address's allowance is
    wide; one shopper's is narrow (the gate answers their repeats without the database)."""

    log_json: bool = True
    log_level: str = "INFO"

    trusted_proxies: str = "127.0.0.1,::1"
    """Addresses or networks (comma-separated, or "*") whose X-Forwarded-Proto/-For we believe."""
    metrics_allowed_networks: str = "127.0.0.1/32,::1/128"
    """Clients from these networks may read /metrics without a token ("" for none)."""
    metrics_token: str = ""
    """A bearer token that opens /metrics from anywhere ("" for none)."""
    api_docs: bool | None = None
    """/docs and /openapi.json; default: on in demo and test, off in production."""

    @field_validator("public_base_url", "wechat_api_base")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as error:
                    raise ValueError(f"{item!r} is not an IP address or network") from error
        return ",".join(items)

    @property
    def metrics_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        items = [item for item in self.metrics_allowed_networks.split(",") if item]
        if "*" in items:
            return [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
        return [ipaddress.ip_network(item, strict=False) for item in items]

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    def check_for_serving(self) -> None:
        """Refuse to serve with a missing or short secret key, whatever XIAODIAN_ENV says
        (`xiaodian demo` makes its own)."""
        if not self.secret_key:
            raise ValueError("XIAODIAN_SECRET_KEY must be set to a long random value")
        if len(self.secret_key) < 32:
            raise ValueError("XIAODIAN_SECRET_KEY must be at least 32 characters")

    def secret_values(self) -> list[str]:
        """Every configured value that must never appear in a log."""
        values = [
            self.secret_key,
            self.wechat_secret,
            self.metrics_token,
            self.wechat_pay_private_key_pem,
            self.wechat_pay_apiv3_key,
            self.wechat_pay_v2_key,
            self.alipay_app_private_key_pem,
            self.kuaidi100_key,
            self.amap_key,
            self.amap_private_key,
        ]
        for url in (self.database_url, self.redis_url):
            with contextlib.suppress(Exception):  # an unparsable URL fails later, on its own
                values.append(make_url(url or "").password or "")
        return [value for value in values if value]

    # --- Payments: WeChat Pay (API v3, or legacy v2) and Alipay ---------------------------
    # Built into client configs by ``xiaodian.integrations.payconfig``. Keys come from a file
    # (``…_path``) or inline PEM (``…_pem``); the path wins when both are set. The base URLs
    # point at the real services by default and at the simulator in the demo.
    wechat_pay_api_version: Literal["v3", "v2"] = "v3"
    wechat_pay_mchid: str = ""
    wechat_pay_base_url: str = "https://api.mch.weixin.qq.com"
    wechat_pay_private_key_path: Path | None = None
    wechat_pay_private_key_pem: str = ""
    wechat_pay_cert_serial: str = ""
    wechat_pay_apiv3_key: str = ""
    wechat_pay_platform_cert_paths: list[Path] = Field(default_factory=list)
    wechat_pay_public_key_id: str = ""
    wechat_pay_public_key_path: Path | None = None
    wechat_pay_public_key_pem: str = ""
    wechat_pay_v2_key: str = ""
    wechat_pay_v2_sign_type: Literal["MD5", "HMAC-SHA256"] = "HMAC-SHA256"
    wechat_pay_v2_client_cert_path: Path | None = None
    wechat_pay_v2_client_key_path: Path | None = None
    wechat_pay_notify_url: str = ""
    wechat_pay_refund_notify_url: str = ""
    alipay_app_id: str = ""
    alipay_gateway: str = "https://openapi.alipay.com/gateway.do"
    alipay_app_private_key_path: Path | None = None
    alipay_app_private_key_pem: str = ""
    alipay_public_key_path: Path | None = None
    alipay_public_key_pem: str = ""
    alipay_seller_id: str = ""
    alipay_notify_url: str = ""
    payment_max_attempts: int = Field(default=3, ge=1, le=3)
    payment_retry_backoff_seconds: float = Field(default=0.5, ge=0)
    payment_timeout_seconds: float = Field(default=10.0, gt=0)
    payment_reconcile_after_minutes: int = Field(default=5, ge=1, le=24 * 60)
    """A payment still pending this long after its prepay is queried (lost notifications)."""
    payment_check_retry_seconds: float = Field(default=60.0, gt=0, le=3600)
    """A status query (or refund call) that got no answer, or whose answer failed to apply, is
    tried again after this long, doubled for each failure in a row."""
    payment_check_retry_max_minutes: int = Field(default=60, ge=1, le=24 * 60)
    """The longest wait between two tries of one payment or refund."""
    payment_unknown_alert_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    """A payment whose result is still unknown this long after its prepay (or after its order
    closed) is listed as a stuck payment in the merchant's anomalies."""
