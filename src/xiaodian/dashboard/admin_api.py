"""Merchant reports (sales by day, goods or SKU, net of refunds) and the customer list; both
need the 查看营收 permission."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from xiaodian.auth.deps import permitted
from xiaodian.auth.permissions import Permission
from xiaodian.core import clock
from xiaodian.core.responses import CSVResponse
from xiaodian.dashboard import reports
from xiaodian.dashboard.reports import ReportBy
from xiaodian.dashboard.service import shop_day
from xiaodian.deps import SessionDep

router = APIRouter(tags=["admin: reports"])
RevenueDep = [Depends(permitted(Permission.REVENUE))]


def _report_json(report: reports.Report) -> dict[str, Any]:
    def row(r: reports.ReportRow) -> dict[str, Any]:
        return {
            "key": r.key,
            "label": r.label,
            "code": r.code,
            "orders": r.orders,
            "units": r.units,
            "paid_fen": r.paid_fen,
            "refunded_fen": r.refunded_fen,
            "net_fen": r.net_fen,
            "average_order_fen": r.average_order_fen,
            "new_shoppers": r.new_shoppers,
            "returning_shoppers": r.returning_shoppers,
        }

    return {
        "by": report.by,
        "date_from": report.first.isoformat(),
        "date_to": report.last.isoformat(),
        "rows": [row(r) for r in report.rows],
        "total": row(report.total),
    }


async def _report(
    session: SessionDep, by: ReportBy, date_from: date | None, date_to: date | None
) -> reports.Report:
    first, last = reports.clamp_range(date_from, date_to, today=shop_day(clock.now()))
    return await reports.sales_report(session, by=by, first=first, last=last)


@router.get("/reports/sales", dependencies=RevenueDep)
async def sales(
    session: SessionDep,
    by: ReportBy = ReportBy.DAY,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, Any]:
    """Orders paid in the range (shop days), net of their refunds; at most 366 days."""
    return _report_json(await _report(session, by, date_from, date_to))


@router.get("/reports/sales.csv", dependencies=RevenueDep, response_class=CSVResponse)
async def sales_csv(
    session: SessionDep,
    by: ReportBy = ReportBy.DAY,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Response:
    report = await _report(session, by, date_from, date_to)
    return Response(
        reports.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="sales-{by}.csv"'},
    )


@router.get("/customers", dependencies=RevenueDep)
async def customers(
    session: SessionDep,
    q: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    rows, total = await reports.customers(session, q=q, page=page)
    return {
        "items": [row.__dict__ for row in rows],
        "total": total,
        "page": page,
        "page_size": 20,
    }
