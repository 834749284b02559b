"""The dashboard: today's numbers, the month's sales, top goods; the live part refreshes on
pushes from the merchant channel, polling while it is down."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response

from xiaodian.auth.deps import ADMIN_COOKIE
from xiaodian.console.rendering import render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin
from xiaodian.core import clock
from xiaodian.coupons import admin_service as coupons
from xiaodian.dashboard import service
from xiaodian.deps import SessionDep, context_of
from xiaodian.live import merchant
from xiaodian.live.frames import CloseCode

router = APIRouter()
section = Section(
    key="dashboard", title="经营概览", path="/", icon="dashboard", group="概览", router=router
)

LIVE_REFRESH_SECONDS = 5


@router.get("/")
async def dashboard(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    now = clock.now()
    today = service.shop_day(now)
    series = await service.sales_series(session, today=today)
    chart = {
        "days": [point.day.strftime("%m-%d") for point in series],
        "sales_fen": [point.net_fen for point in series],
        "paid_fen": [point.sales_fen for point in series],
        "refund_fen": [point.refund_fen for point in series],
        "orders": [point.paid_orders for point in series],
    }
    return render(
        request,
        "dashboard.html",
        section="dashboard",
        board=await service.live_board(session, now=now),
        chart=chart,
        month_total_fen=sum(point.net_fen for point in series),
        month_orders=sum(point.paid_orders for point in series),
        discount_given_fen=await coupons.discount_given(session),
        top=await service.top_goods(session, today=today),
        refresh_seconds=LIVE_REFRESH_SECONDS,
    )


@router.get("/dashboard/live")
async def live(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return render(
        request,
        "dashboard/_live.html",
        board=await service.live_board(session, now=clock.now()),
        refresh_seconds=LIVE_REFRESH_SECONDS,
    )


async def live_socket(websocket: WebSocket) -> None:
    """The dashboard's push channel (the console session; same origin only): the live part
    refreshes when an order, a payment, a refund request or low stock arrives, and falls back
    to polling while this socket is down."""
    context = context_of(websocket)
    origin = websocket.headers.get("origin", "")
    same_origin = urlsplit(origin).netloc == websocket.headers.get("host", "")
    await websocket.accept()
    token = websocket.cookies.get(ADMIN_COOKIE)
    if not same_origin or await merchant.admin_of(context, token) is None:
        await websocket.close(code=CloseCode.TOKEN_INVALID, reason="login_required")
        return
    await merchant.serve(websocket, context)
