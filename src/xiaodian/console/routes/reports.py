"""数据报表 (sales by day, goods or SKU for a date range, net of refunds, with a chart and CSV)
and 客户 (shoppers who ordered, searchable, each with their orders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.auth.permissions import Permission
from xiaodian.console.rendering import render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleRevenue
from xiaodian.core import clock
from xiaodian.dashboard import reports
from xiaodian.dashboard.reports import ReportBy
from xiaodian.dashboard.service import shop_day
from xiaodian.deps import SessionDep

router = APIRouter()
section = Section(
    key="reports",
    title="数据报表",
    path="/reports",
    icon="dashboard",
    group="概览",
    router=router,
    permission=Permission.REVENUE,
)
customers_section = Section(
    key="customers",
    title="客户",
    path="/customers",
    icon="staff",
    group="用户",
    router=APIRouter(),
    permission=Permission.REVENUE,
)
BY_TEXT = {ReportBy.DAY: "按日", ReportBy.GOODS: "按商品", ReportBy.SKU: "按 SKU"}


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def _report(request: Request, session: SessionDep) -> reports.Report:
    raw_by = request.query_params.get("by", "day")
    by = ReportBy(raw_by) if raw_by in {b.value for b in ReportBy} else ReportBy.DAY
    first, last = reports.clamp_range(
        _day(request.query_params.get("date_from", "")),
        _day(request.query_params.get("date_to", "")),
        today=shop_day(clock.now()),
    )
    return await reports.sales_report(session, by=by, first=first, last=last)


@router.get("/reports")
async def report_page(request: Request, _admin: ConsoleRevenue, session: SessionDep) -> Response:
    report = await _report(request, session)
    shown = report.rows if report.by == ReportBy.DAY else report.rows[:30]
    chart: dict[str, Any] = {
        "by": report.by,
        "labels": [row.label for row in shown],
        "net_fen": [row.net_fen for row in shown],
        "orders": [row.orders for row in shown],
        "units": [row.units for row in shown],
    }
    filters = {
        "by": report.by.value,
        "date_from": report.first.isoformat(),
        "date_to": report.last.isoformat(),
    }
    return render(
        request,
        "reports/sales.html",
        section="reports",
        report=report,
        chart=chart,
        filters=filters,
        tabs=BY_TEXT,
    )


@router.get("/reports/export.csv")
async def report_csv(request: Request, _admin: ConsoleRevenue, session: SessionDep) -> Response:
    report = await _report(request, session)
    name = f"sales-{report.by}-{report.first:%Y%m%d}-{report.last:%Y%m%d}.csv"
    return Response(
        reports.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@customers_section.router.get("/customers")
async def customer_page(request: Request, _admin: ConsoleRevenue, session: SessionDep) -> Response:
    q = request.query_params.get("q", "").strip()[:64]
    raw_page = request.query_params.get("page", "1")
    page_no = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
    rows, total = await reports.customers(session, q=q, page=page_no)
    page = {"items": rows, "total": total, "page": page_no, "page_size": 20}
    return render(
        request,
        "reports/customers.html",
        section="customers",
        page=page,
        filters={"q": q},
    )
