"""The `xiaodian` command: demo, serve, migrate, seed, createadmin, worker, sandbox."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn

from xiaodian import migrate as migrations
from xiaodian.config import Settings
from xiaodian.core.logs import configure_logging

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from xiaodian.context import AppContext
    from xiaodian.sandbox.pay_simulator import PaymentSimulator

cli = typer.Typer(
    help="小店 xiaodian — a WeChat mini-shop for small merchants.",
    no_args_is_help=True,
    add_completion=False,
)

DEMO_ADMIN = ("demo", "demo1234")
DEMO_APPID = "wxd0000000000demo"


def _demo_settings(data_dir: Path, host: str, port: int, public_url: str | None) -> Settings:
    from xiaodian.sandbox.amap import SANDBOX_AMAP_KEY

    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    return Settings(
        env="demo",
        database_url=f"sqlite+aiosqlite:///{data_dir / 'xiaodian.db'}",
        redis_url=None,
        secret_key=secret_file.read_text().strip(),
        media_dir=data_dir / "media",
        public_base_url=public_url or f"http://{local}:{port}",
        wechat_appid=os.environ.get("XIAODIAN_WECHAT_APPID", DEMO_APPID),
        wechat_secret=os.environ.get("XIAODIAN_WECHAT_SECRET", "demo-app-secret"),
        wechat_api_base=f"http://{local}:{port}/sandbox",
        # express tracking through the simulator's Kuaidi100 (the demo's own key)
        kuaidi100_base_url=f"http://{local}:{port}/sandbox",
        kuaidi100_customer="sandbox-customer",
        kuaidi100_key="sandbox-key",
        amap_key=os.environ.get("XIAODIAN_AMAP_KEY", SANDBOX_AMAP_KEY),
        amap_base_url=os.environ.get(
            "XIAODIAN_AMAP_BASE_URL", f"http://{local}:{port}/sandbox/amap"
        ),
        sandbox_enabled=True,
        sandbox_lenient_login=True,
        run_jobs_in_process=True,
        log_json=False,
    )


def _seeding_context(settings: Settings) -> AppContext:
    """The app's context with its event receivers, so the demo's after-sale orders go through
    the services (and their events) exactly as they do in the running app."""
    from xiaodian import receivers
    from xiaodian.context import AppContext

    receivers.install()
    return AppContext.create(settings)


async def _prepare_demo(settings: Settings, simulator: PaymentSimulator) -> tuple[bool, bool]:
    from xiaodian.admins.service import ensure_owner
    from xiaodian.seed.demo import seed_demo

    context = _seeding_context(settings)
    try:
        async with context.db.transaction() as session:
            seeded = await seed_demo(session, settings=settings)
            created = await ensure_owner(session, username=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
        async with context.db.transaction(write=False) as session:
            await remind_simulator(session, simulator)
    finally:
        await context.close()
    return seeded, created


async def remind_simulator(session: AsyncSession, simulator: PaymentSimulator) -> None:
    """The simulator forgets everything when the demo stops: tell it again of every WeChat
    payment the shop holds as paid (and what was refunded of it), so a refund of an order
    paid before this start — the seeded after-sale orders, or yesterday's — goes through."""
    from sqlalchemy import func, select

    from xiaodian.models import Payment, Refund
    from xiaodian.payments.vocabulary import MONEY_OUT, PaymentStatus

    refunded = {
        payment_id: int(total)
        for payment_id, total in await session.execute(
            select(Refund.payment_id, func.sum(Refund.amount_fen))
            .where(Refund.status.in_(MONEY_OUT))
            .group_by(Refund.payment_id)
        )
    }
    paid = await session.scalars(
        select(Payment).where(
            Payment.channel == "wechat",
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.api.in_(("v3", "v2")),
        )
    )
    for payment in paid:
        if payment.paid_at is None or payment.transaction_id is None:
            continue
        simulator.remember_paid(
            api="v3" if payment.api == "v3" else "v2",
            out_trade_no=payment.out_trade_no,
            total_fen=payment.amount_fen,
            openid=payment.payer_openid or "",
            transaction_id=payment.transaction_id,
            paid_at=payment.paid_at,
            refunded_fen=int(refunded.get(payment.id, 0)),
        )


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    data_dir: Annotated[Path, typer.Option(help="SQLite database and media live here")] = Path(
        "data"
    ),
    public_url: Annotated[
        str | None,
        typer.Option(help="URL phones use to reach this server (default http://HOST:PORT)"),
    ] = None,
) -> None:
    """Run the demo shop: SQLite in DATA_DIR, demo data, simulated WeChat, one process."""
    import httpx

    from xiaodian.app import create_app
    from xiaodian.sandbox.app import create_sandbox_app, with_simulated_payments

    base_settings = _demo_settings(data_dir.resolve(), host, port, public_url)
    local = f"http://127.0.0.1:{port}"
    notify_http = httpx.AsyncClient(timeout=10, trust_env=False)
    settings, simulator = with_simulated_payments(
        base_settings,
        keys_dir=data_dir.resolve() / "keys",
        sandbox_url=f"{local}/sandbox",
        shop_url=local,
        notify_http=notify_http,
    )
    configure_logging(json_lines=False, level="INFO", secrets=settings.secret_values())
    migrations.upgrade(settings.database_url, secret_key=settings.secret_key)
    seeded, _ = asyncio.run(_prepare_demo(settings, simulator))
    typer.echo(
        f"\n  小店 xiaodian demo  {'(demo data seeded)' if seeded else ''}\n"
        f"  merchant console {settings.public_base_url}/console/\n"
        f"  shop API         {settings.public_base_url}/api/v1/home\n"
        f"  API docs         {settings.public_base_url}/docs\n"
        f"  merchant login   {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}  "
        f"(POST {settings.public_base_url}/api/admin/v1/auth/login)\n"
        f"  simulator        {settings.public_base_url}/sandbox/docs "
        f"(WeChat login, WeChat Pay, Alipay)\n"
        f"  data folder      {data_dir.resolve()}\n"
    )
    app = create_app(settings, sandbox=create_sandbox_app(settings, payments=simulator))
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,
        forwarded_allow_ips=settings.trusted_proxies,
        timeout_keep_alive=30,
    )


