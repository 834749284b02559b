"""操作日志: every write by a merchant account, searchable by account, action, target, date and
keyword (owner only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.admins import service as admins
from xiaodian.console.forms import lenient, shop_day_start
from xiaodian.console.rendering import is_htmx, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleOwner
from xiaodian.deps import SessionDep
from xiaodian.oplog import service as oplog
from xiaodian.oplog.schemas import LogQuery
from xiaodian.oplog.vocabulary import ACTION_TEXT, SOURCE_TEXT

router = APIRouter()
section = Section(
    key="oplog",
    title="操作日志",
    path="/oplog",
    icon="oplog",
    group="店铺",
    router=router,
    owner_only=True,
)
FILTERS = ("q", "admin_id", "action", "target_type", "target_id", "date_from", "date_to", "page")


def _query(filters: dict[str, str]) -> LogQuery:
    params: dict[str, Any] = {k: v for k, v in filters.items() if not k.startswith("date_")}
    start = shop_day_start(filters["date_from"])
    end = shop_day_start(filters["date_to"])
    if start:
        params["created_from"] = start.isoformat()
    if end:
        params["created_to"] = (end + timedelta(days=1)).isoformat()
    return lenient(LogQuery, params)


@router.get("/oplog")
async def log_page(request: Request, _owner: ConsoleOwner, session: SessionDep) -> Response:
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    page = await oplog.search(session, _query(filters))
    return render(
        request,
        "oplog/_results.html" if is_htmx(request) else "oplog/list.html",
        section="oplog",
        page=page,
        filters=filters,
        accounts=await admins.list_admins(session),
        actions={action.value: text for action, text in ACTION_TEXT.items()},
        sources={source.value: text for source, text in SOURCE_TEXT.items()},
    )
