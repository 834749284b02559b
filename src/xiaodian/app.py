"""The application factory: routers, error handling, media, the simulator, in-process sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import ipaddress
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text

from xiaodian import __version__, receivers
from xiaodian.addresses import api as addresses_api
from xiaodian.admins import admin_api as admins_admin
from xiaodian.cart import api as cart_api
from xiaodian.catalog import admin_api as catalog_admin
from xiaodian.catalog import api as catalog_api
from xiaodian.catalog import hints
from xiaodian.config import Settings
from xiaodian.console import create_console
from xiaodian.context import AppContext
from xiaodian.core import urls
from xiaodian.core.bodylimit import KIB, MIB, BodyLimitMiddleware
from xiaodian.core.headers import SecurityHeaders
from xiaodian.core.http import install_error_handlers
from xiaodian.core.jobs import run_jobs_forever
from xiaodian.core.logs import configure_logging, register_secret
from xiaodian.core.outage import RETRY_AFTER_SECONDS, is_connection_lost
from xiaodian.core.responses import RawJSONResponse
from xiaodian.core.routing import index_routes
from xiaodian.coupons import admin_api as coupons_admin
from xiaodian.coupons import api as coupons_api
from xiaodian.dashboard import admin_api as dashboard_admin
from xiaodian.delivery import admin_api as delivery_admin
from xiaodian.delivery import api as delivery_api
from xiaodian.delivery import rider as delivery_rider
from xiaodian.events import outbox
from xiaodian.flash import admin_api as flash_admin
from xiaodian.flash import api as flash_api
from xiaodian.flash import runtime as flash_runtime
from xiaodian.flash import service as flash_service
from xiaodian.flash.fastpath import FlashRefusals
from xiaodian.groupbuy import admin_api as groupbuy_admin
from xiaodian.groupbuy import api as groupbuy_api
from xiaodian.jobs import ALL_JOBS
from xiaodian.live import api as live_api
from xiaodian.live import merchant as live_merchant
from xiaodian.media import admin_api as media_admin
from xiaodian.media import api as media_api
from xiaodian.media.service import MAX_UPLOAD_BYTES
from xiaodian.media.static import MediaFiles
from xiaodian.orders import admin_api as orders_admin
from xiaodian.orders import api as orders_api
from xiaodian.payments import admin_api as payments_admin
from xiaodian.payments import api as payments_api
from xiaodian.reviews import admin_api as reviews_admin
from xiaodian.sandbox.app import create_sandbox_app
from xiaodian.shop import admin_api as shop_admin
from xiaodian.sync import admin_api as sync_admin
from xiaodian.users import api as users_api
from xiaodian.wechat import admin_api as wechat_admin
from xiaodian.wechat import api as wechat_api

_PING = b'{"ok":true}'

GC_THRESHOLDS = (20_000, 20, 100)
"""The collector's thresholds for a serving process (Python's are 700, 10, 10). Under a
crowd, each young collection promotes the objects of the requests in flight, so the full
collection (the whole old generation, 10-31 ms) ran every ~0.3 s per worker in
`bench/flash_sale.py` and found nothing to free; over one run 144 pauses above 2 ms, 1.3 s in
all. With these, 12 pauses above 2 ms (the longest 19 ms, 0.12 s in all), and garbage cycles
are still found by the young collections, where they nearly all are."""
JSON_BODY_LIMIT = 64 * KIB
LARGE_BODY_LIMIT = 1 * MIB
BODY_LIMITS = (
    # image uploads: the picture itself plus the multipart envelope
    (r"^/(api/v1|api/admin/v1|console)/media/", MAX_UPLOAD_BYTES + 1 * MIB),
    # the goods editor and API (a 50,000-character description, 200 SKUs) and bulk stock
    (r"^/(api/admin/v1|console)/goods(/|$)", LARGE_BODY_LIMIT),
    # bulk stock from the merchant's systems: up to 1,000 lines named by SKU code
    (r"^/api/admin/v1/stock(/adjust)?$", LARGE_BODY_LIMIT),
    # up to 50 reviews of one order, each with its pictures
    (r"^/api/v1/orders/[^/]+/reviews$", LARGE_BODY_LIMIT),
    # payment credentials: PEM keys
    (r"^/(api/admin/v1/payment-credentials|console/settings/payments)$", 256 * KIB),
)
"""Request body ceilings by path; everything else gets JSON_BODY_LIMIT."""


def create_app(
    settings: Settings | None = None,
    *,
    http: httpx.AsyncClient | None = None,
    sandbox: FastAPI | None = None,
) -> FastAPI:
    """The whole shop as one ASGI app, configured by `settings` (default: the environment).

    `http` carries outbound calls (tests route it to the simulator in-process); `sandbox` is
    the simulator app to mount at /sandbox when `settings.sandbox_enabled` (by default one
    with the login simulator only).
    """
    settings = settings or Settings()
    receivers.install()
    register_secret(*settings.secret_values())
    urls.configure(settings.public_base_url)
    hints.configure(settings.stock_hint_below)
    context = AppContext.create(settings, http=http)
    hints.listen(context)
    mounted_sandbox = sandbox or create_sandbox_app(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await context.start()
        await hints.load(context)
        await flash_runtime.note_start(context)
        # Objects built at start-up live as long as the process: keep them out of the
        # collector's way so its pauses stay short under load.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        stop = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        if settings.run_jobs_in_process:
            background.append(
                asyncio.create_task(
                    run_jobs_forever(
                        ALL_JOBS, context, interval_seconds=settings.job_interval_seconds, stop=stop
                    )
                )
            )
        if settings.flash_keep_warm:
            background.append(
                asyncio.create_task(flash_service.keep_warm_forever(context, stop=stop))
            )
        if settings.drains_outbox_in_process:
            background.append(
                asyncio.create_task(
                    outbox.run_forever(
                        context, stop=stop, poll_seconds=settings.outbox_poll_seconds
                    )
                )
            )
        try:
            yield
        finally:
            stop.set()
            for task in background:
                await task
            simulator = getattr(mounted_sandbox.state, "payment_simulator", None)
            if simulator is not None:
                await simulator.aclose()
            await context.close()

    docs = settings.docs_enabled
    app = FastAPI(
        title="小店 xiaodian",
        version=__version__,
        lifespan=lifespan,
        description="Shopper API under /api/v1, merchant API under /api/admin/v1.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.context = context
    install_error_handlers(app)
    # innermost: inside the body limit and the security headers, before routing
    app.add_middleware(FlashRefusals, context=context)
    app.add_middleware(BodyLimitMiddleware, default=JSON_BODY_LIMIT, routes=BODY_LIMITS)
    app.add_middleware(SecurityHeaders, headers={"X-Content-Type-Options": "nosniff"}, hsts=True)

    # Each domain's router is included in the app itself, under its API's prefix, rather than
    # through one router per API: FastAPI matches included routers one by one, twice per
    # nesting level (once to choose the branch, once inside it), so one level less halves
    # the route matching that every request pays (measured: docs/performance.md).
    shopper_modules = (
        catalog_api,
        users_api,
        addresses_api,
        cart_api,
        orders_api,
        payments_api,
        media_api,
        wechat_api,
        coupons_api,
        flash_api,
        live_api,
        groupbuy_api,
        delivery_api,
    )
    for module in shopper_modules:
        app.include_router(module.router, prefix="/api/v1")

    @app.get("/api/v1/ping", tags=["health"])
    async def ping() -> Any:
        return RawJSONResponse(_PING)

    merchant_modules = (
        admins_admin,
        catalog_admin,
        orders_admin,
        reviews_admin,
        shop_admin,
        media_admin,
        payments_admin,
        wechat_admin,
        dashboard_admin,
        coupons_admin,
        flash_admin,
        sync_admin,
        live_merchant,
        groupbuy_admin,
        delivery_admin,
    )
    for module in merchant_modules:
        app.include_router(module.router, prefix="/api/admin/v1")
    app.include_router(delivery_rider.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> Response:
        """Ready when the database (and Redis, if configured) answer; 503 with Retry-After
        when not."""
        checks: dict[str, str] = {}
        try:
            async with context.db.transaction(write=False) as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:
            lost = is_connection_lost(error)
            checks["database"] = "unavailable" if lost else f"error: {type(error).__name__}"
        if context.redis is not None:
            try:
                await context.redis.ping()
                checks["redis"] = "ok"
            except Exception as error:
                checks["redis"] = f"error: {type(error).__name__}"
        if all(value == "ok" for value in checks.values()):
            return JSONResponse({"ok": True, **checks})
        return JSONResponse(
            {"ok": False, **checks},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """For Prometheus: from XIAODIAN_METRICS_ALLOWED_NETWORKS or with the bearer token."""
        if not _may_read_metrics(request, settings):
            return JSONResponse({"error": "forbidden", "message": "没有权限"}, status_code=403)
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", MediaFiles(directory=settings.media_dir, check_dir=False), name="media")
    app.mount("/console", create_console(context), name="console")
    if settings.sandbox_enabled:
        app.mount("/sandbox", mounted_sandbox, name="sandbox")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_INDEX.format(version=__version__, docs=_DOCS_LINK if docs else ""))

    index_routes(app)  # a request asks only the routes its path can match (core/routing.py)
    return app


def _may_read_metrics(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    bearer = scheme.lower() == "bearer"
    if token and bearer and hmac.compare_digest(supplied.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.metrics_networks)


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory` (what `xiaodian serve` runs in each worker): the worker's own
    logs (redacted, as configured), and the same refusal of unsafe settings as `serve`."""
    settings = Settings()
    settings.check_for_serving()
    configure_logging(
        json_lines=settings.log_json, level=settings.log_level, secrets=settings.secret_values()
    )
    return create_app(settings)


_INDEX = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>小店 xiaodian</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>小店 xiaodian <small style="color:#888">{version}</small></h1>
<p>An open-source WeChat mini-shop for small merchants.</p>
<ul>
<li><a href="/console/">Merchant console 商家后台</a></li>
{docs}<li><a href="/api/v1/home">Shopper API: home</a></li>
<li><a href="/healthz">Health</a></li>
</ul></body></html>"""
_DOCS_LINK = '<li><a href="/docs">API documentation (OpenAPI)</a></li>\n'