GRACEFUL_SHUTDOWN_SECONDS = 20


@cli.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
) -> None:
    """Serve the shop with settings from the environment (XIAODIAN_*)."""
    settings = Settings()
    try:
        settings.check_for_serving()
    except ValueError as error:
        typer.echo(f"xiaodian serve: {error}", err=True)
        raise typer.Exit(2) from None
    if workers > 1 and not settings.redis_url:
        raise typer.BadParameter(
            "several workers share caches and events through Redis: set XIAODIAN_REDIS_URL",
            param_hint="--workers",
        )
    configure_logging(
        json_lines=settings.log_json, level=settings.log_level, secrets=settings.secret_values()
    )
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Workers count into shared files so /metrics adds up every process.
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="xiaodian-metrics-")
    if workers > 1 and "XIAODIAN_RUN_JOBS_IN_PROCESS" not in os.environ:
        # Each worker would sweep; they are safe together, but one `xiaodian worker` is tidier.
        os.environ["XIAODIAN_RUN_JOBS_IN_PROCESS"] = "false"
        typer.echo("several workers: sweeps are off in-process; run `xiaodian worker` beside them")
    from xiaodian import serving

    config = uvicorn.Config(
        "xiaodian.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
        timeout_keep_alive=30,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through our handler (and its redaction)
        # the live channel (/api/v1/ws): the sans-I/O implementation costs less per frame;
        # frames above 64 KiB close the socket, smaller oversized ones get an error frame
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        # SIGTERM (systemd stop, a rolling restart): stop accepting, let requests in flight
        # finish, close live sockets with 1012 "service restart" (clients reconnect to the
        # other server), and give up on stragglers after this many seconds
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # ... and close idle keep-alive connections only once no request can be on its way
        # on them (xiaodian/serving.py): closing them at once lost a POST nginx had just sent
        http=serving.DrainingProtocol,
    )
    serving.run(config)


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema (XIAODIAN_DATABASE_URL)."""
    settings = Settings()
    migrations.upgrade(settings.database_url, secret_key=settings.secret_key)
    typer.echo("database is up to date")


@cli.command()
def seed(
    scale: Annotated[
        int,
        typer.Option(
            min=0,
            max=200,
            help="also add N × (1,000 goods, 10,000 shoppers, 50,000 past orders) in bulk, "
            "for benchmarks (20 = 20,000 goods, 200,000 shoppers, 1,000,000 orders)",
        ),
    ] = 0,
) -> None:
    """Load the demo shop into the configured database (only if it has no goods yet)."""
    from xiaodian.seed.demo import seed_demo
    from xiaodian.seed.scale import seed_scale

    settings = Settings()

    async def run() -> bool:
        context = _seeding_context(settings)
        try:
            async with context.db.transaction() as session:
                seeded = await seed_demo(session, settings=settings)
            if seeded and scale:
                report = await seed_scale(context.db, scale=scale, say=typer.echo)
                typer.echo(
                    f"large shop seeded in {report.seconds:.1f} s: {report.goods} goods, "
                    f"{report.skus} SKUs, {report.shoppers} shoppers, {report.orders} orders "
                    f"({report.lines} lines)"
                )
            return seeded
        finally:
            await context.close()

    typer.echo(
        "demo shop seeded" if asyncio.run(run()) else "the shop already has goods; nothing done"
    )


@cli.command()
def createadmin(
    username: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="owner or staff")] = "owner",
) -> None:
    """Create a merchant account."""
    from pydantic import ValidationError

    from xiaodian.admins.errors import UsernameTaken
    from xiaodian.admins.schemas import AdminCreate
    from xiaodian.admins.service import create_admin
    from xiaodian.core.db import Database

    try:
        data = AdminCreate.model_validate(
            {"username": username, "password": password, "role": role}
        )
    except ValidationError as error:
        raise typer.BadParameter(str(error)) from error
    settings = Settings()

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            async with database.transaction() as session:
                await create_admin(session, data=data)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except UsernameTaken as error:
        raise typer.BadParameter(f"username {username!r} is taken") from error
    typer.echo(f"created {role} account {username!r}")


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="run every sweep once and exit")] = False,
) -> None:
    """Run the sweeps (unpaid orders, auto-confirm, …) and deliver the outbox (refunds to
    send, prepays to close, messages) for a multi-process deployment."""
    from xiaodian import receivers
    from xiaodian.catalog import hints
    from xiaodian.context import AppContext
    from xiaodian.core.jobs import run_jobs_forever, run_jobs_once
    from xiaodian.events import outbox
    from xiaodian.jobs import ALL_JOBS

    settings = Settings()
    configure_logging(
        json_lines=settings.log_json, level=settings.log_level, secrets=settings.secret_values()
    )
    receivers.install()

    async def run() -> None:
        context = AppContext.create(settings)
        hints.listen(context)
        await context.start()
        await hints.load(context)
        try:
            if once:
                results = await run_jobs_once(ALL_JOBS, context)
                results["outbox"] = await outbox.drain(context)
                typer.echo(results)
            else:
                stop = asyncio.Event()
                await asyncio.gather(
                    run_jobs_forever(
                        ALL_JOBS,
                        context,
                        interval_seconds=settings.job_interval_seconds,
                        stop=stop,
                    ),
                    outbox.run_forever(
                        context, stop=stop, poll_seconds=settings.outbox_poll_seconds
                    ),
                )
        finally:
            await context.close()

    asyncio.run(run())


@cli.command()
def sandbox(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8001,
    keys_dir: Annotated[
        Path | None,
        typer.Option(
            help="payment keys shared with the shop (made on first use); without it, login only"
        ),
    ] = None,
    time_scale: Annotated[float, typer.Option(help="speed up notification retries")] = 1.0,
) -> None:
    """Run the simulator on its own port (shared by several server processes).

    The shop's payment settings must point at the same keys: see
    `xiaodian.sandbox.keys.demo_payment_settings`.
    """
    import httpx

    from xiaodian.sandbox.app import create_sandbox_app
    from xiaodian.sandbox.keys import load_or_generate_keys
    from xiaodian.sandbox.pay_simulator import PaymentSimulator, SimulatorConfig

    settings = Settings()
    payments = None
    if keys_dir is not None:
        keys = load_or_generate_keys(keys_dir)
        payments = PaymentSimulator(
            SimulatorConfig.from_keys(keys, appid=settings.wechat_appid, time_scale=time_scale),
            http=httpx.AsyncClient(timeout=10, trust_env=False),
        )
    uvicorn.run(
        create_sandbox_app(settings, payments=payments), host=host, port=port, log_level="warning"
    )


def main() -> None:
    cli()
